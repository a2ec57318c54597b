#!/usr/bin/env bash
# K-fold cross-validation of a training recipe over the groups of $EARSHOT_DATASET (one folder, or several separated
# by ':' that are read together, e.g. ../shared/datasets/train-v1:../shared/datasets/train-v2): trains one model per fold
# (each holds one fold out), then pools them with `earshot evaluate cross-validation` (figures on standard output).
# With SHIP=DIR it also trains the model to ship with the same recipe on every group and writes the thresholds
# chosen on the pooled folds into DIR/manifest.json.
#
#   FOLDS=5 (default)   WORK=target/cv (fold models; a fold whose manifest.json exists is not trained again)
#   RECIPE="--architecture yamnet --epochs 15 --examples-per-epoch 6144 --learning-rate 0.0003" (default)
#   NAME=earshot-v3 (the shipped model's name, with SHIP)
#
# About 6-10 min of training per fold on 2 cores for the default recipe, and about 2 min for the pooled evaluation.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Every earshot command below reads its dataset folders from the variable (a list, unlike --dataset).
export EARSHOT_DATASET="${EARSHOT_DATASET:-../shared/datasets/train-v1}"
folds="${FOLDS:-5}"
work="${WORK:-target/cv}"
recipe="${RECIPE:---architecture yamnet --epochs 15 --examples-per-epoch 6144 --learning-rate 0.0003}"
mkdir -p "$work"
models=()
for ((k = 0; k < folds; k++)); do
  dir="$work/fold-$k"
  models+=("$dir")
  if [ ! -f "$dir/manifest.json" ]; then
    echo "cross-validate: training fold $k of $folds into $dir" >&2
    # shellcheck disable=SC2086
    ./earshot train $recipe --folds "$folds" --fold "$k" --out "$dir" --name "cv-fold-$k" >&2
  fi
done
write=()
if [ -n "${SHIP:-}" ]; then
  if [ ! -f "$SHIP/manifest.json" ]; then
    echo "cross-validate: training the model to ship on every group into $SHIP" >&2
    # shellcheck disable=SC2086
    ./earshot train $recipe --validation-fraction 0 --out "$SHIP" --name "${NAME:-$(basename "$SHIP")}" >&2
  fi
  write=(--write-thresholds "$SHIP")
fi
echo "recipe: $recipe"
./earshot evaluate cross-validation --sweep --by-source --top-background 10 "${write[@]}" "${models[@]}"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
