#!/usr/bin/env python3
"""How close vggbatch's preprocessing keeps trained features to a full-size decode.

    pip install numpy pillow h5py onnx onnxruntime safetensors
    swift build -c release
    python3 scripts/make_phone_corpus.py --count 12 --output /tmp/vggbatch-phone-corpus
    python3 scripts/preprocess_fidelity.py --photos samples --photos /tmp/vggbatch-phone-corpus

For every photo, the reference is what a torchvision or Keras user computes: Pillow decodes
the whole file, applies the EXIF orientation (and composites transparency over white, as
vggbatch does) and resizes to 224x224 with its (antialiased)
bilinear filter. Each DCT rule (--rule, as `vggbatch-bench imaging` names them) makes the
224x224 input with vggbatch's own decoder and resampler (`vggbatch-bench prepare`). Both go
through the trained ImageNet VGG16 convolution base (scripts/trained_base.py) in ONNX
Runtime, and the script prints, per rule and folder, the worst and median cosine of pool5
against the reference, the worst photo, and the milliseconds per JPEG of decode + resize on
one core for the corpus files (`vggbatch-bench imaging --large`), as a Markdown table.
"""

import argparse
import datetime
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))
import trained_base  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / ".build" / "release" / "vggbatch-bench"


def reference_input(path):
    image = ImageOps.exif_transpose(Image.open(path))
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # vggbatch composites transparency over white; plain convert("RGB") would show the
        # colours under it, a difference of policy rather than of decoding.
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    image = image.convert("RGB")
    return np.asarray(image.resize((224, 224), Image.BILINEAR), dtype=np.uint8)


def pool5(session, images):
    batch = np.stack([trained_base.caffe_input(image) for image in images])
    outputs = []
    for start in range(0, len(batch), 8):
        outputs.append(session.run(["pool5"], {"input": batch[start:start + 8]})[0])
    return np.concatenate(outputs).reshape(len(images), -1)


def cosines(a, b):
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def vggbatch_inputs(rule, files, work):
    output = Path(work) / f"prepared-{rule}.rgb"
    subprocess.run([str(BENCH), "prepare", "--rule", rule, "--output", str(output)] + [str(f) for f in files], check=True)
    return np.fromfile(output, dtype=np.uint8).reshape(len(files), 224, 224, 3)


def milliseconds(rules, large, repetitions):
    if not large:
        return {}
    command = [str(BENCH), "imaging", "--json", "--repetitions", str(repetitions)]
    for rule in rules:
        command += ["--rule", rule]
    for path in large:
        command += ["--large", str(path)]
    rows = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    return {row["rule"]: row["medianMilliseconds"] for row in rows if row["name"].startswith("--large")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", action="append", help="folder of photos (repeatable; default samples)")
    parser.add_argument("--rule", action="append", help="DCT rules (default: off 1x 2x 2x-eighths 3x-eighths default)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repetitions", type=int, default=5)
    arguments = parser.parse_args()
    folders = [Path(f) for f in (arguments.photos or [str(REPO / "samples")])]
    rules = arguments.rule or ["off", "1x", "2x", "2x-eighths", "3x-eighths", "default"]

    paths = trained_base.ensure()
    session = trained_base.session(paths, arguments.threads)
    results = {}
    large = []
    with tempfile.TemporaryDirectory() as work:
        for folder in folders:
            files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
            large += [p for p in files if p.suffix.lower() in (".jpg", ".jpeg") and p.stat().st_size > 1_000_000]
            reference = pool5(session, [reference_input(f) for f in files])
            for rule in rules:
                scores = cosines(pool5(session, list(vggbatch_inputs(rule, files, work))), reference)
                worst = int(np.argmin(scores))
                results[(folder.name, rule)] = (float(scores.min()), float(np.median(scores)), files[worst].name, len(files))
    timing = milliseconds(rules, large[:12], arguments.repetitions)

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
    print(f"Preprocessing fidelity, {datetime.date.today()}, {cpu}; pool5 of the trained VGG16 base, cosine against Pillow full decode + bilinear")
    print()
    print("| photos | DCT rule | worst cosine | median cosine | worst photo | ms per large JPEG (1 core) |")
    print("|---|---|---:|---:|---|---:|")
    for (folder, rule), (worst, median, name, count) in results.items():
        ms = timing.get(rule)
        print(f"| {folder} ({count}) | {rule} | {worst:.6f} | {median:.6f} | {name} | {'' if ms is None else f'{ms:.1f}'} |")


if __name__ == "__main__":
    main()
