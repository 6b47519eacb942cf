#!/usr/bin/env bash
# Scrolling benchmark of the table grid on a table of more than 10 million rows.
#   scripts/bench-scroll.sh [FOLDER]
# Builds once (kept in FOLDER, default /tmp/reprise-bench-scroll) a store from an OPALES delivery
# of 450 000 children whose OP_NOTIFICATION file is repeated three times (its CONTROLE.TXT and
# EXTRACTION.LOG entries recomputed): about 11 million rows. Then runs `cargo bench --bench scroll` on it. Needs ~4 GB of disk, python3, ~10 minutes the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/reprise-bench-scroll}
cargo build --release --locked
mkdir -p "$DIR"
[ -f "$DIR/phrase" ] || echo "banc-defilement-2008" > "$DIR/phrase"
if [ ! -f "$DIR/base" ]; then
  rm -rf "$DIR/livraison"
  target/release/reprise sample --app OPALES --persons 450000 --form plain --out "$DIR/livraison"
  delivery=$(find "$DIR/livraison" -mindepth 1 -maxdepth 1 -type d | head -1)
  python3 - "$delivery" <<'PY'
import hashlib, os, re, sys
root = sys.argv[1]
table = "OP_NOTIFICATION"
path = os.path.join(root, "DONNEES", table + ".TXT")
data = open(path, "rb").read()
header_end = data.index(b"\r\n") + 2
body = data[header_end:]
open(path, "wb").write(data[:header_end] + body * 3)
log_path = os.path.join(root, "EXTRACTION.LOG")
log = open(log_path, "rb").read()
log = re.sub(rb"(TABLE " + table.encode() + rb" : )(\d+)", lambda m: m.group(1) + str(3 * int(m.group(2))).encode(), log)
open(log_path, "wb").write(log)
ctl_path = os.path.join(root, "CONTROLE.TXT")
lines = open(ctl_path, "rb").read().split(b"\r\n")
out = []
for line in lines:
    parts = line.split(b";")
    name = parts[0].decode("cp1252")
    if name in ("DONNEES/" + table + ".TXT", "EXTRACTION.LOG"):
        content = open(os.path.join(root, name), "rb").read()
        rows = int(parts[1]) * (3 if name.startswith("DONNEES") else 1)
        line = b";".join([parts[0], str(rows).encode(), str(len(content)).encode(), hashlib.sha256(content).hexdigest().encode()])
    out.append(line)
open(ctl_path, "wb").write(b"\r\n".join(out))
PY
  target/release/reprise import "$delivery" \
    --store "$DIR/base" --store-passphrase-file "$DIR/phrase" --yes \
    || [ $? -eq 1 ]  # 1: NON CONFORME, imported all the same
  rm -rf "$DIR/livraison"
fi
target/release/reprise tables --store "$DIR/base" --store-passphrase-file "$DIR/phrase" | sort -k3 -n | tail -3
REPRISE_BENCH_STORE="$DIR/base" REPRISE_BENCH_PASSPHRASE_FILE="$DIR/phrase" cargo bench --bench scroll
