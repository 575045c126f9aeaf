#!/usr/bin/env bash
# make bench: t3attr against the sd-journal reference and the runbook recipes,
# on the shared 7-day, 2,000,000-entry devvm corpus, all in one run.
#
#   bench/bench.sh [-w "1h 6h all"] [-r RUNS] [-R RUNS_7D] [-m RSS_RUNS] [-d CORPUS_DIR]
#                  [-s "corpus fleet"] [-f FLEET_DIR] [-F FLEET_RUNS]
#
# Needs ../shared/bench (corpus generator, ref_reader.c), hyperfine, GNU time,
# systemd-journal-remote, gcc. Builds the corpus once (about 4 minutes) and
# the fleet (8 hosts x 1 day, bench/make_fleet.sh, about 3 minutes), and
# reuses them afterwards. Prints one table per window with medians, entries/s,
# peak RSS (median of RSS_RUNS, 3, runs each), the fleet's scaling table
# (1, 2, 4, 8 hosts), and issue 16's targets with their ratios and a met/not
# met mark; checks t3attr's counts against the ground truth. `floor-u` rows:
# the reference's walk reading every field of each entry as t3attr must
# (bench/floor_reader.py), the part of a ratio no code above sd-journal
# removes. `-s corpus` or `-s fleet` runs one section (its rows only).
# Exits 1 when a target is missed or a count differs (the tables still print).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$top/../shared/bench}
CORPUS=/tmp/t3bench/corpus-2000000 WINDOWS="1h 6h all" RUNS=10 RUNS_LONG=5 RSS_RUNS=3
SECTIONS="corpus fleet" FLEET=/tmp/t3bench/fleet-8x1d FLEET_RUNS=3
while getopts "d:w:r:R:m:s:f:F:h" opt; do
  case $opt in
    d) CORPUS=$OPTARG ;; w) WINDOWS=$OPTARG ;; r) RUNS=$OPTARG ;; R) RUNS_LONG=$OPTARG ;; m) RSS_RUNS=$OPTARG ;;
    s) SECTIONS=$OPTARG ;; f) FLEET=$OPTARG ;; F) FLEET_RUNS=$OPTARG ;;
    h) sed -n '2,18p' "$0"; exit 0 ;; *) exit 2 ;;
  esac
done
case " $SECTIONS " in *" corpus "*) ;; *) WINDOWS= ;; esac
[ -d "$SHARED" ] || { echo "bench: $SHARED not found (the shared yardstick: gen_corpus.py, ref_reader.c)" >&2; exit 1; }
J=$CORPUS/journal TRUTH=$CORPUS/truth.json OUT=$CORPUS/t3attr-bench
if [ ! -f "$TRUTH" ] || [ -z "$(ls "$J" 2>/dev/null)" ]; then
  echo "== building the corpus (once): $CORPUS" >&2
  "$SHARED/make_journal.sh" -V -o "$CORPUS" >&2
fi
mkdir -p "$OUT"
REF=$OUT/ref_reader
[ -x "$REF" ] && [ "$REF" -nt "$SHARED/ref_reader.c" ] || gcc -O2 -pthread -o "$REF" "$SHARED/ref_reader.c" $(pkg-config --cflags --libs libsystemd)
# The floor: the reference's walk reading every field of each entry, as t3attr must (bench/floor_reader.py).
FLOOR=$OUT/floor_reader
if ! [ -x "$FLOOR" ] || ! [ "$FLOOR" -nt "$SHARED/ref_reader.c" ] || ! [ "$FLOOR" -nt "$top/bench/floor_reader.py" ]; then
  python3 "$top/bench/floor_reader.py" "$SHARED/ref_reader.c" "$OUT/floor_reader.c"
  gcc -O2 -pthread -o "$FLOOR" "$OUT/floor_reader.c" $(pkg-config --cflags --libs libsystemd)
