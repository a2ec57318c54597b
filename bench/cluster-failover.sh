#!/usr/bin/env bash
# Cluster mode under failure (issue 16): 3 Kafka brokers (scripts/kafka-cluster.sh), 3 `earshot serve` nodes in
# cluster mode behind HAProxy (scripts/haproxy-cluster.sh), an active and a standby `earshot journal-writer` on one
# journal, and SENSORS simulated sensors (`earshot simulate --reconnect`: each buffers in RAM, reconnects through the
# balancer and resends what was not acknowledged) streaming demo/demo.wav in a loop, in real time, for SECONDS
# (starts spread over 23 s, one recording length, as in bench/live-capacity.sh).
# During the run it kills with SIGKILL one Earshot node (the one holding most sensors) at KILL_NODE_AT s, one Kafka
# broker at KILL_BROKER_AT s and the active journal writer at KILL_WRITER_AT s, and restarts each RESTART_AFTER s
# later (the restarted writer stands by). Then bench/ClusterFailover.java checks, from the journal, the nodes' logs,
# the simulator's event log and Kafka's log directories:
#   - every detection a node counted as made (Kafka acknowledged it; the node logged it) is in the journal, once;
#   - the journal verifies (earshot verify, with the journal's public key);
#   - how long each sensor of the killed node went unanalysed (from the kill to its connection to another node);
#   - the journaled detections match offline detection (the code of `earshot detect`) on the audio each node
#     analysed: each stretch of a sensor's stream, from the frame where a node's analysis of it started (a node that
#     took a sensor over starts at the first frame it received; a node that fell more than ingest.queue_seconds
#     behind drops audio and restarts after the gap: reported); counted apart within 10 s before to 5 s after a
#     sensor lost its node;
#   - no audio in Kafka's log directories (the privacy scanner of the tests).
# Prints a results block (append it to bench/results/cluster-failover.txt) and exits 1 when a check fails.
#
#   bench/cluster-failover.sh [SECONDS] [SENSORS]        default 300 s, 150 sensors
#   KILL_NODE_AT, KILL_BROKER_AT, KILL_WRITER_AT, RESTART_AFTER   default 60, 120, 180, 60
#   KEEP=1 keeps the work directory (logs, journal, Kafka data); NODE_OPTS the nodes' JVM options (default -Xmx700m)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-300}"
sensors="${2:-150}"
kill_node_at="${KILL_NODE_AT:-60}"
kill_broker_at="${KILL_BROKER_AT:-120}"
kill_writer_at="${KILL_WRITER_AT:-180}"
restart_after="${RESTART_AFTER:-60}"
node_opts="${NODE_OPTS:--Xmx700m}"
model="$PWD/models/earshot-v2"
# Each node logs where its analysis of a sensor starts (the debug line ClusterFailover reads).
stream_log="-Dorg.slf4j.simpleLogger.log.org.earshot.pipeline.SensorStream=debug"
command -v haproxy >/dev/null || { echo "haproxy is missing: run scripts/ensure-services.sh" >&2; exit 2; }
[ -d target/kafka-lib ] || scripts/ensure-kafka.sh >&2

