#!/usr/bin/env bash
# Runs the fuzz targets of fuzz/ (cargo fuzz, libFuzzer with AddressSanitizer) for a given time each.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]      (default: 600 s, every target)
#   SEED_ONLY=1 scripts/fuzz.sh 0 [TARGET ...]             (only seed the empty corpora)
# First seeds fuzz/corpus/<target>/ from the sample deliveries when it is empty; at the end
# minimises each corpus (cargo fuzz cmin) and copies every crash found into
# fuzz/regressions/<target>/, which `cargo test` then runs (tests/fuzz_regressions.rs).
# The machine's stable toolchain builds the targets with RUSTC_BOOTSTRAP=1 (cargo fuzz needs
# nightly flags). Needs the `age` CLI to seed the container target.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${1:-600}
shift || true
ALL=(lisezmoi controle descriptif extraction_log records values finess profile query reception container)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# The generator seeds the corpus: REPRISE_BIN, or the release build.
BIN=${REPRISE_BIN:-target/release/reprise}
[ -n "${REPRISE_BIN:-}" ] || cargo build --release --locked --bin reprise
# Only for cargo fuzz: set for every cargo command, it would rebuild the project's own target/.
fuzz() { (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz "$@"); }

seed() {
  local t=$1 dir=fuzz/corpus/$1
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || return 0
  local tmp
  tmp=$(mktemp -d)
  for app in ITAC OPALES; do
    "$BIN" sample --app $app --persons 6 --seed 7 --form plain --out "$tmp/$app" >/dev/null
  done
  local itac opales
  itac=$(find "$tmp/ITAC" -mindepth 1 -maxdepth 1 -type d)
  opales=$(find "$tmp/OPALES" -mindepth 1 -maxdepth 1 -type d)
  case $t in
    lisezmoi) cp "$itac/LISEZMOI.TXT" "$dir/itac"; cp "$opales/LISEZMOI.TXT" "$dir/opales" ;;
    controle) cp "$itac/CONTROLE.TXT" "$dir/itac"; cp "$opales/CONTROLE.TXT" "$dir/opales" ;;
    descriptif) cp "$itac/DESCRIPTIF.TXT" "$dir/itac"; cp "$opales/DESCRIPTIF.TXT" "$dir/opales" ;;
    extraction_log) cp "$itac/EXTRACTION.LOG" "$dir/itac"; cp "$opales/EXTRACTION.LOG" "$dir/opales" ;;
    records)
      for f in "$itac"/DONNEES/*.TXT "$opales"/DONNEES/*.TXT "$opales"/REFERENTIELS/*.TXT; do
        head -c 4096 "$f" > "$dir/$(basename "$f")"
      done ;;
    values)
      printf '\x00%s\n%s\n%s' "15/10/2008" "31/02/1997" "00/00/0000" > "$dir/dates"
      printf '\x08%s\n%s' "2008-10-15" "15/10/2008 20:00:00" > "$dir/iso"
      printf '\x01%s\n%s\n%s\n%s\n%s' "120,92" "1600" ",5" "0,5" "-3" > "$dir/numbers"
      printf '\x05%s\n%s' "3.25" "1e5" > "$dir/points" ;;
    finess)
      for f in "$itac" "$opales"; do
        [ ! -e "$f/REFERENTIELS/FINESS.TXT" ] || head -c 16384 "$f/REFERENTIELS/FINESS.TXT" > "$dir/$(basename "$f")"
      done ;;
    profile) cp assets/profiles/*.toml "$dir/" ;;
    query)
      for q in "dupont jean 1987" "LEFEVRE" "lefèvre" "0599800123" "2 95 10 99 126 111 93" \
               "d'almeida" "dalmeida" "martin dupont" "filipe" "05/1987" "12/05" "MARTIN|MRATIN"; do
        printf '%s' "$q" > "$dir/$(printf '%s' "$q" | sha1sum | cut -c1-12)"
      done ;;
    reception)
      for app in ITAC OPALES; do
        local root; root=$([ $app = ITAC ] && echo "$itac" || echo "$opales")
        (cd "$root" && find . -type f | sed 's|^\./||') | while read -r f; do
          { printf '%s:%s\n' $app "$f"; cat "$root/$f"; } > "$dir/$app-$(echo "$f" | tr / _)"
        done
      done ;;
    container)
      age-keygen -o "$tmp/key" 2>/dev/null
      "$BIN" sample --app OPALES --persons 6 --seed 7 --form tar \
        --recipient "$(age-keygen -y "$tmp/key")" --out "$tmp/tar" >/dev/null
      age -d -i "$tmp/key" "$tmp"/tar/*.tar.age > "$dir/opales.tar"
      "$BIN" sample --app ITAC --persons 6 --seed 7 --form tar --gzip \
        --recipient "$(age-keygen -y "$tmp/key")" --out "$tmp/targz" >/dev/null
      age -d -i "$tmp/key" "$tmp"/targz/*.tar.age > "$dir/itac.tar.gz" ;;
  esac
  rm -rf "$tmp"
}

summary=()
for t in "${TARGETS[@]}"; do
  seed "$t"
  # SEED_ONLY=1: only the seeds of the corpus, no fuzzing.
  [ -z "${SEED_ONLY:-}" ] || continue
  mkdir -p "fuzz/artifacts/$t" "fuzz/regressions/$t"
  before=$(ls "fuzz/corpus/$t" | wc -l)
  status=ok
  fuzz run "$t" "corpus/$t" -- -max_total_time="$SECONDS_PER" -rss_limit_mb=2048 \
     -max_len=1048576 -timeout=900 -print_final_stats=1 > "fuzz/artifacts/$t/last-run.log" 2>&1 || status=CRASH
  for a in fuzz/artifacts/"$t"/crash-* fuzz/artifacts/"$t"/timeout-* fuzz/artifacts/"$t"/oom-*; do
    [ -e "$a" ] && cp "$a" "fuzz/regressions/$t/" && status=CRASH
  done
  fuzz cmin "$t" "corpus/$t" >/dev/null 2>&1 || true
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "fuzz/artifacts/$t/last-run.log" | grep -o '[0-9]*$' || echo "?")
  summary+=("$t: $status, ${SECONDS_PER} s, $runs runs, corpus $before -> $(ls "fuzz/corpus/$t" | wc -l)")
done
printf '%s\n' "${summary[@]}"
