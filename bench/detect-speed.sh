#!/usr/bin/env bash
# Detection speed on one CPU core: `earshot detect` on a long recording, pinned with taskset to core 0.
# Uses the 0 dB validation stream (about 25 minutes, events in real background) built from $EARSHOT_DATASET
# (one folder, or several separated by ':').
# MODEL=DIR picks the model (default models/earshot-v2).
# Prints the real-time factor of the processing (front end + gate + network + event tracking, from --stats) and
# the wall time of the whole command (JVM start, model load and WAV decoding included).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export EARSHOT_DATASET="${EARSHOT_DATASET:-../shared/datasets/train-v1}"
work="${BENCH_WORK:-target/bench}"
model="${MODEL:-models/earshot-v2}"
mkdir -p "$work"
if [ ! -f "$work/validation+0dB.wav" ]; then
  ./earshot make-streams --out "$work" >&2
fi
./earshot --version >/dev/null   # builds the jar outside the timed runs
for run in 1 2 3; do
  start=$(date +%s.%N)
  taskset -c 0 ./earshot detect --model "$model" --stats "$work/validation+0dB.wav" 2>"$work/stats.txt" >"$work/events.jsonl"
  end=$(date +%s.%N)
  echo "run $run: $(grep 'real time' "$work/stats.txt" | sed 's/^earshot: //'); whole command $(echo "$end - $start" | bc) s wall"
done
echo "model: $model; events: $(wc -l < "$work/events.jsonl"); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
