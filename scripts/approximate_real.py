#!/usr/bin/env python3
"""Approximate answers against exact ones on real descriptors: the trained VGG16 base over a
copy-detection set.

    pip install numpy pillow h5py onnx safetensors
    swift build -c release --product vggbatch
    python3 scripts/approximate_real.py [--photos DIR ...] [--weights FILE]

Every photo (default samples/; more folders with --photos) is copied into a folder with 8
edited copies each (scripts/photo_edits.py, as scripts/copy_detection.py makes them), the
folder is indexed with the trained ImageNet VGG16 convolution base (scripts/trained_base.py)
and an approximate index is built (`vggbatch index build`; its own size threshold set to 0
so that it answers). Then every indexed image is a query of `similar` (R-MAC and GeM, 10
results), once approximately and once with --exact, and `duplicates --pairs` runs both
ways: prints how many answers and pairs differ (the goal: none) and the recall the build
measured.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import copy_detection
import photo_edits as edits
import trained_base

# The copy-detection set's edits, the same as scripts/copy_detection.py makes.
EDITS = copy_detection.EDITS


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", action="append", default=None, help="folders of photos (default: samples/)")
    parser.add_argument("--weights", help="default: the trained VGG16 convolution base (Keras _notop HDF5)")
    arguments = parser.parse_args()
    weights = arguments.weights or trained_base.ensure()["keras"]
    folders = arguments.photos or [str(edits.REPO / "samples")]
    originals, seen = [], set()
    for folder in folders:
        for path in sorted(Path(folder).iterdir()):
            if path.suffix.lower() in (".jpg", ".jpeg", ".png") and path.name not in seen:
                seen.add(path.name)
                originals.append(path)
    vggbatch = str(edits.VGGBATCH)
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "photos"
        folder.mkdir()
        edits.write_edited_folder(originals, EDITS, folder, quality=lambda kind: 30 if kind == "q30" else 90)
        environment = dict(os.environ, VGGBATCH_DB=str(Path(work) / "index.sqlite"), VGGBATCH_WEIGHTS=str(weights),
                           VGGBATCH_APPROXIMATE_ABOVE="0", XDG_CACHE_HOME=str(Path(work) / "cache"))

        def run(*arguments):
            return subprocess.run([vggbatch, *arguments], env=environment, check=True, capture_output=True, text=True)

        run("scan", str(folder))
        built = run("index", "build", "--feature", "rmac").stdout + run("index", "build", "--feature", "gem").stdout
        images = sorted(str(p) for p in folder.iterdir())
        differing = {}
        for kind in ("rmac", "gem"):
            differing[kind] = 0
            for image in images:
                approximate = run("similar", "--feature", kind, "--limit", "10", image)
                exact = run("similar", "--feature", kind, "--limit", "10", "--exact", image)
                if "approximately" not in approximate.stderr:
                    sys.exit(f"the approximate index did not answer: {approximate.stderr}")
                if approximate.stdout != exact.stdout:
                    differing[kind] += 1
        pairs_approximate = run("duplicates", "--json", "--pairs").stdout
        pairs_exact = run("duplicates", "--json", "--pairs", "--exact").stdout
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "")
    print(f"{len(images)} images ({len(originals)} photos and 8 edited copies of each), weights {Path(weights).name}, {cpu}")
    print(built.strip())
    for kind, count in differing.items():
        print(f"similar --feature {kind}: {count} of {len(images)} answers differ from the exact ones")
    approximate, exact = json.loads(pairs_approximate), json.loads(pairs_exact)
    found = {(p["a"], p["b"], p["score"]) for p in approximate["pairs"]}
    wanted = {(p["a"], p["b"], p["score"]) for p in exact["pairs"]}
    print(f"duplicates --pairs (R-MAC): {len(wanted)} exact pairs, {len(wanted & found)} found through the cells, "
          f"{len(found - wanted)} not among them; groups {'the same' if approximate['near'] == exact['near'] else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