work="$(mktemp -d "${TMPDIR:-/tmp}/earshot-cluster-failover.XXXXXX")"
kbase=${BENCH_KAFKA_PORT:-29092}
bootstrap="127.0.0.1:$kbase,127.0.0.1:$((kbase + 1)),127.0.0.1:$((kbase + 2))"
front_mqtt=${BENCH_MQTT_PORT:-21880}; front_ws=$((front_mqtt + 10)); front_api=$((front_mqtt + 20))
declare -A pids=()
jar=""
say() { printf '%s cluster-failover: %s\n' "$(date -u +%T)" "$*" >&2; }
now_us() { echo $(( $(date +%s%N) / 1000 )); }
mark() { echo "$(now_us),$1,$2" >> "$work/timeline.csv"; say "$1 $2"; }
cleanup() {
  set +e
  [ -n "${sim_pid:-}" ] && kill "$sim_pid" 2>/dev/null
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  scripts/haproxy-cluster.sh stop "$work/haproxy" >/dev/null 2>&1
  scripts/kafka-cluster.sh stop "$work/kafka" >/dev/null 2>&1
  rm -f "$jar"
  [ -n "${KEEP:-}" ] && say "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

./earshot --version >/dev/null   # builds the jar outside the run
[ -d target/test-classes/org/earshot ] || mvn -o -q -B test-compile >&2   # the privacy scanner is test code
# A frozen copy, beside target/lib (its manifest's class path): a rebuild during the run must not change running code.
jar="target/earshot-cluster-failover.$$.jar"
cp target/earshot-run.jar "$jar"
# For `launch ... &`: the background subshell becomes the JVM, so that its pid is the JVM's (kill -9 kills the JVM).
launch() {
  exec java ${EARSHOT_JAVA_OPTS:--Xmx512m} -Dai.djl.offline=true -Dearshot.home="$PWD" -jar "$jar" "$@"
}
earshot() {
  (launch "$@")
}

say "work directory $work"
./earshot sensors add --file "$work/sensors.json" --prefix sim- --count "$sensors" \
  --credentials-out "$work/credentials.csv" 2>/dev/null
echo "time_us,event,target" > "$work/timeline.csv"

scripts/kafka-cluster.sh start "$work/kafka" "$kbase" >&2
node_config() {  # name dir mqtt ws http
  cat > "$work/$1.json" <<JSON
{"data_dir": "$work/$2", "sensors_file": "$work/sensors.json", "model": "$model",
 "mqtt": {"host": "127.0.0.1", "port": $3}, "websocket": {"host": "127.0.0.1", "port": $4},
 "http": {"host": "127.0.0.1", "port": $5}, "metrics": {"host": "127.0.0.1", "port": $(( $5 + 10 ))},
 "outputs": {"publish_levels": false},
 "cluster": {"bootstrap_servers": "$bootstrap", "node_id": "$1"}}
JSON
}
for i in 1 2 3; do node_config "node-$i" "node-$i" $((front_mqtt + i)) $((front_ws + i)) $((front_api + i)); done
# The two writers share one data directory: one journal, one lock; the second stands by.
node_config writer-a writer $((front_mqtt + 4)) $((front_ws + 4)) $((front_api + 4))
node_config writer-b writer $((front_mqtt + 5)) $((front_ws + 5)) $((front_api + 5))

start_node() {
  EARSHOT_JAVA_OPTS="$node_opts $stream_log" launch serve --config "$work/$1.json" 2>>"$work/$1.log" &
  pids[$1]=$!
}
start_writer() {
  EARSHOT_JAVA_OPTS="-Xmx384m" launch journal-writer --config "$work/$1.json" 2>>"$work/$1.log" &
  pids[$1]=$!
}
start_writer writer-a
for _ in $(seq 1 120); do grep -q "journal writer active" "$work/writer-a.log" 2>/dev/null && break; sleep 0.5; done
grep -q "journal writer active" "$work/writer-a.log" || { say "writer-a did not start"; tail -20 "$work/writer-a.log" >&2; exit 1; }
start_writer writer-b
for i in 1 2 3; do start_node "node-$i"; done
for i in 1 2 3; do
  for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$((front_api + i))/health" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:$((front_api + i))/health" >/dev/null || { say "node-$i did not start"; tail -20 "$work/node-$i.log" >&2; exit 1; }
done
scripts/haproxy-cluster.sh start "$work/haproxy" "$front_mqtt" "$front_ws" "$front_api" \
  "node-1=127.0.0.1:$((front_mqtt + 1)):$((front_ws + 1)):$((front_api + 1))" \
  "node-2=127.0.0.1:$((front_mqtt + 2)):$((front_ws + 2)):$((front_api + 2))" \
  "node-3=127.0.0.1:$((front_mqtt + 3)):$((front_ws + 3)):$((front_api + 3))" >&2

loops=$(( (seconds + 22) / 23 ))   # demo/demo.wav is 23 s long
mark start simulate
EARSHOT_JAVA_OPTS="-Xmx1g" launch simulate --credentials "$work/credentials.csv" --sensors "$sensors" \
  --port "$front_mqtt" --loops "$loops" --stagger-seconds 23 --reconnect --events-out "$work/events.csv" \
  > "$work/simulate.json" 2>"$work/simulate.log" &
sim_pid=$!
t0=$(date +%s)
at() { while [ $(( $(date +%s) - t0 )) -lt "$1" ]; do sleep 0.2; done; }
busiest_node() {  # the node with the most sensor connections now
  for i in 1 2 3; do
    echo "$(grep -c "mqtt: sensor .* connected" "$work/node-$i.log") $(grep -c "mqtt: client .* (sensor .*) disconnected" "$work/node-$i.log") node-$i"
  done | awk '{print $1 - $2, $3}' | sort -rn | head -1 | cut -d" " -f2
}
active_writer() {  # the writer that holds the journal now: running, and active more often than it stopped
  local w found=""
  for w in writer-a writer-b; do
    if [ -n "${pids[$w]:-}" ] && kill -0 "${pids[$w]}" 2>/dev/null \
        && [ "$(grep -c "journal writer active" "$work/$w.log")" -gt "$(grep -c "journal writer stopped" "$work/$w.log")" ]; then
      found=$w
    fi
  done
  [ -n "$found" ] || { say "no active journal writer"; exit 1; }
  echo "$found"
}
kill9() { kill -9 "${pids[$1]}"; wait "${pids[$1]}" 2>/dev/null || true; unset "pids[$1]"; }
events=()
events+=("$kill_node_at kill-node" "$((kill_node_at + restart_after)) restart-node")
events+=("$kill_broker_at kill-broker" "$((kill_broker_at + restart_after)) restart-broker")
events+=("$kill_writer_at kill-writer" "$((kill_writer_at + restart_after)) restart-writer")
killed_node=""; killed_writer=""
while read -r when what; do
  [ "$when" -lt "$seconds" ] || continue
  at "$when"
  case "$what" in
    kill-node) killed_node=$(busiest_node); mark kill "$killed_node"; kill9 "$killed_node" ;;
    restart-node) mark restart "$killed_node"; start_node "$killed_node" ;;
    kill-broker) mark kill broker-2; scripts/kafka-cluster.sh kill "$work/kafka" 2 >&2 ;;
    restart-broker) mark restart broker-2; scripts/kafka-cluster.sh restart "$work/kafka" 2 >&2 ;;
    kill-writer) killed_writer=$(active_writer); mark kill "$killed_writer"; kill9 "$killed_writer" ;;
    restart-writer) mark restart "$killed_writer"; start_writer "$killed_writer" ;;
  esac
