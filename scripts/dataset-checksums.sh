#!/usr/bin/env bash
# Prints the checksum list of a dataset folder, in sha256sum's format, for datasets/NAME.sha256:
#   scripts/dataset-checksums.sh ../shared/datasets/train-v1 > datasets/train-v1.sha256
# Every file of the folder, paths relative to it, sorted bytewise so that the list is the same on every machine.
set -euo pipefail
if [ $# -ne 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  echo "usage: scripts/dataset-checksums.sh DATASET_DIR > datasets/NAME.sha256" >&2
  [ $# -eq 1 ] && exit 0 || exit 2
fi
[ -d "$1" ] || { echo "dataset-checksums.sh: not a folder: $1" >&2; exit 2; }
cd "$1"
find . -type f ! -name '*.part' | sed 's|^\./||' | LC_ALL=C sort | xargs -d '\n' sha256sum
