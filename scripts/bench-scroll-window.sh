#!/usr/bin/env bash
# Frame times of the real window (release build, Xvfb, Mesa) while scrolling the largest table
# of the store built by scripts/bench-scroll.sh: wheel scrolling, then the scroll bar dragged from
# top to bottom. eframe's own measure of each frame (interface, tessellation, painting) is summed
# up by the app in $DIR/frames.txt (REPRISE_FRAME_STATS). Needs Xvfb and xdotool (gui-deps.sh).
#   scripts/bench-scroll-window.sh [FOLDER]
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/reprise-bench-scroll}
[ -f "$DIR/base" ] || { echo "run scripts/bench-scroll.sh first"; exit 2; }
cargo build --release --locked
HOME_DIR=$(mktemp -d)
trap 'rm -rf "$HOME_DIR"; kill $APP $XVFB 2>/dev/null || true' EXIT
mkdir -p "$HOME_DIR/reglages"
printf 'last_store = "%s"\n' "$DIR/base" > "$HOME_DIR/reglages/reglages.toml"
export DISPLAY=:77
Xvfb :77 -screen 0 1280x800x24 >/dev/null 2>&1 & XVFB=$!
sleep 1
rm -f "$DIR/frames.txt"
REPRISE_HOME="$HOME_DIR" REPRISE_FRAME_STATS="$DIR/frames.txt" target/release/reprise & APP=$!
for _ in $(seq 1 100); do W=$(xdotool search --name "Reprise" 2>/dev/null | head -1) && [ -n "$W" ] && break; sleep 0.2; done
sleep 2
xdotool windowfocus --sync "$W" 2>/dev/null || true
xdotool type --delay 20 "$(cat "$DIR/phrase")"; xdotool key Return; sleep 4
xdotool mousemove --window "$W" 208 18 click 1; sleep 1          # Tables
xdotool mousemove --window "$W" 157 110 click 1; xdotool type "notif"; sleep 1
xdotool mousemove --window "$W" 120 166 click 1; sleep 3         # the 11-million-row table
import -window "$W" /tmp/bsw1.png 2>/dev/null || true
xdotool mousemove --window "$W" 700 400
xdotool click --repeat 400 --delay 15 5                           # wheel down
xdotool click --repeat 100 --delay 15 4                           # wheel up
xdotool mousemove --window "$W" 1183 140 mousedown 1               # the scroll bar, dragged
for y in $(seq 140 4 760); do xdotool mousemove --window "$W" 1183 "$y"; sleep 0.02; done
xdotool mouseup 1
xdotool click --repeat 400 --delay 15 5
sleep 1
cat "$DIR/frames.txt"
