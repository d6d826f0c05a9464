#!/usr/bin/env bash
# Puts the lessons page into a Trunk build (Trunk.toml runs it after each build): lessons.html
# beside index.html, and in lessons/ its script, its style and the JavaScript API module it
# runs the simulator with. The playground's own bundle does not load any of it.
#
#   TRUNK_STAGING_DIR=dist bash scripts/stage-lessons.sh
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PDSIM_ROOT"

out="${TRUNK_STAGING_DIR:?run by Trunk, or set TRUNK_STAGING_DIR}"
mkdir -p "$out/lessons"
cp web/lessons/lessons.html "$out/lessons.html"
cp web/lessons/lessons.js web/lessons/lessons.css "$out/lessons/"
pdsim_build_js_module "$out/lessons" web-release
rm -f "$out/lessons/"*.d.ts "$out/lessons/package.json"
