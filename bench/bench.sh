#!/usr/bin/env bash
# make bench: t3attr against the sd-journal reference and the runbook recipes,
# on the shared 7-day, 2,000,000-entry devvm corpus, all in one run.
#
#   bench/bench.sh [-w "1h 6h all"] [-r RUNS] [-R RUNS_7D] [-m RSS_RUNS] [-d CORPUS_DIR]
#
# Needs ../shared/bench (corpus generator, ref_reader.c), hyperfine, GNU time,
# systemd-journal-remote, gcc. Builds the corpus once (about 4 minutes) and
# reuses it afterwards. Prints one table per window with medians, entries/s,
# peak RSS (median of RSS_RUNS, 3, runs each) and the ratios of issue 4, and
# checks t3attr's counts against the corpus's ground truth. Exits 1 when a
# target is missed or a count differs (the tables still print).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$top/../shared/bench}
CORPUS=/tmp/t3bench/corpus-2000000 WINDOWS="1h 6h all" RUNS=10 RUNS_LONG=5 RSS_RUNS=3
while getopts "d:w:r:R:m:h" opt; do
  case $opt in
    d) CORPUS=$OPTARG ;; w) WINDOWS=$OPTARG ;; r) RUNS=$OPTARG ;; R) RUNS_LONG=$OPTARG ;; m) RSS_RUNS=$OPTARG ;;
    h) sed -n '2,12p' "$0"; exit 0 ;; *) exit 2 ;;
  esac
done
[ -d "$SHARED" ] || { echo "bench: $SHARED not found (the shared yardstick: gen_corpus.py, ref_reader.c)" >&2; exit 1; }
J=$CORPUS/journal TRUTH=$CORPUS/truth.json OUT=$CORPUS/t3attr-bench
if [ ! -f "$TRUTH" ] || [ -z "$(ls "$J" 2>/dev/null)" ]; then
  echo "== building the corpus (once): $CORPUS" >&2
  "$SHARED/make_journal.sh" -V -o "$CORPUS" >&2
fi
mkdir -p "$OUT"
REF=$OUT/ref_reader
[ -x "$REF" ] && [ "$REF" -nt "$SHARED/ref_reader.c" ] || gcc -O2 -pthread -o "$REF" "$SHARED/ref_reader.c" $(pkg-config --cflags --libs libsystemd)
T3=${T3:-$top/.build/release/t3attr}  # T3=... for a dry run with another build
export TZ=UTC LC_ALL=C.UTF-8 SYSTEMD_COLORS=0 SYSTEMD_PAGER=
echo '{}' > "$OUT/empty-table.json"
ARGS="-D $J --dispatch-table $OUT/empty-table.json"
since() { python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['windows'][sys.argv[2]])" "$TRUTH" "$1"; }

for W in $WINDOWS; do
  S=$(since "$W")
  R=$RUNS; [ "$W" = all ] && R=$RUNS_LONG
  J1="journalctl --directory $J -u t3-dispatch --since @$S"
  declare -A C=(
    [t3-dispatch]="$T3 dispatch $ARGS --since @$S --jobs 1"
    [t3-dispatch-jobs]="$T3 dispatch $ARGS --since @$S"
    [t3-report]="$T3 report $ARGS --since @$S"
    [t3-bursts]="$T3 bursts --requests $ARGS --since @$S"
    [ref-u]="$REF -D $J --since $S --journalctl-u"
    [ref-u-j2]="$REF -D $J --since $S --journalctl-u --jobs 2"
    [recipe2]="$J1 | grep -oE '^.* [0-9:]+ http: proxy error: context canceled' | awk '{print \$6}' | sort | uniq -c | awk '\$1>=5'"
    [recipes]="$J1 | grep 'proxy error'; $J1 | grep -oE '^.* [0-9:]+ http: proxy error: context canceled' | awk '{print \$6}' | sort | uniq -c | awk '\$1>=5'; journalctl --directory $J -u t3-serve@wizard --since @$S | grep 'timed out'"
  )
  : > "$OUT/rss-$W.tsv"
  for name in "${!C[@]}"; do
    for _ in $(seq "$RSS_RUNS"); do  # one line per sample: name, KiB
      /usr/bin/time -f "%M" -o "$OUT/rss.tmp" bash -c "${C[$name]}" > /dev/null 2>&1 || true
      printf '%s\t%s\n' "$name" "$(tail -1 "$OUT/rss.tmp")" >> "$OUT/rss-$W.tsv"
    done
  done
  hf=()
  for name in t3-dispatch t3-dispatch-jobs ref-u ref-u-j2 t3-report recipes t3-bursts recipe2; do hf+=(-n "$name" "${C[$name]} > /dev/null 2>&1"); done
  echo "== window $W (since @$S): hyperfine, $R runs each" >&2
  hyperfine --shell bash --style none --warmup 1 --runs "$R" --export-json "$OUT/hf-$W.json" "${hf[@]}" > /dev/null
  # Correctness against the ground truth.
  "$T3" dispatch $ARGS --since "@$S" --jobs 1 -o json > "$OUT/dispatch-$W.json" 2>/dev/null
  "$T3" dispatch $ARGS --since "@$S" -o json > "$OUT/dispatch-jobs-$W.json" 2>/dev/null
  "$T3" bursts --requests $ARGS --since "@$S" -o json > "$OUT/bursts-$W.json" 2>/dev/null
  "$T3" report $ARGS --since "@$S" -o json > "$OUT/report-$W.json" 2>/dev/null
  unset C
done
python3 "$top/bench/report.py" "$CORPUS" "$OUT" $WINDOWS
