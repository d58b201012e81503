#!/usr/bin/env bash
# Fetch real surveillance clips that come from package registries into data/real/:
#
#   data/real/vtest.avi   PETS 2009 outdoor pedestrian scene (768x576, 795 frames), from
#                         Debian's opencv-doc package (examples/data/vtest.avi)
#
#   bash tools/misc/fetch_sample_videos.sh [DEST_DIR]
#
# The .deb is kept in ${VADKIT_CACHE:-~/.cache/vadkit} so that a second fetch is instant.
# Needs `apt-get download` (Debian/Ubuntu) or an existing copy of the package's file at
# /usr/share/doc/opencv-doc/examples/data/vtest.avi. Exits 1 with a message when neither
# is available; nothing else in vadkit needs these clips (the tests that use them skip).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="${1:-$ROOT/data/real}"
CACHE="${VADKIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vadkit}"
NAME=vtest.avi
MEMBER=./usr/share/doc/opencv-doc/examples/data/$NAME
say() { printf '[fetch_sample_videos] %s\n' "$*"; }

mkdir -p "$DEST"
if [ -s "$DEST/$NAME" ]; then
  say "$DEST/$NAME is there"
  exit 0
fi
if [ -s "/usr/share/doc/opencv-doc/examples/data/$NAME" ]; then
  cp "/usr/share/doc/opencv-doc/examples/data/$NAME" "$DEST/$NAME.partial"
else
  mkdir -p "$CACHE"
  deb="$(ls "$CACHE"/opencv-doc_*_all.deb 2>/dev/null | head -n 1 || true)"
  if [ -z "$deb" ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
      say "no apt-get here and no opencv-doc package: cannot fetch $NAME" >&2
      exit 1
    fi
    say "downloading Debian's opencv-doc package (about 96 MB) into $CACHE"
    (cd "$CACHE" && apt-get download opencv-doc >/dev/null 2>&1) || {
      say "apt-get download opencv-doc failed (no package index or no network?)" >&2
      exit 1
    }
    deb="$(ls "$CACHE"/opencv-doc_*_all.deb | head -n 1)"
  fi
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "$MEMBER"
  mv "$tmp/$MEMBER" "$DEST/$NAME.partial"
fi
mv "$DEST/$NAME.partial" "$DEST/$NAME"
say "wrote $DEST/$NAME ($(du -h "$DEST/$NAME" | cut -f1))"
