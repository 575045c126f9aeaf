#!/usr/bin/env bash
# make fuzz: build each libFuzzer target with ASan and run it for SECONDS (default 60).
#   fuzz/run.sh [SECONDS] [TARGET...]      targets: messages timespec stream
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}; shift || true
targets=${*:-messages timespec stream}
out=$top/.build-fuzz
mkdir -p "$out"
python3 "$top/fuzz/seed.py" "$out/seed"
for t in $targets; do
  # What each target is built from, and its longest input.
  deps=("$top"/Sources/Classifiers/*.swift); maxlen=4096
  case $t in
    messages) src=FuzzMessages.swift ;;
    timespec) src=FuzzTimeSpec.swift ;;
    stream) src=FuzzStream.swift; deps=("$top/Sources/JournalReader/ExportConverter.swift"); maxlen=65536 ;;
    *) echo "unknown target $t" >&2; exit 2 ;;
  esac
  bin=$out/fuzz-$t
  if [ ! -x "$bin" ] || [ -n "$(find "${deps[@]}" "$top/fuzz/$src" -newer "$bin" 2>/dev/null | head -1)" ]; then
    echo "== building $bin" >&2
    swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name FuzzTarget \
      "${deps[@]}" "$top/fuzz/$src" -o "$bin"
  fi
  mkdir -p "$out/corpus-$t" "$out/crashes-$t"
  echo "== fuzzing $t for ${secs}s" >&2
  # The committed seeds, then what earlier runs found interesting.
  "$bin" -max_total_time="$secs" -max_len="$maxlen" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/crashes-$t/" -print_final_stats=1 "$out/corpus-$t" "$out/seed/$t" 2>&1 | tail -12
done
