#!/usr/bin/env bash
# UCSD Ped2 end to end on 2 CPU cores: parse, train HSC and a feature autoencoder, score
# the blind test set, frame-difference floor; stage costs in OUT_DIR/costs.md.
#   bash benchmarks/ped2_end_to_end.sh OUT_DIR [DATA_ROOT]
# DATA_ROOT defaults to ../shared/data/ped2 (training/frames, testing/frames). .venv is
# installed first when it is missing (bash tools/misc/install.sh). More options:
#   .venv/bin/python benchmarks/ped2_end_to_end.py --help
set -euo pipefail
if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
REPO=$(cd "$(dirname "$0")/.." && pwd)
# given paths are the caller's; the default data root is the repository's
OUT_DIR=$(mkdir -p "$1" && cd "$1" && pwd)
DATA_ROOT=$(cd "${2:-$REPO/../shared/data/ped2}" && pwd)
cd "$REPO"
if [ ! -x .venv/bin/python ]; then
    bash tools/misc/install.sh
fi
exec .venv/bin/python benchmarks/ped2_end_to_end.py "$OUT_DIR" --data-root "$DATA_ROOT" "${@:3}"
