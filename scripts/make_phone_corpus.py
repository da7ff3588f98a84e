#!/usr/bin/env python3
"""Write a reproducible corpus of phone-like 12 MP JPEGs made from the sample photos.

    pip install numpy pillow
    python3 scripts/make_phone_corpus.py --count 48 --output /tmp/vggbatch-phone-corpus

Each file is a sample photo (cycled in name order) resized to 4000x3000 (3000x4000 for
portrait sources) with Pillow's bicubic filter, with seeded Gaussian sensor-like noise
(sigma 3 grey levels) so it compresses like a camera file (~3-5 MB) rather than like a
smooth upscale, then saved as a camera does: quality cycling 85, 90, 95; 4:2:0 chroma
subsampling for most files and 4:4:4 for every fourth; every third file progressive; and
an EXIF orientation tag on every other file (the pixels stored rotated to match, as a phone
held sideways stores them, so the upright picture is the same for every tag). File i is
always the same bytes for the same --seed. Nothing is written into the repository.

--formats heic,avif,webp,tiff (or any of jpeg,heic,avif,webp,tiff) writes each picture in
those formats too, as phone-000.heic and so on: the upright picture (no orientation), HEIC
through pillow-heif (x265, quality 90), AVIF through Pillow (libaom, quality 90, speed 8),
WebP quality 90, TIFF with LZW. `pip install pillow-heif` for HEIC; Pillow 11.2+ for AVIF.
"""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parent.parent
# EXIF orientation → the transpose that stores an upright picture so that applying the tag
# gives it back.
STORED = {
    1: None,
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
}
ORIENTATIONS = [1, 6, 1, 3, 1, 8]
SUFFIX = {"jpeg": "jpg", "heic": "heic", "avif": "avif", "webp": "webp", "tiff": "tif"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--output", default="/tmp/vggbatch-phone-corpus")
    parser.add_argument("--samples", default=str(REPO / "samples"))
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--formats", default="jpeg", help="comma-separated: jpeg,heic,avif,webp,tiff")
    arguments = parser.parse_args()
    formats = [f for f in arguments.formats.split(",") if f]
    unknown = set(formats) - set(SUFFIX)
    if unknown:
        parser.error(f"unknown formats {', '.join(sorted(unknown))} (jpeg, heic, avif, webp, tiff)")
    if "heic" in formats:
        import pillow_heif
        pillow_heif.register_heif_opener()

    sources = sorted(p for p in Path(arguments.samples).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    output = Path(arguments.output)
    output.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(arguments.seed)
    for i in range(arguments.count):
        source = sources[i % len(sources)]
        noise = rng.normal(0, 3, (3000, 4000, 3)).astype(np.float32)
        paths = {f: output / f"phone-{i:03d}.{SUFFIX[f]}" for f in formats}
        if all(p.exists() for p in paths.values()):
            continue  # same seed, same bytes: the noise draw above keeps later files identical
        upright = ImageOps.exif_transpose(Image.open(source)).convert("RGB")
        portrait = upright.height > upright.width
        size = (3000, 4000) if portrait else (4000, 3000)
        pixels = np.asarray(upright.resize(size, Image.BICUBIC), dtype=np.float32)
        pixels += noise.transpose(1, 0, 2) if portrait else noise
        picture = Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8))
        for kind, path in paths.items():
            if path.exists():
                continue
            if kind == "jpeg":
                save_jpeg(picture, path, i)
            elif kind == "heic":
                picture.save(path, "HEIF", quality=90)
            elif kind == "avif":
                picture.save(path, "AVIF", quality=90, speed=8)
            elif kind == "webp":
                picture.save(path, "WEBP", quality=90)
            else:
                picture.save(path, "TIFF", compression="tiff_lzw")
            print(path, f"{path.stat().st_size / 1e6:.1f} MB")


def save_jpeg(picture, path, i):
    """As a camera saves it: stored turned, with the EXIF orientation that turns it back."""
    orientation = ORIENTATIONS[i % len(ORIENTATIONS)]
    if STORED[orientation] is not None:
        picture = picture.transpose(STORED[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    picture.save(
        path, "JPEG", quality=[85, 90, 95][i % 3], subsampling=0 if i % 4 == 3 else 2,
        progressive=i % 3 == 2, exif=exif.tobytes())

if __name__ == "__main__":
    main()
