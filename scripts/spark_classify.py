#!/usr/bin/env python3
"""Classify a photo archive with vggbatch inside Spark, then import the results into an index.

Every executor runs `vggbatch classify --files-from -` once per partition through
`RDD.pipe()`: Spark writes the partition's paths to its standard input and keeps the JSON
lines it prints (one per file, a broken file being a line with "error", so a partition is not
retried for one bad JPEG). The lines are written as text parts under --output; the import
command printed at the end (or run with --db) merges them into an SQLite or PostgreSQL index,
equal to what `vggbatch scan` of the same folder stores.

    spark-submit scripts/spark_classify.py --root /mnt/photos --output /mnt/results/run1 \
        --weights /mnt/models/vgg16.tv_in1k.safetensors --partitions 400
    vggbatch import /mnt/results/run1 --root /mnt/photos --db postgresql://vgg@db/photos

Every executor needs the vggbatch binary (--vggbatch, default: `vggbatch` on its PATH), the
photos at the same paths as the driver, and the weights on shared storage (--weights, or
VGGBATCH_WEIGHTS in the executors' environment). The files are listed on the driver with
`vggbatch list`, so hidden files, report folders and extensions follow the scan's rules;
--list FILE takes a prepared list instead (one path per line).
"""

import argparse
import os
import shlex
import subprocess
import sys


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", action="append", default=[], help="folder to classify (repeatable)")
    parser.add_argument("--list", help="a file of paths, one per line, instead of listing --root")
    parser.add_argument("--output", required=True, help="where the JSON-line parts are written (must not exist)")
    parser.add_argument("--weights", help="weights file every executor can read (else VGGBATCH_WEIGHTS there)")
    parser.add_argument("--vggbatch", default="vggbatch", help="the vggbatch binary on the executors")
    parser.add_argument("--partitions", type=int, default=0, help="partitions (default: about 500 files each)")
    parser.add_argument("--threads", type=int, default=0, help="engine threads per vggbatch process (default: all cores)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--compress", action="store_true", help="write gzip-compressed parts")
    parser.add_argument("--master", help="Spark master (default: spark-submit's, else local[*])")
    parser.add_argument("--db", help="import into this index when the job is done")
    return parser.parse_args()


def list_files(arguments):
    if arguments.list:
        with open(arguments.list, encoding="utf-8", errors="surrogateescape") as handle:
            return [line.rstrip("\n") for line in handle if line.strip()]
    if not arguments.root:
        sys.exit("spark_classify: give --root FOLDER or --list FILE")
    listed = subprocess.run(
        [arguments.vggbatch, "list", *arguments.root], stdout=subprocess.PIPE, check=False)
    if listed.returncode not in (0, 1):
        sys.exit(f"spark_classify: `{arguments.vggbatch} list` failed with status {listed.returncode}")
    return [line for line in listed.stdout.decode("utf-8", "surrogateescape").split("\n") if line]


def main():
    arguments = parse_arguments()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("vggbatch classify")
    if arguments.master:
        builder = builder.master(arguments.master)
    elif "spark.master" not in os.environ.get("PYSPARK_SUBMIT_ARGS", "") and not os.environ.get("SPARK_MASTER"):
        builder = builder.master("local[*]")
    spark = builder.getOrCreate()
    context = spark.sparkContext

    paths = list_files(arguments)
    if not paths:
        sys.exit("spark_classify: no JPEG or PNG files to classify")
    partitions = arguments.partitions or max(1, len(paths) // 500)

    command = [arguments.vggbatch, "classify", "--files-from", "-", "--features-encoding", "base64-f32",
               "--batch-size", str(arguments.batch_size)]
    if arguments.weights:
        command += ["--weights", os.path.abspath(arguments.weights)]
    if arguments.threads:
        command += ["--threads", str(arguments.threads)]
    # pipe() gives the process this environment and nothing else.
    environment = {key: os.environ[key] for key in ("PATH", "HOME", "XDG_CACHE_HOME", "VGGBATCH_WEIGHTS") if key in os.environ}
    environment["VGGBATCH_OFFLINE"] = "1"

    # A non-zero status (weights or machine trouble, never a bad photo) fails the task, and
    # Spark retries it elsewhere.
    lines = context.parallelize(paths, partitions).pipe(shlex.join(command), env=environment, checkCode=True)
    codec = "org.apache.hadoop.io.compress.GzipCodec" if arguments.compress else None
    lines.saveAsTextFile(arguments.output, compressionCodecClass=codec)
    spark.stop()

    roots = [os.path.abspath(root) for root in arguments.root]
    importing = [arguments.vggbatch, "import", arguments.output] + [f"--root={root}" for root in roots]
    print(f"classified {len(paths)} files in {partitions} partitions into {arguments.output}")
    if arguments.db:
        result = subprocess.run(importing + ["--db", arguments.db], check=False)
        sys.exit(result.returncode)
    print("import the results with:\n  " + " ".join(shlex.quote(part) for part in importing) + " --db INDEX")


if __name__ == "__main__":
    main()
