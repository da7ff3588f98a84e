#!/usr/bin/env bash
# Release benchmark of `vggbatch work` against `vggbatch scan` (figures go in
# Benchmarks/README.md): one worker computing a PostgreSQL queue versus a single-machine scan
# into SQLite, the same photos (the samples repeated to 210 files), weights (full-size VGG16,
# seeded random), batch and threads, in turns A B A B. Each run starts from an empty index:
# A scans into a fresh SQLite file; B queues the files with `scan --queue-only` into a fresh
# database (not timed) and then runs `work`. Images per second are the commands' own
# (`--json` summaries: computed images over the pipeline's seconds).
#
#   bash scripts/bench_work.sh postgresql://USER@HOST:PORT/postgres [workdir] [pairs]
#
# The URL names a database the script may create others from (`bench_work` is dropped and
# created for each run).
set -euo pipefail
cd "$(dirname "$0")/.."
server="${1:?give a PostgreSQL URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres}"
work="${2:-/tmp/vggbatch-bench-work}"
pairs="${3:-5}"
source scripts/bench-setup.sh
db="${server%/*}/bench_work"
echo "$(date -u +%F) $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(find "$photos" -type f | wc -l) photos, batch $batch, $threads threads"

rate() { sed -n 's/.*"images_per_second": \([0-9.]*\).*/\1/p' | tail -n 1; }
scan_rates=()
work_rates=()
for pair in $(seq 1 "$pairs"); do
    rm -f "$work/scan.sqlite"*
    a=$("$bin" scan "$photos" --db "$work/scan.sqlite" --weights "$weights" --batch-size "$batch" --threads "$threads" --json 2>/dev/null | rate)
    psql -q "$server" -c "DROP DATABASE IF EXISTS bench_work" -c "CREATE DATABASE bench_work"
    "$bin" scan "$photos" --db "$db" --weights "$weights" --queue-only >/dev/null 2>&1
    b=$("$bin" work --db "$db" --weights "$weights" --batch-size "$batch" --threads "$threads" --json 2>/dev/null | rate)
    scan_rates+=("$a")
    work_rates+=("$b")
    echo "pair $pair: scan (SQLite) $a img/s, work (PostgreSQL) $b img/s, work/scan $(python3 -c "print(f'{$b / $a:.3f}')")"
done
python3 - "${scan_rates[*]}" "${work_rates[*]}" <<'PY'
import statistics, sys
scan = [float(x) for x in sys.argv[1].split()]
work = [float(x) for x in sys.argv[2].split()]
ratios = [w / s for s, w in zip(scan, work)]
print(f"median: scan {statistics.median(scan):.2f} img/s, work {statistics.median(work):.2f} img/s, "
      f"work/scan {statistics.median(ratios):.3f} (pairs {min(ratios):.3f}..{max(ratios):.3f})")
PY
