#!/usr/bin/env python3
"""Decode fidelity of the HEIC, AVIF, WebP and TIFF decoders, and `duplicates` on twins.

    pip install numpy pillow pillow-heif onnx onnxruntime       # Pillow 11.2+ reads AVIF
    swift build -c release
    python3 scripts/trained_base.py
    python3 scripts/format_fidelity.py [--size 2000] [--work /tmp/vggbatch-format-fidelity]

Each sample photo (samples/, its EXIF orientation applied), scaled so its long side is
--size, is written five times: JPEG (quality 95), HEIC (pillow-heif, quality 90), AVIF
(Pillow, quality 90), WebP (quality 90) and TIFF (LZW). Then:

1. Decoder fidelity: every file through vggbatch's own preparation (`vggbatch-bench
   prepare`: its decoder, reduced decoding where the format allows, its resize) against the
   same file through a reference decoder (pillow-heif for HEIC, Pillow for the others, full
   size, Pillow's bilinear resize): the pool5 cosine on the trained VGG16 base
   (scripts/trained_base.py), per format, min and median. The format's own loss is not in
   it: both sides read the same bytes.
2. Twins: the folder scanned with the trained base (`vggbatch scan --weights ...`), then
   `vggbatch duplicates --json` with its default descriptor: every photo must come out in
   one group with exactly its four twins, and no group may hold two photos.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))
import trained_base  # noqa: E402
from preprocess_fidelity import cosines, pool5, reference_input  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
RELEASE = REPO / ".build" / "release"
FORMATS = [("jpg", "JPEG", {"quality": 95}), ("heic", "HEIF", {"quality": 90}), ("avif", "AVIF", {"quality": 90}),
           ("webp", "WEBP", {"quality": 90}), ("tif", "TIFF", {"compression": "tiff_lzw"})]


def write_corpus(work, size):
    import pillow_heif

    pillow_heif.register_heif_opener()
    folder = work / f"twins-{size}"
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in (REPO / "samples").iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    for source in sources:
        image = ImageOps.exif_transpose(Image.open(source)).convert("RGB")
        # The numbers only: a source's colour profile (the rocket's Adobe RGB) would have the
        # writers copy it, and vggbatch convert it where the reference does not.
        image.info.pop("icc_profile", None)
        scale = size / max(image.size)
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.BICUBIC)
        for suffix, kind, options in FORMATS:
            target = folder / f"{source.stem}.{suffix}"
            if not target.exists():
                image.save(target, format=kind, **options)
    return folder


def reference(path):
    """The reference decoder's 224×224 view of `path` (pillow-heif registers HEIF with Pillow)."""
    return reference_input(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--work", default="/tmp/vggbatch-format-fidelity")
    arguments = parser.parse_args()
    work = Path(arguments.work)
    folder = write_corpus(work, arguments.size)
    files = sorted(folder.iterdir())

    prepared = work / "prepared.rgb"
    subprocess.run([str(RELEASE / "vggbatch-bench"), "prepare", "--output", str(prepared)] + [str(f) for f in files], check=True)
    ours = np.fromfile(prepared, dtype=np.uint8).reshape(len(files), 224, 224, 3)
    theirs = np.stack([reference(f) for f in files])
    paths = trained_base.ensure()
    session = trained_base.session(paths)
    similarity = cosines(pool5(session, list(ours)), pool5(session, list(theirs)))
    print(f"decoder fidelity, pool5 cosine on the trained base, {len(files) // len(FORMATS)} photos at {arguments.size} px:")
    for suffix, kind, _ in FORMATS:
        values = np.array([s for f, s in zip(files, similarity) if f.suffix == f"." + suffix])
        print(f"  {suffix:5s} min {values.min():.6f}  median {np.median(values):.6f}")

    index = work / "twins.sqlite"
    for leftover in work.glob("twins.sqlite*"):
        leftover.unlink()
    scan = subprocess.run([str(RELEASE / "vggbatch"), "scan", str(folder), "--db", str(index), "--weights", str(paths["safetensors"])],
                          capture_output=True, text=True)
    if scan.returncode != 0:
        sys.exit(scan.stderr)
    found = json.loads(subprocess.run([str(RELEASE / "vggbatch"), "duplicates", "--db", str(index), "--json"], check=True,
                                      capture_output=True, text=True).stdout)
    groups = []
    for group in found["near"]:
        members = [group["representative"]["path"]] + [m["path"] for m in group["members"]]
        groups.append(sorted(Path(m).name for m in members))
    stems = {Path(f).stem for f in files}
    complete = [g for g in groups if len({Path(n).stem for n in g}) == 1 and len(g) == len(FORMATS)]
    mixed = [g for g in groups if len({Path(n).stem for n in g}) > 1]
    print(f"duplicates ({found['feature']} ≥ {found['threshold']}): {len(groups)} groups, {len(complete)} of {len(stems)} photos "
          f"with all {len(FORMATS)} files, {len(mixed)} groups mixing photos")
    for group in groups:
        if group not in complete:
            print("   ", ", ".join(group))


if __name__ == "__main__":
    main()
