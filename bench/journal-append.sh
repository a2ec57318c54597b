#!/usr/bin/env bash
# Journal append with fsync: throughput and latency at a fixed rate (open loop, latency from the scheduled time)
# and at the maximum rate (closed loop), with `earshot bench journal`. Writes the journal into a temporary
# directory ($TMPDIR or /tmp; its file system decides the fsync cost) and removes it.
# RATE (default 1000), SECONDS_RUN (default 30) and THREADS (default 8) change the fixed-rate run.
# Run it alone: other work on the machine shows up in the latency tail.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rate="${RATE:-1000}"
seconds="${SECONDS_RUN:-30}"
threads="${THREADS:-8}"
work="$(mktemp -d "${TMPDIR:-/tmp}/earshot-journal-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
./earshot --version >/dev/null   # builds the jar outside the timed runs
echo "machine: $(nproc) cores, $(lscpu | grep 'Model name' | cut -d: -f2 | xargs); file system of $work:" \
  "$(df -T "$work" | awk 'NR==2 {print $2 " (" $1 ")"}'); $(date -u '+%F %T UTC');" \
  "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "\$ earshot bench journal --rate $rate --seconds $seconds --threads $threads"
./earshot bench journal --rate "$rate" --seconds "$seconds" --threads "$threads" --dir "$work/fixed"
echo
echo "\$ earshot bench journal --rate 0 --seconds $seconds --threads $threads"
./earshot bench journal --rate 0 --seconds "$seconds" --threads "$threads" --dir "$work/max"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
