#!/usr/bin/env python3
"""Choose the near-duplicate threshold of `vggbatch duplicates` for each kind of vector.

    pip install numpy pillow h5py onnx safetensors
    swift build -c release
    python3 scripts/calibrate_duplicates.py                  # trained VGG16 base, samples/
    python3 scripts/calibrate_duplicates.py --weights FILE --photos DIR

Makes edited copies of every photo (half size, JPEG quality 50, crop to 80%, rotation by 3
degrees, brightness +20% and -20%, a caption band; scripts/photo_edits.py), indexes
originals and copies with the weights (default: the trained ImageNet VGG16 convolution base
of scripts/trained_base.py) into a temporary index, exports the vectors, and prints for each
kind (pool5 flattened or fc7, GeM, R-MAC) the lowest and median cosine between a photo and
each kind of copy, and the highest and median cosine between different photos (the Grace
Hopper samples are one photo in three versions: relatives, not unrelated). The threshold
printed is the midpoint of the gap between the highest unrelated score and the lowest
edited one, rounded to 0.01, when there is a gap; those values are what
Sources/VGGQuery/SearchDefaults.swift holds.
"""

import argparse
import datetime
import itertools
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import photo_edits as edits  # noqa: E402
import trained_base  # noqa: E402

EDITS = {
    "half-size": edits.half,
    "jpeg-q50": None,
    "crop-80": edits.crop(0.8),
    "rotate-3": edits.rotate(3),
    "brightness-plus20": edits.brightness(1.2),
    "brightness-minus20": edits.brightness(0.8),
    "caption": edits.caption,
}


def cosine(a, b):
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", help="default: the trained VGG16 convolution base (Keras _notop HDF5)")
    parser.add_argument("--photos", default=str(edits.REPO / "samples"))
    arguments = parser.parse_args()
    weights = arguments.weights or trained_base.ensure()["keras"]

    originals = sorted(p for p in Path(arguments.photos).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "photos"
        folder.mkdir()
        edits.write_edited_folder(originals, EDITS, folder, quality=lambda kind: 50 if kind == "jpeg-q50" else 90)
        vectors = edits.index_and_export(folder, weights)

    network = "fc7" if vectors[originals[0].name]["network"].size == 4096 else "pool5"
    print(f"Near-duplicate calibration, {datetime.date.today()}: {len(originals)} photos, "
          f"{len(vectors)} images, weights {Path(weights).name}")
    chosen = {}
    for kind, label in (("network", network), ("gem", "gem"), ("rmac", "rmac")):
        print(f"\n{label}:")
        lowest_edit = 1.0
        for edit in EDITS:
            scores = [cosine(vectors[p.name][kind], vectors[f"{p.name}--{edit}.jpg"][kind]) for p in originals]
            lowest_edit = min(lowest_edit, min(scores))
            print(f"  {edit:18} vs original: lowest {min(scores):.4f}, median {statistics.median(scores):.4f}")
        unrelated = [
            cosine(vectors[a.name][kind], vectors[b.name][kind])
            for a, b in itertools.combinations(originals, 2)
            if not (a.name in edits.RELATIVES and b.name in edits.RELATIVES)
        ]
        highest = max(unrelated)
        print(f"  unrelated photos:             highest {highest:.4f}, median {statistics.median(unrelated):.4f}")
        if highest < lowest_edit:
            chosen[label] = round((highest + lowest_edit) / 2, 2)
            print(f"  gap ({highest:.4f}, {lowest_edit:.4f}]: threshold {chosen[label]:.2f}")
        else:
            print("  edits and unrelated photos overlap: no threshold separates them on these photos")
    print("\n| vectors | threshold |\n|---|---:|")
    for label, value in chosen.items():
        print(f"| {label} | {value:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
