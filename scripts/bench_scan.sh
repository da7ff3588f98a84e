#!/usr/bin/env bash
# Release benchmark of `vggbatch scan` (figures go in Benchmarks/README.md):
#  1. end-to-end scan of the sample photos repeated to 210 files, full-size VGG16 (seeded
#     random weights), against `vggbatch bench` at the same batch size and threads;
#  2. rescan of 10,000 unchanged files (tiny model, since nothing reaches the network);
#  3. time spent in database writes during scan 1.
# Usage: bash scripts/bench_scan.sh [workdir]   (default /tmp/vggbatch-bench-scan)
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/vggbatch-bench-scan}"
source scripts/bench-setup.sh
count=$(find "$photos" -type f | wc -l)

echo "== engine alone: vggbatch bench, batch $batch, $threads threads"
"$bin" bench --weights "$weights" --batch-size "$batch" --threads "$threads" --iterations 5 --json | tee "$work/bench.json"

echo "== end to end: vggbatch scan of $count photos"
rm -f "$work/scan.sqlite"*
"$bin" scan "$photos" --db "$work/scan.sqlite" --weights "$weights" --batch-size "$batch" --threads "$threads" --json \
    2>"$work/scan.log" | tail -n 1 | tee "$work/scan.json"

python3 - "$work/bench.json" "$work/scan.json" <<'PY'
import json, sys
bench = json.load(open(sys.argv[1]))
scan = json.load(open(sys.argv[2]))
ratio = scan["images_per_second"] and float(scan["images_per_second"]) / bench["images_per_second"]
print(f"scan {float(scan['images_per_second']):.2f} img/s vs bench {bench['images_per_second']:.2f} img/s: {ratio:.3f} of bench")
print(f"database writes {float(scan['write_seconds']):.3f} s of {float(scan['seconds']):.2f} s = {100 * float(scan['write_seconds']) / float(scan['seconds']):.2f}%")
PY

echo "== rescan of 10,000 unchanged files"
many="$work/many"
if [ ! -d "$many" ]; then
    mkdir -p "$many"
    for d in $(seq -w 0 99); do
        mkdir -p "$many/d$d"
        for f in $(seq -w 0 99); do cp samples/pillow-hopper.jpg "$many/d$d/p$f.jpg"; done
    done
fi
rm -f "$work/many.sqlite"*
"$bin" scan "$many" --db "$work/many.sqlite" --weights "$tiny" --json 2>/dev/null | tail -n 1
for run in 1 2 3; do
    start=$(date +%s.%N)
    "$bin" scan "$many" --db "$work/many.sqlite" --weights "$tiny" --json 2>/dev/null | tail -n 1
    end=$(date +%s.%N)
    python3 -c "print(f'rescan {$run}: {($end - $start):.2f} s wall, whole command')"
done
