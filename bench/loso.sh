#!/usr/bin/env bash
# Leave-sources-out validation of a training recipe: the figure Earshot optimises and quotes, because it predicts
# what a model does on collections it never heard (random group folds of the same collections overstate it).
# For each fold of bench/source-folds.csv, trains a model without that fold's sources (`earshot train --source-folds
# --fold k`, skipped when already trained), then pools the folds (`earshot evaluate cross-validation`): every event
# mixed into background of its own held-out fold, each fold at thresholds chosen on the other folds (nested).
#
# usage: bench/loso.sh NAME [earshot train options...]     e.g. bench/loso.sh audioset-h256 --architecture audioset
# DATASETS: the --dataset options (default: train-v1 and train-v2 from ../shared/datasets)
# WORK: where the fold models go (default target/loso/NAME); the report goes to bench/results/loso-NAME.txt
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
name="$1"
shift
shared="../shared/datasets"
read -r -a datasets <<< "${DATASETS:---dataset $shared/train-v1 --dataset $shared/train-v2}"
folds_file="${SOURCE_FOLDS:-bench/source-folds.csv}"
work="${WORK:-target/loso/$name}"
earshot="${EARSHOT:-./earshot}"   # EARSHOT: another build of the command, e.g. a frozen copy for long runs
target="${TARGET:-2}"   # false alarms per hour per class on held-out background: issue 13's budget
folds=$(grep -v '^#' "$folds_file" | tail -n +2 | cut -d, -f2 | awk '!seen[$0]++' | wc -l)
mkdir -p "$work" bench/results
"$earshot" --version >/dev/null
# The audioset architecture trains every fold in one run (examples embedded once); the others one run per fold.
models=()
for ((k = 0; k < folds; k++)); do models+=("$work/fold$k"); done
if [[ " $* " == *" --architecture audioset "* ]]; then
  if [ ! -f "$work/fold$((folds - 1))/manifest.json" ]; then
    echo "loso: training all $folds folds ($(date -u +%T))" >&2
    "$earshot" train "${datasets[@]}" --source-folds "$folds_file" --all-folds --out "$work" --name "$name" "$@" \
      > "$work/train.log" 2>&1 || { tail -20 "$work/train.log" >&2; exit 1; }
  fi
else
  for ((k = 0; k < folds; k++)); do
    if [ ! -f "$work/fold$k/manifest.json" ]; then
      echo "loso: training fold $k of $folds ($(date -u +%T))" >&2
      "$earshot" train "${datasets[@]}" --source-folds "$folds_file" --fold "$k" --out "$work/fold$k" \
        --name "$name-fold$k" "$@" > "$work/train-fold$k.log" 2>&1 || { tail -20 "$work/train-fold$k.log" >&2; exit 1; }
    fi
  done
fi
echo "loso: evaluating ($(date -u +%T))" >&2
{
  echo "# bench/loso.sh $name $* ($(date -u +%F), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
  "$earshot" evaluate cross-validation "${datasets[@]}" --target-false-alarms-per-hour "$target" --by-source --top-background 10 "${models[@]}"
} > "bench/results/loso-$name.txt"
echo "loso: wrote bench/results/loso-$name.txt ($(date -u +%T))" >&2
