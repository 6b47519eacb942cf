#!/usr/bin/env bash
# Refreshes the screenshots of the README (docs/screenshots/*.png): runs the release build in a
# virtual display on a fresh demonstration and drives it through its main screens.
# Needs the tools of ../shared/tools (gui-deps.sh installs Xvfb, xdotool, ImageMagick).
set -euo pipefail
cd "$(dirname "$0")/.."
SHOT=${SCREENSHOT_TOOL:-../shared/tools/screenshot.sh}
[ -x "$SHOT" ] || { echo "screenshot tool not found: $SHOT (set SCREENSHOT_TOOL)"; exit 2; }
cargo build --release --locked
OUT=$PWD/docs/screenshots
mkdir -p "$OUT"
HOME_DIR=$(mktemp -d)
trap 'rm -rf "$HOME_DIR"' EXIT
STEPS="$HOME_DIR/steps.txt"
# Window 1200x800. Positions: the welcome buttons, then the navigation bar.
cat > "$STEPS" <<STEPS
shot $OUT/1-accueil.png
click 148 218
sleep 6
type lefevre
sleep 2
shot $OUT/2-recherche.png
key Return
sleep 2
shot $OUT/3-dossier.png
click 208 18
sleep 1
click 120 443
sleep 2
shot $OUT/4-tables.png
click 352 18
sleep 1
click 952 125
sleep 1
shot $OUT/5-livraisons.png
click 275 18
sleep 1
shot $OUT/7-journal.png
click 454 18
sleep 1
STEPS
REPRISE_HOME="$HOME_DIR" "$SHOT" "$OUT/6-reception.png" "Reprise" "$STEPS" -- target/release/reprise
ls -la "$OUT"
