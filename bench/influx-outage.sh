#!/usr/bin/env bash
# InfluxDB outages during a stream of detections: runs the integration test
# InfluxServiceIT#noDetectionIsMissingOrDuplicatedInInfluxAfterItIsKilledRepeatedlyDuringAStream, which starts the
# service in-process with a real influxd, streams the demo from 8 MQTT sensors (at least 3 plays each, on until the
# kills are done), kills influxd with SIGKILL N times during the stream (default 5), restarting it each time once
# the writer has failed and detections wait in the journal, waits until the writer has caught up, then compares the
# ids of the journal's detection entries with the ids in InfluxDB ("earshot_detections"."detection").
# Prints the test's one-line summary per run (missing and duplicates must be 0; the test fails otherwise).
#   RUNS  how many times to run it (default 3)
# Run it alone: other test suites on the same cores slow the stream, not the result, but make the run longer.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kills="${1:-5}"
runs="${RUNS:-3}"
test_name='InfluxServiceIT#noDetectionIsMissingOrDuplicatedInInfluxAfterItIsKilledRepeatedlyDuringAStream'
work="${BENCH_WORK:-target/bench}"
mkdir -p "$work"
echo "command: bench/influx-outage.sh $kills (RUNS=$runs), i.e. mvn -o -q test -Dtest=$test_name -Dearshot.influxKills=$kills"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u '+%F %H:%M UTC'); load before: $(cut -d' ' -f1-3 /proc/loadavg); $(influxd version 2>/dev/null | head -1)"
for run in $(seq 1 "$runs"); do
  log="$work/influx-outage-$run.log"
  start=$(date +%s.%N)
  status=0
  mvn -o -q test -Dtest="$test_name" -Dsurefire.failIfNoSpecifiedTests=false -Dearshot.influxKills="$kills" \
    >"$log" 2>&1 || status=$?
  end=$(date +%s.%N)
  summary=$(grep -m1 '^influx-outage:' "$log" || echo "influx-outage: no summary (see $log)")
  result=$([ "$status" -eq 0 ] && echo "test passed" || echo "TEST FAILED (exit $status, see $log)")
  echo "run $run: ${summary#influx-outage: }; $result; mvn $(printf '%.0f' "$(echo "$end - $start" | bc)") s wall"
  [ "$status" -eq 0 ] || exit "$status"
done
