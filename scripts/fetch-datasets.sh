#!/usr/bin/env bash
# Rebuilds the training datasets (train-v1, train-v2) from a mirror and verifies every file against the checksum
# lists in datasets/ (datasets/README.md says where the data comes from and what a mirror is).
#
#   scripts/fetch-datasets.sh MIRROR [OUT]
#
# MIRROR  a folder, or an http(s) URL, holding train-v1/ and train-v2/ in their stored layout (for example a copy of
#         ../shared/datasets on a disk); each file is copied or downloaded, checked against its SHA-256 and installed
#         only if it matches
# OUT     where to build the folders, default data/datasets (OUT/train-v1, OUT/train-v2)
# DATASETS=train-v1 picks one. Files already in place with the right checksum are kept, so a second run resumes.
# Exit 0 when every dataset is complete, 1 when a file is missing or differs (each is named on standard error).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
usage() { sed -n '2,12p' scripts/fetch-datasets.sh | sed 's/^# \{0,1\}//'; }
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
esac
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  usage >&2
  exit 2
fi
mirror="${1%/}"
out="${2:-data/datasets}"
status=0
for name in ${DATASETS:-train-v1 train-v2}; do
  [ -f "datasets/$name.sha256" ] || { echo "fetch-datasets.sh: no checksum list datasets/$name.sha256" >&2; exit 2; }
  echo "fetch-datasets.sh: $name from $mirror/$name into $out/$name" >&2
  ./earshot dataset fetch --checksums "datasets/$name.sha256" --mirror "$mirror/$name" --out "$out/$name" || status=1
done
if [ "$status" -eq 0 ]; then
  echo "fetch-datasets.sh: done; for the commands and tests that read them:" >&2
  echo "export EARSHOT_DATASET=$out/train-v1 EARSHOT_DATASET_V2=$out/train-v2" >&2
else
  echo "fetch-datasets.sh: incomplete (see the lines above); run it again once the mirror has the missing files" >&2
fi
exit "$status"
