#!/usr/bin/env bash
# Search benchmark (issue "Find"): a store holding an ITAC delivery of PERSONS persons and the
# OPALES delivery of the same seed, then `reprise bench-search --probes PROBES` on it (search
# probes drawn from the data by kind, dossier assembly, a page of rows at depth 2 000 000).
#   scripts/bench-search.sh [PERSONS] [PROBES] [FOLDER]     (defaults: 300000 1000 /tmp/reprise-bench-search)
# The store is kept in FOLDER and reused by the next run (about 1 GB, ~4 minutes to build).
set -euo pipefail
cd "$(dirname "$0")/.."
persons=${1:-300000}
probes=${2:-1000}
DIR=${3:-/tmp/reprise-bench-search}
cargo build --release --locked --quiet
bin=target/release/reprise
mkdir -p "$DIR"
[ -f "$DIR/phrase" ] || echo "banc-recherche-2008" > "$DIR/phrase"
if [ ! -f "$DIR/base-$persons.ready" ]; then
  rm -f "$DIR/base-$persons" "$DIR/base-$persons".* "$DIR/.base-$persons".*
  for app in ITAC OPALES; do
    rm -rf "$DIR/livraison"
    $bin sample --app $app --persons "$persons" --seed 1 --form plain --out "$DIR/livraison" >/dev/null
    delivery=$(find "$DIR/livraison" -mindepth 1 -maxdepth 1 -type d | head -1)
    $bin import "$delivery" --store "$DIR/base-$persons" --store-passphrase-file "$DIR/phrase" \
      --yes >/dev/null || [ $? -eq 1 ]  # 1: NON CONFORME (defects injected), imported all the same
  done
  rm -rf "$DIR/livraison"
  touch "$DIR/base-$persons.ready"
fi
$bin bench-search --store "$DIR/base-$persons" --store-passphrase-file "$DIR/phrase" --probes "$probes"
