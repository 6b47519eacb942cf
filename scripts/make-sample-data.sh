#!/bin/sh
# Regenerates the demonstration deliveries of sample-data/ (see sample-data/README.md).
# The plaintext is byte-identical at every run; the age ciphertext is not (age draws a new key).
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
pass=$(mktemp)
trap 'rm -f "$pass"' EXIT
printf '%s\n' "demo-reprise-2008" > "$pass"
rm -f sample-data/REPRISE_*.tar.age sample-data/REPRISE_*.defects.json
target/release/reprise sample --app ITAC --dep 059 --date 20081015 --persons 2000 --seed 2008 \
  --form tar --passphrase-file "$pass" --work-factor 16 --out sample-data
target/release/reprise sample --app OPALES --dep 059 --date 20081105 --persons 2000 --seed 2008 \
  --form tar --gzip --passphrase-file "$pass" --work-factor 16 --out sample-data
