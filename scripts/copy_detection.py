#!/usr/bin/env python3
"""Which vectors find edited copies of a photo best: recall@1 and mAP on a copy-detection set.

    pip install numpy pillow h5py onnx safetensors
    swift build -c release
    python3 scripts/copy_detection.py                    # trained VGG16 base, samples/
    python3 scripts/copy_detection.py --photos DIR --weights FILE

The set is made from the photos (default samples/): each photo is a query, and the index
holds it with 8 edited copies (crop to 50% and to 80%, rotation by 8 degrees, half size,
JPEG quality 30, a colour shift, a caption band, a horizontal flip; scripts/photo_edits.py)
plus every other photo and its copies as distractors. The folder is indexed with vggbatch
(weights default: the trained ImageNet VGG16 convolution base of scripts/trained_base.py)
and exported; for each kind of vector (pool5 flattened or fc7, GeM, R-MAC, and each of those
after PCA-whitening learned from the index itself) every query ranks all other images by
cosine. Its 8 copies are the relevant answers; the other versions of the Grace Hopper photo
are neither right nor wrong and are left out of its ranking. Prints recall@1 (the best
answer is a copy), mAP, the mean rank of the worst copy and the median margin (a query's
lowest copy score minus its highest score for anything else: how safely one threshold
separates copies from the rest), as a Markdown table.
"""

import argparse
import datetime
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import photo_edits as edits  # noqa: E402
import trained_base  # noqa: E402

EDITS = {
    "crop50": edits.crop(0.5),
    "crop80": edits.crop(0.8),
    "rotate8": edits.rotate(8),
    "half": edits.half,
    "q30": None,
    "colour": edits.colour_shift,
    "caption": edits.caption,
    "flip": edits.flip,
}


def whitening(vectors, shrinkage=0.0):
    """PCA-whitening learned from `vectors` (rows): centre, rotate onto the principal axes,
    scale each by 1/sqrt(its variance + shrinkage × the mean variance); components with no
    variance are dropped. Shrinkage 0 is plain whitening; larger values whiten less."""
    mean = vectors.mean(0)
    centred = vectors - mean
    _, singular, axes = np.linalg.svd(centred, full_matrices=False)
    variance = singular ** 2 / max(1, len(vectors) - 1)
    keep = variance > variance.max() * 1e-6
    projection = axes[keep].T / np.sqrt(variance[keep] + shrinkage * variance[keep].mean())
    return lambda rows: edits.unit((rows - mean) @ projection)


def evaluate(names, matrix, groups, junk):
    """recall@1, mAP, mean worst-copy rank and median margin (lowest copy score minus highest
    other score) of every query (an original) over the others."""
    unit = edits.unit(matrix)
    scores = unit @ unit.T
    recalls, precisions, worst, margins = [], [], [], []
    for query, relevant in groups.items():
        q = names.index(query)
        order = [i for i in np.argsort(-scores[q], kind="stable") if i != q and names[i] not in junk.get(query, ())]
        hits = np.array([names[i] in relevant for i in order])
        recalls.append(float(hits[0]))
        ranks = np.flatnonzero(hits) + 1
        precisions.append(float(np.mean(np.arange(1, len(ranks) + 1) / ranks)))
        worst.append(int(ranks.max()))
        margins.append(float(scores[q, [i for i in order if hits[order.index(i)]]].min() - scores[q, [i for i in order if not hits[order.index(i)]]].max()))
    return np.mean(recalls), np.mean(precisions), np.mean(worst), float(np.median(margins))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", default=str(edits.REPO / "samples"))
    parser.add_argument("--weights", help="default: the trained VGG16 convolution base (Keras _notop HDF5)")
    arguments = parser.parse_args()
    weights = arguments.weights or trained_base.ensure()["keras"]

    originals = sorted(p for p in Path(arguments.photos).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    junk = {}
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "photos"
        folder.mkdir()
        groups = edits.write_edited_folder(originals, EDITS, folder, quality=lambda kind: 30 if kind == "q30" else 90)
        for name in groups:
            if name in edits.RELATIVES:
                junk[name] = {other for r in edits.RELATIVES - {name} for other in {r} | groups[r]}
        vectors = edits.index_and_export(folder, weights)
    names = sorted(vectors)
    missing = {n for g in groups.values() for n in g} - set(names)
    if missing:
        sys.exit(f"not indexed: {sorted(missing)[:5]}")

    results = []
    network = "fc7" if next(iter(vectors.values()))["network"].size == 4096 else "pool5"
    for kind, label in (("network", network), ("gem", "GeM"), ("rmac", "R-MAC")):
        matrix = np.stack([vectors[n][kind] for n in names])
        results.append((label, *evaluate(names, matrix, groups, junk)))
        if kind != "network":
            for shrinkage, name in ((0.0, "PCA-whitening"), (1.0, "shrunk whitening (1)"), (10.0, "shrunk whitening (10)")):
                results.append((f"{label} + {name}", *evaluate(names, whitening(matrix, shrinkage)(matrix), groups, junk)))

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "")
    print(f"Copy detection, {datetime.date.today()}, {cpu}: {len(groups)} queries, {len(names)} images, "
          f"8 copies a query, weights {Path(weights).name}")
    print()
    print("| vectors | recall@1 | mAP | mean rank of the worst copy | median margin |")
    print("|---|---:|---:|---:|---:|")
    for label, recall, mean_ap, worst, margin in results:
        print(f"| {label} | {recall:.3f} | {mean_ap:.3f} | {worst:.1f} | {margin:+.3f} |")


if __name__ == "__main__":
    main()
