#!/usr/bin/env bash
# make fuzz: build each libFuzzer target with ASan and run it for SECONDS (default 60).
#   fuzz/run.sh [--ci] [SECONDS] [TARGET...]      targets: messages timespec attributor stream
# Seeds: the committed corpus fuzz/corpus/<target> (made by fuzz/seed.py from the
# fixtures) plus, without --ci, what earlier local runs found interesting. --ci
# (make fuzz-ci, .ci/run) starts every time from the committed corpus alone and
# runs every target even after one fails; the exit status says whether any did.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ci=0
if [ "${1:-}" = --ci ]; then ci=1; shift; fi
secs=${1:-60}; shift || true
targets=${*:-messages timespec attributor stream}
out=$top/.build-fuzz
mkdir -p "$out"
# The renderer's escaping, reachable from the messages target (its module import dropped).
sed '/^import Classifiers$/d' "$top/Sources/t3attr/Rendering/Render.swift" > "$out/Render.swift.new"
cmp -s "$out/Render.swift.new" "$out/Render.swift" 2>/dev/null && rm "$out/Render.swift.new" || mv "$out/Render.swift.new" "$out/Render.swift"
# The attributor's invariant "every verdict with a reason of the README's table" reads that
# table itself (the rows after `| verdict | reason(s) | rule |`), so the two cannot drift apart.
python3 - "$top/README.md" > "$out/ReadmeReasons.swift.new" <<'PY'
import re, sys
rows, table = {}, False
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("| verdict | reason(s) | rule |"):
        table = True
    elif table and not line.startswith("|"):
        break
    elif table and (m := re.match(r"\| `(\w+)` \| ((?:`\w+`(?:, )?)+) \|", line)):
        rows.setdefault(m.group(1), set()).update(re.findall(r"`(\w+)`", m.group(2)))
if not rows:
    sys.exit("fuzz/run.sh: no verdict table in README.md")
print("let readmeReasons: [String: Set<String>] = [")
for verdict, reasons in sorted(rows.items()):
    print(f'    "{verdict}": [{", ".join(chr(34) + r + chr(34) for r in sorted(reasons))}],')
print("]")
PY
cmp -s "$out/ReadmeReasons.swift.new" "$out/ReadmeReasons.swift" 2>/dev/null && rm "$out/ReadmeReasons.swift.new" || mv "$out/ReadmeReasons.swift.new" "$out/ReadmeReasons.swift"
failed=""
for t in $targets; do
  # What each target is built from (the library sources, then the target), and its longest input.
  deps=("$top"/Sources/Classifiers/*.swift); maxlen=4096
  case $t in
    messages) srcs=("$top/fuzz/FuzzMessages.swift" "$out/Render.swift" "$top/Sources/t3attr/Rendering/SafeText.swift") ;;
    timespec) srcs=("$top/fuzz/FuzzTimeSpec.swift") ;;
    attributor) srcs=("$top/fuzz/FuzzAttributor.swift" "$out/ReadmeReasons.swift") ;;
    stream) srcs=("$top/fuzz/FuzzStream.swift"); deps=("$top/Sources/JournalReader/ExportConverter.swift"); maxlen=65536 ;;
    *) echo "unknown target $t" >&2; exit 2 ;;
  esac
  bin=$out/fuzz-$t
  if [ ! -x "$bin" ] || [ -n "$(find "${deps[@]}" "${srcs[@]}" -newer "$bin" 2>/dev/null | head -1)" ]; then
    echo "== building $bin" >&2
    # (gold's "Cannot export local symbol '__asan_...'" lines are noise.)
    swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name FuzzTarget \
      "${deps[@]}" "${srcs[@]}" -o "$bin" 2>&1 | { grep -v "Cannot export local symbol" || true; } >&2
  fi
  corpus=$out/corpus-$t
  if [ $ci = 1 ]; then corpus=$(mktemp -d); fi
  mkdir -p "$corpus" "$out/crashes-$t"
  echo "== fuzzing $t for ${secs}s" >&2
  # New finds go to the first directory; the committed seeds are read only.
  if ! "$bin" -max_total_time="$secs" -max_len="$maxlen" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/crashes-$t/" -print_final_stats=1 "$corpus" "$top/fuzz/corpus/$t" > "$out/log-$t" 2>&1; then
    failed="$failed $t"
  fi
  tail -12 "$out/log-$t"
  if [ $ci = 1 ]; then rm -rf "$corpus"; fi
done
if [ -n "$failed" ]; then
  echo "fuzz: a finding in:$failed (inputs in $out/crashes-<target>/, logs in $out/log-<target>)" >&2
  exit 1
fi
