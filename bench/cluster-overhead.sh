#!/usr/bin/env bash
# What cluster mode costs a node: the CPU of `earshot serve` (embedded MQTT endpoint, level publishing off) with the
# same N simulated sensors, once as a single node (its own journal) and once as a cluster node (a `cluster` section:
# detections and alerts go to Kafka, the sensor lease is claimed on connection) with an `earshot journal-writer` and a
# 3-broker Kafka cluster (scripts/kafka-cluster.sh, KRaft, loopback) on the same machine. Each run streams
# demo/demo.wav looped LOOPS times per sensor in real time (100 ms frames, QoS 1, starts spread over 23 s); after
# WARMUP_SECONDS the CPU time (utime + stime in /proc/PID/stat) of the service, and in the cluster run of the
# journal writer and of each broker, is sampled over WINDOW_SECONDS, while every sensor streams (and, before the
# sensors connect, over IDLE_SECONDS: the fixed cost). Figures are CPU milliseconds per sensor per second of audio.
# Everything runs in a temporary directory, removed afterwards (KEEP=1 keeps it), and is stopped at the end.
#   N (first argument)  sensors (default 100)          LOOPS  plays of the 23 s demo per sensor (default 6: 138 s)
#   WARMUP_SECONDS      after the simulator starts (default 30: every sensor streams by 23 s)
#   WINDOW_SECONDS      measured (default 90; WARMUP + WINDOW must end before the first sensor does, 23*LOOPS s)
#   IDLE_SECONDS        CPU with no sensor connected, measured first in each run (default 20)
#   BENCH_PORT_BASE     loopback ports BASE.. for MQTT, WebSocket, HTTP, metrics (default 28830)
#   KAFKA_BASE_PORT     brokers BASE..BASE+2, controllers BASE+3..BASE+5 (default 29292)
# On a shared machine run it niced and read the load averages it prints.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n="${1:-100}"
loops="${LOOPS:-6}"
warmup="${WARMUP_SECONDS:-30}"
window="${WINDOW_SECONDS:-90}"
idle="${IDLE_SECONDS:-20}"
stagger=23   # demo/demo.wav's length
if [ $((warmup + window)) -ge $((23 * loops)) ]; then
  echo "WARMUP_SECONDS + WINDOW_SECONDS must end before the first sensor stops (23 * LOOPS = $((23 * loops)) s)" >&2
  exit 2
