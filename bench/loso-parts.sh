#!/usr/bin/env bash
# The parts of a cascade measured on their own, from the fold models bench/loso.sh trained with --cascade (no
# training: the same folds, the same examples): "confirm" runs YAMNet-AudioSet's head on every window (the manifest's
# cascade section removed), "screen" runs the YAMNet-256 screen alone as the classifier. Each is pooled like loso.sh
# into bench/results/loso-NAME-confirm.txt and loso-NAME-screen.txt.
# usage: bench/loso-parts.sh NAME        (WORK, DATASETS as for bench/loso.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
name="$1"
shared="../shared/datasets"
read -r -a datasets <<< "${DATASETS:---dataset $shared/train-v1 --dataset $shared/train-v2}"
work="${WORK:-target/loso/$name}"
earshot="${EARSHOT:-./earshot}"   # EARSHOT: another build of the command, e.g. a frozen copy for long runs
target="${TARGET:-2}"   # false alarms per hour per class on held-out background: issue 13's budget
for part in confirm screen; do
  models=()
  for dir in "$work"/fold*/; do
    dir="${dir%/}"
    [ -f "$dir/screen.onnx" ] || { echo "loso-parts: $dir has no screen.onnx (train with --cascade)" >&2; exit 2; }
    out="$work-$part/$(basename "$dir")"
    mkdir -p "$out"
    if [ "$part" = confirm ]; then cp "$dir/model.onnx" "$out/model.onnx"; else cp "$dir/screen.onnx" "$out/model.onnx"; fi
    python3 - "$dir/manifest.json" "$out/manifest.json" "$part" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m.pop("cascade", None)
m["name"] += "-" + sys.argv[3]
json.dump(m, open(sys.argv[2], "w"), indent=2)
PY
    models+=("$out")
  done
  {
    echo "# bench/loso-parts.sh $name: $part alone ($(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
    "$earshot" evaluate cross-validation "${datasets[@]}" --target-false-alarms-per-hour "$target" --by-source --top-background 10 "${models[@]}"
  } > "bench/results/loso-$name-$part.txt"
  echo "loso-parts: wrote bench/results/loso-$name-$part.txt ($(date -u +%T))" >&2
done
