#!/usr/bin/env bash
# A 3-node Apache Kafka cluster (KRaft: each node a broker and a controller) on loopback, for benchmarks and trying
# cluster mode by hand; the integration tests start the same nodes from Java (KafkaCluster), from the same templates
# (scripts/kafka/server.properties, scripts/kafka/log4j2.properties).
#
#   scripts/kafka-cluster.sh start DIR BASEPORT   format (first time) and start nodes 1-3; brokers listen on
#                                                 127.0.0.1:BASEPORT..BASEPORT+2, controllers on BASEPORT+3..+5
#   scripts/kafka-cluster.sh stop DIR [NODE]      SIGTERM (SIGKILL after 30 s) every node, or one
#   scripts/kafka-cluster.sh kill DIR NODE        SIGKILL one node (kill -9, as a crash)
#   scripts/kafka-cluster.sh restart DIR NODE     start one stopped or killed node again with its data
#   scripts/kafka-cluster.sh status DIR           which nodes run, and the bootstrap servers
#
# Each node lives in DIR/node-N (server.properties, data/, server.log, kafka.out, pid). The jars come from
# target/kafka-lib (scripts/ensure-kafka.sh copies them there with Maven; nothing is fetched here). Heap per node:
# KAFKA_HEAP (default -Xmx384m).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly LIB="$here/target/kafka-lib"
readonly TEMPLATES="$here/scripts/kafka"
readonly NODES=3
HEAP="${KAFKA_HEAP:--Xmx384m}"

say() {
    printf 'kafka-cluster: %s\n' "$*" >&2
}

die() {
    say "ERROR: $*"
    exit 1
}

