#!/usr/bin/env bash
# Detection speed on one CPU core: `earshot detect` on a long recording, pinned with taskset to core 0.
#
#   INPUT=dataset  the 0 dB validation stream (about 25 minutes, events in real background) built from
#                  $EARSHOT_DATASET (one folder, or several separated by ':'); the default when that folder exists
#   INPUT=demo     a recording anyone can rebuild: demo/demo.wav repeated for DEMO_MINUTES (default 30) minutes, each
#                  copy with its own gain, shift and faint noise from a fixed seed (bench/DemoStream.java); the default
#                  when the dataset is absent
#   INPUT=FILE.wav any other recording
# MODEL=DIR picks the model (default models/earshot-v2).
# Prints the real-time factor of the processing (reading, decoding, front end, gate, network and event tracking, from
# --stats) and the wall time of the whole command (JVM start and model load included), and names the input.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export EARSHOT_DATASET="${EARSHOT_DATASET:-../shared/datasets/train-v1}"
work="${BENCH_WORK:-target/bench}"
model="${MODEL:-models/earshot-v2}"
demo_minutes="${DEMO_MINUTES:-30}"
mkdir -p "$work"
if [ -z "${INPUT:-}" ]; then
  first_dataset="${EARSHOT_DATASET%%:*}"
  if [ -f "$first_dataset/manifest.csv" ]; then INPUT=dataset; else INPUT=demo; fi
fi
case "$INPUT" in
  dataset)
    audio="$work/validation+0dB.wav"
    if [ ! -f "$audio" ]; then
      ./earshot make-streams --out "$work" >&2
    fi
    input_name="validation+0dB.wav (0 dB validation stream of $EARSHOT_DATASET)"
    ;;
  demo)
    audio="$work/demo-stream-${demo_minutes}min.wav"
    ./earshot --version >/dev/null   # builds target/earshot-run.jar
    if [ ! -f "$audio" ]; then
      java -cp target/earshot-run.jar bench/DemoStream.java demo/demo.wav "$audio" "$demo_minutes" >&2
    fi
    input_name="$(basename "$audio") (demo/demo.wav repeated with variations, bench/DemoStream.java; sha256 $(sha256sum "$audio" | cut -c1-12))"
    ;;
  *)
    audio="$INPUT"
    input_name="$audio"
    ;;
esac
./earshot --version >/dev/null   # builds the jar outside the timed runs
for run in 1 2 3; do
  start=$(date +%s.%N)
  taskset -c 0 ./earshot detect --model "$model" --stats "$audio" 2>"$work/stats.txt" >"$work/events.jsonl"
  end=$(date +%s.%N)
  echo "run $run: $(grep 'real time' "$work/stats.txt" | sed 's/^earshot: //'); whole command $(echo "$end - $start" | bc) s wall"
done
echo "input: $input_name; model: $model; events: $(wc -l < "$work/events.jsonl"); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
