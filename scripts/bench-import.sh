#!/usr/bin/env bash
# Import benchmark (issue "Receive a delivery"): on one generated delivery, measures in one run
#   - reprise verify, against  age -d | sha256sum
#   - reprise import, against  age -d | tar -x ; iconv -f CP1252 ; sqlite3 .import ; the same
#     indexes ; an FTS5 index on the names
# and prints wall time, peak memory (GNU time) and sizes. Usage:
#   scripts/bench-import.sh [PERSONS] [APP]      (defaults: 300000 ITAC)
#   ROUNDS=N scripts/bench-import.sh ...         (default 3)
# Each round makes the four measures in turn, each reference next to its counterpart, so that a
# change of the machine's load falls on both sides of a ratio. Every measure is printed; the
# ratios are those of the medians over the rounds, the memory the largest.
# Needs: age, sqlite3, GNU time (apt-get install age sqlite3 time).
set -euo pipefail
cd "$(dirname "$0")/.."
persons=${1:-300000}
app=${2:-ITAC}
for tool in age age-keygen sqlite3 iconv /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install age sqlite3 time" >&2; exit 2; }
done
cargo build --release --quiet
bin=target/release/reprise
work=$(mktemp -d /tmp/reprise-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
age-keygen -o "$work/key.txt" 2>/dev/null
recipient=$(grep -o 'age1[0-9a-z]*' "$work/key.txt")
printf 'benchmark-store-passphrase\n' > "$work/store-pass"

measure() { # label, command...
  local label=$1; shift
  # What earlier steps wrote goes to the disk first: no measure pays for another's writes.
  sync
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; return 1; }
  read -r secs kb < "$work/time"
  printf '%-52s %8.2f s %8d MB\n' "$label" "$secs" "$((kb / 1024))"
  echo "$secs" > "$work/last"
  # Every round's figures, by the first word of the label.
  echo "$secs $((kb / 1024))" >> "$work/times.${label%%[: ]*}"
}
median() { sort -n "$work/times.$1" | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
largest_mb() { sort -n -k2 "$work/times.$1" | tail -1 | cut -d' ' -f2; }
rounds=${ROUNDS:-3}

echo "== generating $app, $persons persons"
measure "reprise sample (tar, X25519)" $bin sample --app "$app" --persons "$persons" --seed 1 \
  --form tar --recipient "$recipient" --out "$work/d"
delivery=$(ls "$work"/d/*.tar.age)
plain_bytes=$(grep -o '[0-9]* octets en clair' "$work/out" | cut -d' ' -f1)
echo "delivery: $(du -h "$delivery" | cut -f1) encrypted, $plain_bytes plaintext bytes"

# The chain: decrypt and unpack, convert, load with sqlite3 .import, index like Reprise does
# (keys, references to data tables, dates) and add an FTS5 index on names.
cat > "$work/chain.sh" <<CHAIN
set -e
mkdir -p "$work/x"
age -d -i "$work/key.txt" "$delivery" | tar -x -C "$work/x"
root=\$(ls -d "$work"/x/REPRISE_*)
db="$work/chain.db"
rm -f "\$db"
{
  echo ".mode csv"
  echo ".separator ;"
  for f in "\$root"/DONNEES/*.TXT; do
    t=\$(basename "\$f" .TXT)
    iconv -f CP1252 -t UTF-8 "\$f" > "\$f.utf8"
    echo ".import '\$f.utf8' \$t"
  done
} | sqlite3 "\$db"
# The same indexes as the store, from DESCRIPTIF.TXT.
iconv -f CP1252 -t UTF-8 "\$root/DESCRIPTIF.TXT" | awk -F';' 'NR>1 && \$2!="0" {
  if (\$9=="1" || (\$10!="" && \$10 !~ /^R_/) || \$4=="DATE") printf "CREATE INDEX IF NOT EXISTS \\"%s_%s\\" ON \\"%s\\"(\\"%s\\");\n", \$1, \$3, \$1, \$3 }' > "$work/idx.sql"
sqlite3 "\$db" < "$work/idx.sql" 2>/dev/null || true
if [ "$app" = ITAC ]; then
  sqlite3 "\$db" "CREATE VIRTUAL TABLE noms USING fts5(nom, marital, prenom, content='ITAC_DOSSIER'); INSERT INTO noms(rowid, nom, marital, prenom) SELECT rowid, NOM_NAISSANCE, NOM_MARITAL, PRENOM FROM ITAC_DOSSIER;"
else
  sqlite3 "\$db" "CREATE VIRTUAL TABLE noms USING fts5(nom, usage, prenoms, content='OP_ENFANT'); INSERT INTO noms(rowid, nom, usage, prenoms) SELECT rowid, NOM, NOM_USAGE, PRENOMS FROM OP_ENFANT;"
fi
CHAIN
for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds"
  measure "sha: age -d | sha256sum" sh -c "age -d -i '$work/key.txt' '$delivery' | sha256sum"
  measure "verify: reprise verify" $bin verify "$delivery" --identity "$work/key.txt"
  rm -rf "$work/x" "$work/chain.db" "$work"/store.db*
  measure "chain: age|tar|iconv|sqlite3 .import+indexes+fts5" bash "$work/chain.sh"
  chain_bytes=$(stat -c %s "$work/chain.db")
  measure "import: reprise import" $bin import "$delivery" --identity "$work/key.txt" \
    --store "$work/store.db" --store-passphrase-file "$work/store-pass"
  store_bytes=$(stat -c %s "$work/store.db")
done
t_sha=$(median sha) t_verify=$(median verify) t_chain=$(median chain) t_import=$(median import)
echo "== medians over $rounds rounds (memory: the largest)"
printf '%-52s %8.2f s %8d MB\n' "age -d | sha256sum" "$t_sha" "$(largest_mb sha)"
printf '%-52s %8.2f s %8d MB\n' "reprise verify" "$t_verify" "$(largest_mb verify)"
printf '%-52s %8.2f s %8d MB\n' "chain: age|tar|iconv|sqlite3 .import+indexes+fts5" "$t_chain" "$(largest_mb chain)"
printf '%-52s %8.2f s %8d MB\n' "reprise import" "$t_import" "$(largest_mb import)"

echo "== ratios (targets: import <= 0.5 x chain, verify <= 1.0 x age|sha256sum, store <= 1.5 x delivered)"
awk -v i="$t_import" -v c="$t_chain" -v v="$t_verify" -v s="$t_sha" -v sb="$store_bytes" -v pb="$plain_bytes" -v cb="$chain_bytes" 'BEGIN {
  printf "import / chain  = %.2f\n", i / c
  printf "verify / sha256 = %.2f\n", v / s
  printf "store / delivered = %.2f (%d / %d bytes; the chain database: %.2f)\n", sb / pb, sb, pb, cb / pb }'
