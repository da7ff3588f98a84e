#!/usr/bin/env bash
# Release benchmark of `vggbatch classify --files-from -` against `vggbatch scan` (figures go
# in Benchmarks/README.md): the same 210 photos (the samples repeated), full-size VGG16
# (seeded random weights), batch and threads, in turns A B A B; each scan into a fresh
# SQLite index, each classify from the list `vggbatch list` prints, with base64 features,
# its lines written to a file (as a Spark task's output would be). Whole-command wall time.
#
#   bash scripts/bench_stream.sh [workdir] [pairs]
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/vggbatch-bench-scan}"
pairs="${2:-5}"
source scripts/bench-setup.sh
"$bin" list "$photos" > "$work/files.txt"
count=$(wc -l < "$work/files.txt")
echo "$(date -u +%F) $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $count photos, batch $batch, $threads threads"

seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N); python3 -c "print($end - $start)"; }
scan() {
    rm -f "$work/stream-scan.sqlite"*
    "$bin" scan "$photos" --db "$work/stream-scan.sqlite" --weights "$weights" --batch-size "$batch" --threads "$threads"
}
stream() {
    "$bin" classify --files-from "$work/files.txt" --weights "$weights" --batch-size "$batch" --threads "$threads" \
        --features-encoding base64-f32 > "$work/stream.jsonl"
}
scans=()
streams=()
for pair in $(seq 1 "$pairs"); do
    a=$(seconds scan)
    b=$(seconds stream)
    scans+=("$a")
    streams+=("$b")
    echo "pair $pair: scan $a s, classify --files-from $b s"
done
[ "$(wc -l < "$work/stream.jsonl")" -eq "$count" ] || { echo "bench_stream: classify wrote $(wc -l < "$work/stream.jsonl") lines for $count files" >&2; exit 1; }
python3 - "$count" "${scans[*]}" "${streams[*]}" <<'PY'
import statistics, sys
count = int(sys.argv[1])
scan = [float(x) for x in sys.argv[2].split()]
stream = [float(x) for x in sys.argv[3].split()]
ratios = [s / t for s, t in zip(scan, stream)]
print(f"median: scan {count / statistics.median(scan):.2f} img/s, classify --files-from {count / statistics.median(stream):.2f} img/s; "
      f"throughput classify/scan {statistics.median(ratios):.3f} (pairs {min(ratios):.3f}..{max(ratios):.3f})")
PY
