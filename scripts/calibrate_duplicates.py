#!/usr/bin/env python3
"""Measure fc7 cosines of edited copies against unrelated photos, to choose the
near-duplicate threshold of `vggbatch duplicates` for a weights file.

    python3 scripts/calibrate_duplicates.py --weights ~/.cache/vggbatch/vgg16.tv_in1k.safetensors

Makes three edited copies of every photo in samples/ (half size, JPEG quality 50, centre
crop to 80%), indexes originals and copies with the given weights into a temporary index,
exports the fc7 vectors and prints, per kind of edit, the lowest and median cosine between
a photo and its copy, and the highest and median cosine between different photos (the
three Grace Hopper samples are one photo in three versions, so they count as relatives,
not as unrelated). A threshold between the highest unrelated and the lowest edited score
separates them on these photos.

Needs Pillow (`pip install pillow`) and a release build (`swift build -c release`).
"""

import argparse
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parent.parent
EDITS = {
    "half size": lambda im: im.resize((max(1, im.width // 2), max(1, im.height // 2)), Image.LANCZOS),
    "jpeg q50": None,  # written with quality 50, unchanged otherwise
    "crop 80%": lambda im: im.crop((im.width // 10, im.height // 10, im.width - im.width // 10, im.height - im.height // 10)),
}
RELATIVES = {"pillow-hopper.jpg", "pillow-hopper.png", "mpl-grace_hopper.jpg"}


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(x * x for x in b))
    return dot / (na * nb) if na > 0 and nb > 0 else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--vggbatch", default=str(REPO / ".build" / "release" / "vggbatch"))
    arguments = parser.parse_args()

    originals = sorted(p for p in (REPO / "samples").iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    with tempfile.TemporaryDirectory() as work:
        photos = Path(work) / "photos"
        photos.mkdir()
        for path in originals:
            (photos / path.name).write_bytes(path.read_bytes())
            image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
            for kind, edit in EDITS.items():
                edited = edit(image) if edit else image
                name = f"{path.name}--{kind.replace(' ', '-').replace('%', '')}.jpg"
                edited.save(photos / name, quality=50 if kind == "jpeg q50" else 90)
        database = Path(work) / "index.sqlite"
        environment = dict(os.environ, VGGBATCH_DB=str(database), VGGBATCH_WEIGHTS=arguments.weights)
        subprocess.run([arguments.vggbatch, "scan", str(photos)], env=environment, check=True)
        exported = subprocess.run(
            [arguments.vggbatch, "export", "--format", "jsonl", "--features"], env=environment, check=True,
            capture_output=True, text=True).stdout
    vectors = {Path(row["path"]).name: row["fc7"] for row in map(json.loads, exported.splitlines())}

    print(f"{len(originals)} photos, {len(vectors)} images indexed with {arguments.weights}")
    lowest_edit = 1.0
    for kind in EDITS:
        suffix = f"--{kind.replace(' ', '-').replace('%', '')}.jpg"
        scores = [cosine(vectors[p.name], vectors[p.name + suffix]) for p in originals]
        lowest_edit = min(lowest_edit, min(scores))
        print(f"  {kind:10} vs original: lowest {min(scores):.4f}, median {statistics.median(scores):.4f}")
    unrelated = [
        cosine(vectors[a.name], vectors[b.name])
        for a, b in itertools.combinations(originals, 2)
        if not (a.name in RELATIVES and b.name in RELATIVES)
    ]
    highest = max(unrelated)
    print(f"  unrelated photos:     highest {highest:.4f}, median {statistics.median(unrelated):.4f}")
    if highest < lowest_edit:
        print(f"any threshold in ({highest:.4f}, {lowest_edit:.4f}] separates edits from unrelated photos; "
              f"midpoint {(highest + lowest_edit) / 2:.3f}")
    else:
        print("edits and unrelated photos overlap: no threshold separates them on these photos")
    return 0


if __name__ == "__main__":
    sys.exit(main())