done < <(printf '%s\n' "${events[@]}" | sort -n)
wait "$sim_pid" || say "simulate exited with $?"
mark end simulate
# Let the nodes finish their last windows and Kafka acknowledge, then stop them (a clean stop flushes the producer).
sleep 10
for i in 1 2 3; do [ -n "${pids[node-$i]:-}" ] && kill "${pids[node-$i]}"; done
for i in 1 2 3; do [ -n "${pids[node-$i]:-}" ] && { wait "${pids[node-$i]}" || true; unset "pids[node-$i]"; }; done
# The writer has caught up when the journal stops growing.
journal_lines() { cat "$work"/writer/journal/segment-*.jsonl 2>/dev/null | wc -l; }
last=-1
for _ in $(seq 1 60); do n=$(journal_lines); [ "$n" -eq "$last" ] && break; last=$n; sleep 5; done
for w in writer-a writer-b; do [ -n "${pids[$w]:-}" ] && kill "${pids[$w]}"; done
for w in writer-a writer-b; do [ -n "${pids[$w]:-}" ] && { wait "${pids[$w]}" || true; unset "pids[$w]"; }; done
mark end run
scripts/haproxy-cluster.sh stop "$work/haproxy" >&2 || true
scripts/kafka-cluster.sh stop "$work/kafka" >&2

verify=FAILED
earshot verify "$work/writer/journal" --public-key "$work/writer/keys/journal-ed25519.pem.pub" \
  > "$work/verify.txt" 2>&1 && verify=verified
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F); load average $(cut -d" " -f1-3 /proc/loadavg) (shared machine)"
echo "command: bench/cluster-failover.sh $seconds $sensors (kill node at ${kill_node_at}s, broker at ${kill_broker_at}s, writer at ${kill_writer_at}s, each restarted ${restart_after}s later)"
echo "simulate: $(cat "$work/simulate.json" | tr -d '\n')"
echo "journal: $verify ($(tail -1 "$work/verify.txt"))"
status=0
java -Dai.djl.offline=true -cp "$jar:target/test-classes" bench/ClusterFailover.java "$work" "$model" demo/demo.wav \
  || status=1
[ "$verify" = verified ] || status=1
exit $status