usage() {
    sed -n '6,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

java_cmd() {
    local node_dir="$1"
    shift
    printf '%s\0' java "$HEAP" -Xms64m -XX:+UseSerialGC -Djava.awt.headless=true \
        "-Dlog4j2.configurationFile=$node_dir/log4j2.properties" -cp "$LIB/*" "$@"
}

node_dir() {
    printf '%s/node-%s' "$1" "$2"
}

pid_of() {
    local pidfile
    pidfile="$(node_dir "$1" "$2")/pid"
    if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        cat "$pidfile"
        return 0
    fi
    return 1
}

write_config() {
    local dir="$1" base="$2" n="$3" voters="" i nd
    for i in $(seq 1 "$NODES"); do
        voters+="${voters:+,}$i@127.0.0.1:$((base + NODES + i - 1))"
    done
    nd="$(node_dir "$dir" "$n")"
    mkdir -p "$nd"
    sed -e "s|@NODE_ID@|$n|g" -e "s|@VOTERS@|$voters|g" -e "s|@BROKER_PORT@|$((base + n - 1))|g" \
        -e "s|@CONTROLLER_PORT@|$((base + NODES + n - 1))|g" -e "s|@DATA_DIR@|$nd/data|g" \
        "$TEMPLATES/server.properties" >"$nd/server.properties"
    sed -e "s|@LOG_FILE@|$nd/server.log|g" "$TEMPLATES/log4j2.properties" >"$nd/log4j2.properties"
    printf '%s\n' "$base" >"$dir/baseport"
}

launch() {
    local dir="$1" n="$2" nd cmd=()
    nd="$(node_dir "$dir" "$n")"
    if pid_of "$dir" "$n" >/dev/null; then
        say "node $n already runs (pid $(pid_of "$dir" "$n"))"
        return 0
    fi
    while IFS= read -r -d '' part; do cmd+=("$part"); done < <(java_cmd "$nd" kafka.Kafka "$nd/server.properties")
    : >>"$nd/server.log"
    local from
    from="$(wc -c <"$nd/server.log")"
    nohup "${cmd[@]}" >>"$nd/kafka.out" 2>&1 </dev/null &
    printf '%s\n' "$!" >"$nd/pid"
    say "node $n started (pid $!), waiting until it says so"
    for _ in $(seq 1 240); do
        if tail -c +"$((from + 1))" "$nd/server.log" | grep -q 'Kafka Server started'; then
            return 0
        fi
        if ! kill -0 "$(cat "$nd/pid")" 2>/dev/null; then
            tail -n 20 "$nd/kafka.out" "$nd/server.log" >&2 || true
            die "node $n exited during start-up (see $nd/server.log)"
        fi
        sleep 0.5
    done
    die "node $n did not start within 120 s (see $nd/server.log)"
}

start() {
    local dir="$1" base="$2" n id cmd=()
    [[ "$base" =~ ^[0-9]+$ ]] && ((base >= 1024 && base + 2 * NODES <= 65535)) || die "bad BASEPORT '$base'"
    compgen -G "$LIB/kafka_2.13-*.jar" >/dev/null || die "no Kafka jars in $LIB: run scripts/ensure-kafka.sh"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [[ ! -f "$dir/cluster-id" ]]; then
        while IFS= read -r -d '' part; do cmd+=("$part"); done < <(java_cmd "$dir" kafka.tools.StorageTool random-uuid)
        "${cmd[@]}" 2>/dev/null | tail -n 1 >"$dir/cluster-id"
    fi
    id="$(cat "$dir/cluster-id")"
    for n in $(seq 1 "$NODES"); do
        write_config "$dir" "$base" "$n"
        if [[ ! -f "$(node_dir "$dir" "$n")/data/meta.properties" ]]; then
            cmd=()
            while IFS= read -r -d '' part; do cmd+=("$part"); done < <(java_cmd "$(node_dir "$dir" "$n")" \
                kafka.tools.StorageTool format -t "$id" -c "$(node_dir "$dir" "$n")/server.properties")
            "${cmd[@]}" >>"$(node_dir "$dir" "$n")/kafka.out" 2>&1 || die "formatting node $n failed"
        fi
    done
    # Start all three before waiting: a node only says it started once a quorum of controllers is up.
    for n in $(seq 1 "$NODES"); do
        launch "$dir" "$n" &
    done
    wait
    status "$dir"
}

stop_node() {
    local dir="$1" n="$2" signal="$3" pid
    if ! pid="$(pid_of "$dir" "$n")"; then
        say "node $n is not running"
        return 0
    fi
    kill "-$signal" "$pid"
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || { say "node $n stopped ($signal)"; return 0; }
        sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    say "node $n did not stop on $signal within 30 s: killed"
}

status() {
    local dir="$1" n base servers=""
    base="$(cat "$dir/baseport")"
    for n in $(seq 1 "$NODES"); do
        servers+="${servers:+,}127.0.0.1:$((base + n - 1))"
        if pid_of "$dir" "$n" >/dev/null; then
            say "node $n running (pid $(pid_of "$dir" "$n")), broker 127.0.0.1:$((base + n - 1))"
        else
            say "node $n stopped"
        fi
    done
    printf '%s\n' "$servers"
}

main() {
    [[ "$#" -ge 2 ]] || usage
    local command="$1" dir="$2"
    case "$command" in
        start) [[ "$#" -eq 3 ]] || usage; start "$dir" "$3" ;;
        stop)
            if [[ "$#" -eq 3 ]]; then
                stop_node "$dir" "$3" TERM
            else
                # All at once: a node shutting down cleanly needs a quorum of controllers to leave it.
                for n in $(seq "$NODES" -1 1); do stop_node "$dir" "$n" TERM & done
                wait
            fi
            ;;
        kill) [[ "$#" -eq 3 ]] || usage; stop_node "$dir" "$3" KILL ;;
        restart) [[ "$#" -eq 3 ]] || usage; dir="$(cd "$dir" && pwd)"; launch "$dir" "$3"; status "$dir" ;;
        status) status "$dir" ;;
        *) usage ;;
    esac
}

main "$@"