fi
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
    [floor-u]="$FLOOR -D $J --since $S --journalctl-u"
    [floor-u-j2]="$FLOOR -D $J --since $S --journalctl-u --jobs 2"
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
  for name in t3-dispatch t3-dispatch-jobs ref-u ref-u-j2 floor-u floor-u-j2 t3-report recipes t3-bursts recipe2; do hf+=(-n "$name" "${C[$name]} > /dev/null 2>&1"); done
  echo "== window $W (since @$S): hyperfine, $R runs each" >&2
  hyperfine --shell bash --style none --warmup 1 --runs "$R" --export-json "$OUT/hf-$W.json" "${hf[@]}" > /dev/null
  # Correctness against the ground truth.
  # The floor reads what the reference reads (its counts, to the entry).
  { $REF -D "$J" --since "$S" --journalctl-u; $REF -D "$J" --since "$S" --journalctl-u --jobs 2; } > "$OUT/ref-$W.txt"
  { $FLOOR -D "$J" --since "$S" --journalctl-u; $FLOOR -D "$J" --since "$S" --journalctl-u --jobs 2; } > "$OUT/floor-$W.txt"
  "$T3" dispatch $ARGS --since "@$S" --jobs 1 -o json > "$OUT/dispatch-$W.json" 2>/dev/null
  "$T3" dispatch $ARGS --since "@$S" -o json > "$OUT/dispatch-jobs-$W.json" 2>/dev/null
  "$T3" bursts --requests $ARGS --since "@$S" -o json > "$OUT/bursts-$W.json" 2>/dev/null
  "$T3" report $ARGS --since "@$S" -o json > "$OUT/report-$W.json" 2>/dev/null
  unset C
done

# The fleet (issue 16): `report` over a collector of K hosts (K = 1 2 4 8),
# against the same hosts' single-host reports run one after the other.
FLEET_OUT=
case " $SECTIONS " in *" fleet "*)
  bash "$top/bench/make_fleet.sh" -o "$FLEET" >&2
  FLEET_OUT=$OUT/fleet
  mkdir -p "$FLEET_OUT"
  FARGS="--dispatch-table $OUT/empty-table.json"
  hf=()
  : > "$FLEET_OUT/rss.tsv"
  fleet_cmd() { echo "$T3 report -D $1 $FARGS"; }
  names=()
  for k in 1 2 4 8; do [ -d "$FLEET/collector-$k" ] && names+=("collector-$k:$FLEET/collector-$k"); done
  for h in "$FLEET"/hosts/host-*/; do h=${h%/}; names+=("$(basename "$h"):$h"); done
  for nd in "${names[@]}"; do
    name=${nd%%:*} dir=${nd#*:}
    hf+=(-n "$name" "$(fleet_cmd "$dir") > /dev/null 2>&1")
    for _ in $(seq "$RSS_RUNS"); do
      /usr/bin/time -f "%M" -o "$OUT/rss.tmp" bash -c "$(fleet_cmd "$dir")" > /dev/null 2>&1 || true
      printf '%s\t%s\n' "$name" "$(tail -1 "$OUT/rss.tmp")" >> "$FLEET_OUT/rss.tsv"
    done
  done
  echo "== fleet: hyperfine, $FLEET_RUNS runs each" >&2
  hyperfine --shell bash --style none --warmup 1 --runs "$FLEET_RUNS" --export-json "$FLEET_OUT/hf.json" "${hf[@]}" > /dev/null
  # Correctness: the fleet's proxy errors and request bursts against the hosts' truths.
  last=$(ls -d "$FLEET"/collector-* | sort -t- -k2 -n | tail -1)
  $T3 report -D "$last" $FARGS -o json > "$FLEET_OUT/report.json" 2>/dev/null
  $T3 bursts --requests -D "$last" $FARGS -o json > "$FLEET_OUT/bursts.json" 2>/dev/null
  echo "$last" > "$FLEET_OUT/collector"
;; esac
python3 "$top/bench/report.py" "$CORPUS" "$OUT" "$FLEET" "$FLEET_OUT" $WINDOWS
