#!/usr/bin/env bash
# Cluster mode's Kafka and journal-writer throughput on this machine: starts a 3-broker Kafka cluster
# (scripts/kafka-cluster.sh, KRaft, loopback) in a temporary directory, then runs bench/ClusterThroughput.java:
# a node's ClusterSink sends RECORDS final detections (of 1,000 sensors) to the records topic as fast as it can
# (idempotent producer, acks=all, replication factor 3, min.insync.replicas 2: records acknowledged per second), then
# the journal writer (the code of `earshot journal-writer`, on a fresh journal) journals them all, one fsync per polled
# batch, with its exactly-once bookkeeping (records journaled per second, and its CPU), and the journal is verified. Everything is
# stopped and removed at the end (KEEP=1 keeps the directory).
#   RECORDS  timed records (default 20000)      WARMUP  records sent first, not timed (default 2000)
#   KAFKA_BASE_PORT  brokers on BASE..BASE+2, controllers on BASE+3..BASE+5 (default 29192)
# Run it niced on a shared machine; the figures are this machine's, with the brokers on the same cores and disk.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
records="${RECORDS:-20000}"
warmup="${WARMUP:-2000}"
base="${KAFKA_BASE_PORT:-29192}"
work="$(mktemp -d "${TMPDIR:-/tmp}/earshot-cluster-throughput.XXXXXX")"
kafka_started=""
cleanup() {
  [ -n "$kafka_started" ] && scripts/kafka-cluster.sh stop "$work/kafka" >/dev/null 2>&1
  [ -n "${KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
./earshot --version >/dev/null   # builds the jar outside the measured runs
scripts/ensure-kafka.sh >/dev/null
./earshot sensors add --file "$work/sensors.json" --prefix sim- --count 1000 --credentials-out "$work/credentials.csv" \
  2>/dev/null
kafka_started=1
servers=$(scripts/kafka-cluster.sh start "$work/kafka" "$base" 2>"$work/kafka-start.log" | tail -1)
cat > "$work/writer.json" <<JSON
{"data_dir": "$work/writer", "sensors_file": "$work/sensors.json", "model": "$PWD/models/earshot-v2",
 "cluster": {"bootstrap_servers": "$servers", "node_id": "writer-1"}}
JSON
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB;" \
  "file system of $work: $(df -T "$work" | awk 'NR==2 {print $2}'); $(date -u '+%F %T UTC');" \
  "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: other engineers compile and test on it)"
echo "kafka: 3 brokers (KRaft, kafka_2.13 $(basename "$(ls target/kafka-lib/kafka_2.13-*.jar | head -1)" .jar | sed 's/kafka_2.13-//'), heap ${KAFKA_HEAP:--Xmx384m} each) at $servers, on this machine"
echo "\$ java -cp target/earshot-run.jar bench/ClusterThroughput.java writer.json $records $warmup 1000"
java -Xmx1g -Dai.djl.offline=true -cp target/earshot-run.jar bench/ClusterThroughput.java "$work/writer.json" \
  "$records" "$warmup" 1000 2>"$work/bench.log" || { echo "FAILED:"; tail -30 "$work/bench.log"; exit 1; }
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
