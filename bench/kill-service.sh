#!/usr/bin/env bash
# Durability of the live service under kill -9: runs ServiceKillIT with N kill/restart cycles (default 5). Each cycle
# starts `earshot serve` as a child JVM on the same data directory, streams the demo from three MQTT sensors faster
# than real time while a subscriber collects every alert and detection, kills the service with SIGKILL once some have
# come (mid-stream), and checks that every published id is in the journal and that the journal verifies; a last run
# streams to the end and stops cleanly, and the whole journal is verified again (also against a checkpoint saved after
# the first kill). Prints the test's own summary lines (cycles, published, found in journal, missing, verified) and the
# machine. The test fails, and so does this script, on any missing detection or verification failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kills="${1:-5}"
log="$(mktemp "${TMPDIR:-/tmp}/earshot-kill-service.XXXXXX")"
trap 'rm -f "$log"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F); load average $(cut -d" " -f1-3 /proc/loadavg) (shared machine)"
echo "command: mvn -o -q test -Dtest=ServiceKillIT -Dearshot.kills=$kills"
start=$(date +%s)
status=passed
mvn -o -q -B test -Dtest=ServiceKillIT -Dsurefire.failIfNoSpecifiedTests=false -Dearshot.kills="$kills" >"$log" 2>&1 \
  || status=FAILED
grep '^kill-service:' "$log" | sed 's/^kill-service: //' || true
echo "test: $status in $(( $(date +%s) - start )) s (Maven included)"
if [ "$status" != passed ]; then
  grep -v '^\s*at ' "$log" | tail -40
  exit 1
fi
