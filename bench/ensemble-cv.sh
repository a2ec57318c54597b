#!/usr/bin/env bash
# Averaging two training recipes (an ensemble), judged by cross-validation: WORK_A and WORK_B are the fold-model
# folders of two bench/cross-validate.sh runs on the same partition (same FOLDS and seed). Prints, for each recipe
# alone and for the mean of their probabilities, the pooled event F1 at -6 / 0 / +6 dB, the background false alarms
# per hour and the clip ROC AUC, every fold at thresholds chosen on the other folds.
#
#   bench/ensemble-cv.sh target/cv target/cv-meanmax      (FOLDS=5 by default; about 4 min on 2 cores, 12 GiB heap)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ $# -ne 2 ]; then
  echo "usage: bench/ensemble-cv.sh WORK_A WORK_B" >&2
  exit 2
fi
dataset="${EARSHOT_DATASET:-../shared/datasets/train-v1}"
./earshot --version >/dev/null # builds the jar when it is missing or stale
java -Xmx12g -Dai.djl.offline=true -cp target/earshot-run.jar bench/EnsembleCrossValidation.java \
  "$dataset" "${FOLDS:-5}" "$1" "$2"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%F)"
