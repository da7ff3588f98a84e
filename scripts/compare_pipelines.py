#!/usr/bin/env python3
"""vggbatch scan against the usual Python pipelines, end to end on phone photos, one run.

    pip install numpy pillow onnx onnxruntime safetensors
    swift build -c release
    python3 scripts/compare_pipelines.py                 # 48 generated 12 MP JPEGs, 3 rounds
    python3 scripts/compare_pipelines.py --photos samples --repeat 15 --rounds 5
    python3 scripts/compare_pipelines.py --format heic   # the same photos as 12 MP HEIC

Inputs (under --work, default /tmp/vggbatch-compare-pipelines, reused when present): the
phone corpus (scripts/make_phone_corpus.py, --count files; or --photos DIR, each file
linked --repeat times), seeded random VGG16 weights (`vggbatch weights random --seed 1`)
and the same weights as an ONNX graph (scripts/compare_onnxruntime.py builds it).

Each round runs, in turn, every pipeline once, so all of them see the same minutes of a
shared machine:
- scan: `vggbatch scan --json` into a fresh SQLite index (decode, resize, engine, SQLite;
  the summary's images/s, which leaves out loading the weights, and its core-seconds by
  stage);
- bench: `vggbatch bench` (engine only, random input) at the same batch and threads;
- pillow: a DataLoader-style pipeline as torchvision and timm users run it: --threads worker
  processes decode (Pillow, full size, EXIF transpose, bilinear resize to 224x224, ImageNet
  normalisation) ahead of the main process, which runs batches through ONNX Runtime with
  --threads intra-op threads (so 2 + 2 threads on 2 cores);
- pillow-draft: the same with Pillow's draft("RGB", (224, 224)), libjpeg's DCT scaling to
  the smallest scale that still covers 224 (JPEG only).
With --format heic|avif|webp|tiff the corpus is the same pictures in that format
(make_phone_corpus.py --formats; HEIC read by pillow-heif in the Python pipeline), and the
summary adds the two-core bound: what --threads cores allow if each image costs the
engine's core time (from bench) plus the reference decoder's own core time (Pillow's or
pillow-heif's, measured in the pillow pipeline), and scan's share of it.
Every pipeline runs as a child process; its peak RSS comes from wait4 (for the Python
pipelines, the main process plus its largest decode worker). Prints a Markdown table of
medians over the rounds (images/s, core-ms per image split into decode / engine / other,
peak RSS) and the ratios the goals are about, with the CPU and date; --json prints the
rounds too.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VGGBATCH = REPO / ".build" / "release" / "vggbatch"
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
SUFFIX = {"jpeg": "jpg", "heic": "heic", "avif": "avif", "webp": "webp", "tiff": "tif"}


# MARK: - the Python pipeline (runs in a child: --python-pipeline)


def decode_one(task):
    """Worker: one file to a normalised 3x224x224 float32 array, with its CPU seconds."""
    import numpy as np
    from PIL import Image, ImageOps

    path, draft = task
    if path.lower().endswith((".heic", ".heif")):
        import pillow_heif
        pillow_heif.register_heif_opener()
    started = time.process_time()
    with Image.open(path) as image:
        if draft:
            image.draft("RGB", (224, 224))
        image = ImageOps.exif_transpose(image).convert("RGB").resize((224, 224), Image.BILINEAR)
        array = np.asarray(image, dtype=np.float32) / 255.0
    array = ((array - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)).transpose(2, 0, 1)
    return np.ascontiguousarray(array), time.process_time() - started


def worker_peak_rss(_):
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def python_pipeline(arguments):
    import multiprocessing

    import numpy as np
    import onnxruntime as ort

    files = sorted(str(p) for p in Path(arguments.files_from).read_text().splitlines() if p)
    options = ort.SessionOptions()
    options.intra_op_num_threads = arguments.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(arguments.onnx, options, providers=["CPUExecutionProvider"])
    warm = np.zeros((arguments.batch, 3, 224, 224), dtype=np.float32)
    session.run(["fc7"], {"input": warm})

    cpu_before = time.process_time()
    decode_seconds = engine_seconds = 0.0
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(arguments.threads) as pool:
        batch = []
        # imap keeps the workers decoding ahead while the main process runs the network.
        for array, seconds in pool.imap(decode_one, [(f, arguments.draft) for f in files], chunksize=1):
            decode_seconds += seconds
            batch.append(array)
            if len(batch) == arguments.batch:
                before = time.process_time()
                session.run(["fc7"], {"input": np.stack(batch)})
                engine_seconds += time.process_time() - before
                batch = []
        if batch:
            before = time.process_time()
            session.run(["fc7"], {"input": np.stack(batch)})
            engine_seconds += time.process_time() - before
        elapsed = time.perf_counter() - started
        worker_rss = max(pool.map(worker_peak_rss, range(arguments.threads * 4), chunksize=1))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = time.process_time() - cpu_before
    total = own + children.ru_utime + children.ru_stime
    print(json.dumps({
        "images_per_second": len(files) / elapsed, "seconds": elapsed, "images": len(files),
        "decode_core_seconds": decode_seconds, "engine_core_seconds": engine_seconds,
        "core_seconds": total, "worker_peak_rss_bytes": worker_rss,
    }))


# MARK: - the driver


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        if line.strip().startswith("{"):
            return json.loads(line)
    sys.exit(f"no JSON in:\n{text[-2000:]}")


def timed_child(command, env=None):
    """Runs command; returns (stdout, peak RSS bytes) measured with wait4."""
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    output = child.stdout.read()
    child.stdout.close()
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed with status {os.waitstatus_to_exitcode(status)}")
    return output, usage.ru_maxrss * 1024


def prepare(arguments):
    work = Path(arguments.work)
    work.mkdir(parents=True, exist_ok=True)
    if arguments.photos:
        sources = sorted(p for p in Path(arguments.photos).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        photos = work / f"photos-{Path(arguments.photos).name}-x{arguments.repeat}"
        if not photos.exists():
            photos.mkdir()
            for copy in range(arguments.repeat):
                for source in sources:
                    # Copies, not links: each must be its own file to the scan.
                    (photos / f"{copy:03d}-{source.name}").write_bytes(source.read_bytes())
    else:
        photos = Path(arguments.corpus + ("" if arguments.format == "jpeg" else f"-{arguments.format}"))
        if len(list(photos.glob(f"*.{SUFFIX[arguments.format]}"))) < arguments.count:
            subprocess.run([sys.executable, str(REPO / "scripts" / "make_phone_corpus.py"), "--count", str(arguments.count),
                            "--output", str(photos), "--formats", arguments.format], check=True, stdout=subprocess.DEVNULL)
    suffixes = (".jpg", ".jpeg", ".png") if arguments.photos else ("." + SUFFIX[arguments.format],)
    files = sorted(p for p in photos.iterdir() if p.suffix.lower() in suffixes)
    if not arguments.photos:
        files = files[:arguments.count]
        if len(files) < len(list(photos.iterdir())):
            photos = work / f"corpus-{arguments.count}"
            photos.mkdir(exist_ok=True)
            for f in files:
                target = photos / f.name
                if not target.exists():
                    os.link(f, target)
            files = sorted(photos.iterdir())
    listing = work / f"{photos.name}.txt"
    listing.write_text("\n".join(str(f) for f in files) + "\n")

    weights = work / "vgg16-random.safetensors"
    if not weights.exists():
        subprocess.run([str(VGGBATCH), "weights", "random", "--seed", "1", "--output", str(weights)], check=True,
                       stdout=subprocess.DEVNULL)
    onnx = work / "vgg16-random.onnx"
    if not onnx.exists() or onnx.stat().st_mtime < weights.stat().st_mtime:
        # In a child: a child's peak RSS starts from its parent's, so this process stays small.
        subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import compare_onnxruntime as c; "
                        "c.build_onnx(c.load_weights(sys.argv[2]), sys.argv[3])", str(REPO / "scripts"), str(weights), str(onnx)],
                       check=True)
    return photos, listing, weights, onnx, len(files)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", default="/tmp/vggbatch-compare-pipelines")
    parser.add_argument("--corpus", default="/tmp/vggbatch-phone-corpus")
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--photos", help="a folder of photos instead of the phone corpus")
    parser.add_argument("--format", default="jpeg", choices=sorted(SUFFIX), help="the phone corpus's format")
    parser.add_argument("--repeat", type=int, default=15, help="with --photos: copies of each photo")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--python-pipeline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--files-from", help=argparse.SUPPRESS)
    parser.add_argument("--onnx", help=argparse.SUPPRESS)
    parser.add_argument("--draft", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.python_pipeline:
        return python_pipeline(arguments)

    photos, listing, weights, onnx, count = prepare(arguments)
    work = Path(arguments.work)
    env = dict(os.environ, XDG_CACHE_HOME=str(work / "cache"))
    rounds = []
    for round_index in range(arguments.rounds):
        result = {}
        database = work / "scan.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(str(database) + suffix).unlink(missing_ok=True)
        output, rss = timed_child(
            [str(VGGBATCH), "scan", str(photos), "--db", str(database), "--weights", str(weights), "--json",
             "--threads", str(arguments.threads), "--batch-size", str(arguments.batch)], env)
        summary = last_json(output)
        result["scan"] = {
            "images_per_second": summary["images_per_second"], "peak_rss_bytes": rss,
            "decode_core_seconds": summary["decode_core_seconds"], "engine_core_seconds": summary["engine_core_seconds"],
            "core_seconds": summary["core_seconds"], "images": summary["computed"],
        }
        output, rss = timed_child(
            [str(VGGBATCH), "bench", "--weights", str(weights), "--batch-size", str(arguments.batch), "--threads",
             str(arguments.threads), "--iterations", str(max(3, count // arguments.batch // 2)), "--json"], env)
        bench = last_json(output)
        result["bench"] = {"images_per_second": bench["images_per_second"], "peak_rss_bytes": rss}
        for name, draft in (("pillow", False), ("pillow-draft", True))[:2 if arguments.format == "jpeg" else 1]:
            command = [sys.executable, __file__, "--python-pipeline", "--files-from", str(listing), "--onnx", str(onnx),
                       "--threads", str(arguments.threads), "--batch", str(arguments.batch)] + (["--draft"] if draft else [])
            output, rss = timed_child(command)
            python = last_json(output)
            python["peak_rss_bytes"] = rss + python.pop("worker_peak_rss_bytes")
            result[name] = python
        rounds.append(result)
        print(f"round {round_index + 1}: " + ", ".join(f"{k} {v['images_per_second']:.2f} img/s" for k, v in result.items()),
              file=sys.stderr, flush=True)

    def median(name, key):
        return statistics.median(r[name][key] for r in rounds)

    def per_image_ms(name, key):
        return statistics.median(1000 * r[name][key] / r[name]["images"] for r in rounds)

    cpu = next((l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
                if l.startswith("Model name:")), platform.processor())
    print(f"{count} files from {photos}, {arguments.rounds} rounds, batch {arguments.batch}, {arguments.threads} threads; "
          f"{cpu}, {datetime.date.today()}; medians")
    print()
    print("| pipeline | images/s | core-ms per image: decode | engine | other | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    reference = "pillow-heif" if arguments.format == "heic" else "Pillow"
    labels = {
        "scan": "`vggbatch scan` (decode, resize, engine, SQLite)", "bench": "`vggbatch bench` (engine only)",
        "pillow": f"{reference} full decode → ONNX Runtime (2 + 2 threads)", "pillow-draft": "the same with Pillow `draft()`",
    }
    for name, label in labels.items():
        if name not in rounds[0]:
            continue
        if name == "bench":
            print(f"| {label} | {median(name, 'images_per_second'):.2f} | | {1000 * arguments.threads / median(name, 'images_per_second'):.0f} | | "
                  f"{median(name, 'peak_rss_bytes') / 1e6:.0f} |")
            continue
        decode = per_image_ms(name, "decode_core_seconds")
        engine = per_image_ms(name, "engine_core_seconds")
        other = per_image_ms(name, "core_seconds") - decode - engine
        print(f"| {label} | {median(name, 'images_per_second'):.2f} | {decode:.0f} | {engine:.0f} | {other:.0f} | "
              f"{median(name, 'peak_rss_bytes') / 1e6:.0f} |")
    print()
    ratios = {
        "scan / bench": [r["scan"]["images_per_second"] / r["bench"]["images_per_second"] for r in rounds],
        f"scan / {reference} + ORT": [r["scan"]["images_per_second"] / r["pillow"]["images_per_second"] for r in rounds],
    }
    if "pillow-draft" in rounds[0]:
        ratios["scan / Pillow draft() + ORT"] = [r["scan"]["images_per_second"] / r["pillow-draft"]["images_per_second"] for r in rounds]
    else:
        # The two-core bound: engine core time (bench) + the reference decoder's core time.
        bounds = [arguments.threads / (arguments.threads / r["bench"]["images_per_second"]
                                       + r["pillow"]["decode_core_seconds"] / r["pillow"]["images"]) for r in rounds]
        print(f"- two-core bound (engine core time + {reference}'s decode core time): median {statistics.median(bounds):.2f} images/s")
        ratios["scan / two-core bound"] = [r["scan"]["images_per_second"] / b for r, b in zip(rounds, bounds)]
    for name, values in ratios.items():
        print(f"- {name}: median {statistics.median(values):.3f} (rounds: {', '.join(f'{v:.3f}' for v in values)})")
    if arguments.json:
        print(json.dumps({"rounds": rounds, "cpu": cpu, "date": str(datetime.date.today())}))


if __name__ == "__main__":
    main()