fi
port="${BENCH_PORT_BASE:-28830}"
mqtt=$port; ws=$((port + 1)); http=$((port + 2)); metrics=$((port + 3))
kafka_base="${KAFKA_BASE_PORT:-29292}"
work="$(mktemp -d "${TMPDIR:-/tmp}/earshot-cluster-overhead.XXXXXX")"
serve_pid=""; writer_pid=""; sim_pid=""; kafka_started=""
stop_pid() {
  if [ -n "$1" ] && kill "$1" 2>/dev/null; then wait "$1" 2>/dev/null || true; fi
}
cleanup() {
  stop_pid "$sim_pid"; stop_pid "$serve_pid"; stop_pid "$writer_pid"
  [ -n "$kafka_started" ] && scripts/kafka-cluster.sh stop "$work/kafka" >/dev/null 2>&1
  [ -n "${KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
tck=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_ms_per_sensor_s() { echo "scale=6; ($2 - $1) * 1000 / $tck / $n / $window" | bc -l | xargs printf '%.3f'; }
cpu_s() { echo "scale=6; ($2 - $1) / $tck" | bc -l | xargs printf '%.1f'; }
cores() { echo "scale=6; ($2 - $1) / $tck / $3" | bc -l | xargs printf '%.3f'; }   # CPU per second of wall time
metric_sum() { curl -s "http://127.0.0.1:$metrics/metrics" | awk -v m="$1" '$1 ~ "^"m"[{ ]" || $1 == m {s += $2} END {printf "%.0f", s}'; }
count_type() { cat "$1"/journal/segment-*.jsonl 2>/dev/null | grep -c "\"type\":\"$2\"" || true; }
await_health() {
  for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$http/health" >/dev/null 2>&1 && return 0
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "service did not start:"; tail -20 "$1"; exit 1
}
./earshot --version >/dev/null   # builds the jar outside the measured runs
scripts/ensure-kafka.sh >/dev/null 2>&1
./earshot sensors add --file "$work/sensors.json" --prefix sim- --count "$n" --credentials-out "$work/credentials.csv" \
  2>/dev/null
config() {   # config DATA_DIR [CLUSTER_JSON]
  cat <<JSON
{"data_dir": "$1", "sensors_file": "$work/sensors.json",
 "mqtt": {"host": "127.0.0.1", "port": $mqtt}, "websocket": {"host": "127.0.0.1", "port": $ws},
 "http": {"host": "127.0.0.1", "port": $http}, "metrics": {"host": "127.0.0.1", "port": $metrics},
 "outputs": {"publish_levels": false}${2:+, \"cluster\": $2}}
JSON
}

echo "\$ bench/cluster-overhead.sh $n   (LOOPS=$loops WARMUP_SECONDS=$warmup WINDOW_SECONDS=$window)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB;" \
  "$(date -u '+%F %T UTC'); shared with other engineers' builds and tests: see the load averages"
echo "load: $n sensors, demo/demo.wav x $loops per sensor in real time (100 ms frames, QoS 1, starts over ${stagger} s);" \
  "service -Xmx1g, level publishing off; CPU sampled from ${warmup} s to $((warmup + window)) s after the simulator started"

# run MODE DATA_DIR: starts the simulator against the running service, samples the CPU of PIDS over the window.
declare -A cpu0 cpu1
run() {
  local mode="$1" pids=("${@:2}") p
  local dropped0 load0 load1
  dropped0=$(metric_sum earshot_dropped_frames_total)
  EARSHOT_JAVA_OPTS="-Xmx512m" ./earshot simulate --credentials "$work/credentials.csv" --sensors "$n" --port "$mqtt" \
    --loops "$loops" --stagger-seconds "$stagger" --max-in-flight 100 >"$work/simulate-$mode.out" \
    2>"$work/simulate-$mode.log" &
  sim_pid=$!
  sleep "$warmup"
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  for p in "${pids[@]}" "$sim_pid"; do cpu0[$p]=$(ticks "$p"); done
  sleep "$window"
  for p in "${pids[@]}" "$sim_pid"; do cpu1[$p]=$(ticks "$p"); done
  load1=$(cut -d' ' -f1-3 /proc/loadavg)
  kill -0 "$sim_pid" 2>/dev/null || echo "WARNING: the simulator ended inside the window: the figures are too low"
  wait "$sim_pid" || { echo "simulate failed:"; tail -5 "$work/simulate-$mode.log"; }
  for p in "${pids[@]}" "$sim_pid"; do
    [ "$(cat "/proc/$p/comm" 2>/dev/null || echo java)" = java ] || echo "WARNING: pid $p is not a JVM"
  done
  echo "[$mode] simulator: $(cpu_s "${cpu0[$sim_pid]}" "${cpu1[$sim_pid]}") s CPU in the window"
  sim_pid=""
  echo "[$mode] load average at the window's start: $load0; at its end: $load1"
  echo "[$mode] simulate: $(cat "$work/simulate-$mode.out")"
  echo "[$mode] service dropped frames: $(( $(metric_sum earshot_dropped_frames_total) - dropped0 ))"
}

# 1. Single node.
config "$work/single" > "$work/single.json"
EARSHOT_JAVA_OPTS="-Xmx1g" ./earshot serve --config "$work/single.json" 2>"$work/serve-single.log" &
serve_pid=$!
await_health "$work/serve-single.log"
single_idle0=$(ticks "$serve_pid"); sleep "$idle"; single_idle=$(( $(ticks "$serve_pid") - single_idle0 ))
echo "[single, idle ${idle} s before the sensors] service $(cpu_s 0 "$single_idle") s CPU; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run single "$serve_pid"
single_serve=$(cpu_ms_per_sensor_s "${cpu0[$serve_pid]}" "${cpu1[$serve_pid]}")
echo "[single] service: $(cpu_s "${cpu0[$serve_pid]}" "${cpu1[$serve_pid]}") s CPU in $window s = $single_serve ms per sensor-second"
single_pid=$serve_pid
stop_pid "$serve_pid"; serve_pid=""
echo "[single] journal: $(count_type "$work/single" detection) detections, $(count_type "$work/single" alert) alerts"

# 2. Cluster node + journal writer + 3 Kafka brokers.
kafka_started=1
servers=$(scripts/kafka-cluster.sh start "$work/kafka" "$kafka_base" 2>"$work/kafka-start.log" | tail -1)
brokers=()
for b in 1 2 3; do brokers+=("$(cat "$work/kafka/node-$b/pid")"); done
config "$work/writer" "{\"bootstrap_servers\": \"$servers\", \"node_id\": \"writer-1\"}" > "$work/writer.json"
EARSHOT_JAVA_OPTS="-Xmx256m" ./earshot journal-writer --config "$work/writer.json" 2>"$work/writer.log" &
writer_pid=$!
for _ in $(seq 1 240); do
  grep -q "journal writer active" "$work/writer.log" && break
  kill -0 "$writer_pid" 2>/dev/null || break
  sleep 0.5
done
grep -q "journal writer active" "$work/writer.log" || { echo "journal writer did not start:"; tail -20 "$work/writer.log"; exit 1; }
config "$work/node" "{\"bootstrap_servers\": \"$servers\", \"node_id\": \"node-1\"}" > "$work/node.json"
EARSHOT_JAVA_OPTS="-Xmx1g" ./earshot serve --config "$work/node.json" 2>"$work/serve-node.log" &
serve_pid=$!
await_health "$work/serve-node.log"
echo "kafka: 3 brokers (KRaft, $(basename "$(ls target/kafka-lib/kafka_2.13-*.jar | head -1)" .jar), heap ${KAFKA_HEAP:--Xmx384m} each) at $servers"
# Idle baseline: what the node, the writer and the brokers use with no sensor connected (fixed cost, not per sensor).
idle_pids=("$serve_pid" "$writer_pid" "${brokers[@]}")
declare -A idle0
for p in "${idle_pids[@]}"; do idle0[$p]=$(ticks "$p"); done
sleep "$idle"
idle_brokers=0
for p in "${idle_pids[@]}"; do idle0[$p]=$(( $(ticks "$p") - ${idle0[$p]} )); done
for b in "${brokers[@]}"; do idle_brokers=$((idle_brokers + ${idle0[$b]})); done
echo "[cluster, idle ${idle} s before the sensors] node $(cpu_s 0 "${idle0[$serve_pid]}") s, writer $(cpu_s 0 "${idle0[$writer_pid]}") s, 3 brokers $(cpu_s 0 "$idle_brokers") s CPU; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run cluster "$serve_pid" "$writer_pid" "${brokers[@]}"
cluster_serve=$(cpu_ms_per_sensor_s "${cpu0[$serve_pid]}" "${cpu1[$serve_pid]}")
writer=$(cpu_ms_per_sensor_s "${cpu0[$writer_pid]}" "${cpu1[$writer_pid]}")
broker_ticks0=0; broker_ticks1=0
for b in "${brokers[@]}"; do
  broker_ticks0=$((broker_ticks0 + ${cpu0[$b]})); broker_ticks1=$((broker_ticks1 + ${cpu1[$b]}))
  echo "[cluster] broker pid $b: $(cpu_s "${cpu0[$b]}" "${cpu1[$b]}") s CPU in $window s"
done
brokers_ms=$(cpu_ms_per_sensor_s "$broker_ticks0" "$broker_ticks1")
echo "[cluster] node: $(cpu_s "${cpu0[$serve_pid]}" "${cpu1[$serve_pid]}") s CPU in $window s = $cluster_serve ms per sensor-second"
echo "[cluster] journal writer: $(cpu_s "${cpu0[$writer_pid]}" "${cpu1[$writer_pid]}") s CPU = $writer ms per sensor-second"
echo "[cluster] 3 brokers: $(cpu_s "$broker_ticks0" "$broker_ticks1") s CPU = $brokers_ms ms per sensor-second"
node_pid=$serve_pid; writer_jvm=$writer_pid
acked="$(metric_sum earshot_cluster_detections_acknowledged_total) detections and $(metric_sum earshot_cluster_alerts_acknowledged_total) alerts, $(metric_sum earshot_cluster_records_failed_total) failed"
stop_pid "$serve_pid"; serve_pid=""
sleep 2   # the last records reach the writer
stop_pid "$writer_pid"; writer_pid=""
echo "[cluster] node: acknowledged by Kafka $acked; writer's journal: $(count_type "$work/writer" detection) detections, $(count_type "$work/writer" alert) alerts"
echo
echo "result ($n sensors, CPU ms per sensor per second of audio, over $window s):"
echo "  single node, service:          $single_serve"
echo "  cluster node, service:         $cluster_serve   (difference: $(echo "$cluster_serve - $single_serve" | bc -l | xargs printf '%+.3f'), $(echo "($cluster_serve - $single_serve) * 100 / $single_serve" | bc -l | xargs printf '%+.1f') %)"
echo "  journal writer (one per cluster): $writer"
echo "  Kafka, 3 brokers together:      $brokers_ms"
echo "in cores (CPU seconds per second), idle (no sensor) -> with $n sensors:"
echo "  single node, service:           $(cores 0 "$single_idle" "$idle") -> $(cores "${cpu0[$single_pid]}" "${cpu1[$single_pid]}" "$window")"
echo "  cluster node, service:          $(cores 0 "${idle0[$node_pid]}" "$idle") -> $(cores "${cpu0[$node_pid]}" "${cpu1[$node_pid]}" "$window")"
echo "  journal writer:                 $(cores 0 "${idle0[$writer_jvm]}" "$idle") -> $(cores "${cpu0[$writer_jvm]}" "${cpu1[$writer_jvm]}" "$window")"
echo "  Kafka, 3 brokers together:      $(cores 0 "$idle_brokers" "$idle") -> $(cores "$broker_ticks0" "$broker_ticks1" "$window")"
