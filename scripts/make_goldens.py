#!/usr/bin/env python3
"""Write the Pillow reference images that VGGImaging's resize tests compare against.

For each source photo (and two synthetic images generated here) this writes, as 8-bit RGB
PNG files in Tests/VGGImagingTests/Fixtures/golden/:

  <stem>.squash.png       img.convert("RGB").resize((224, 224), Image.BILINEAR)
  <stem>.center-crop.png  torchvision's evaluation transform done with Pillow: resize so the
                          short side is 256 (long side int(256 * long / short)) with
                          Image.BILINEAR, then crop the central 224 x 224 with
                          top = int(round((h - 224) / 2)), left likewise (Python's round,
                          halves to even)

plus README.md describing the files, the Pillow version and the SHA-256 of every source.

Run from the repository root, with Pillow installed:

    python3 scripts/make_goldens.py                      # sources from samples/
    python3 scripts/make_goldens.py --sources DIR        # sources from another directory

The outputs are committed; the Swift tests read them and never need Python. Re-run only
when a source or the reference behaviour changes, and commit the result with the Pillow
version it records. Pillow 13 changed the order of the two resize passes for images whose
height shrinks much more than their width, so goldens from an older Pillow differ slightly
for such images.

JPEG sources are decoded by Pillow's bundled libjpeg-turbo, which may round differently
from the system libjpeg the tests use; the tests allow for that (mean difference <= 1).

The synthetic images need no file: pixel (x, y) channel c is
((x * 73856093) ^ (y * 19349663) ^ (c * 83492791)) % 256, which the Swift tests rebuild
with the same formula. synthetic-300x900 is tall enough that both policies run Pillow's
vertical pass first; synthetic-770x512's centre crop has an odd margin (385 - 224 = 161),
where Python's round-half-to-even picks left = 80.
"""

import argparse
import hashlib
import sys
from pathlib import Path

import PIL
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCES = REPO / "samples"
DEFAULT_OUTPUT = REPO / "Tests" / "VGGImagingTests" / "Fixtures" / "golden"

SIZE = 224

# Photos the Swift golden tests decode from samples/.
PHOTOS = [
    "pillow-hopper.png",  # 128x128: upscaling
    "skimage-chelsea.png",  # 451x300
    "skimage-coffee.png",  # 600x400
    "skimage-astronaut.png",  # 512x512
    "skimage-camera.png",  # 512x512 grey
    "sklearn-china.jpg",  # 640x427
    "skimage-rocket.jpg",
]

SYNTHETIC = [(300, 900), (770, 512)]


def synthetic(width, height):
    """The synthetic test pattern; the Swift tests compute the same bytes."""
    data = bytearray(width * height * 3)
    i = 0
    for y in range(height):
        for x in range(width):
            for c in range(3):
                data[i] = ((x * 73856093) ^ (y * 19349663) ^ (c * 83492791)) % 256
                i += 1
    return Image.frombytes("RGB", (width, height), bytes(data))


def squash(img):
    return img.resize((SIZE, SIZE), Image.BILINEAR)


def center_crop(img):
    """torchvision Resize(256) + CenterCrop(224) on a PIL image, written out."""
    resize_short = int(round(SIZE * 256 / 224))
    width, height = img.size
    short, long = (width, height) if width <= height else (height, width)
    new_long = int(resize_short * long / short)
    new_size = (resize_short, new_long) if width <= height else (new_long, resize_short)
    resized = img.resize(new_size, Image.BILINEAR)
    top = int(round((new_size[1] - SIZE) / 2.0))
    left = int(round((new_size[0] - SIZE) / 2.0))
    return resized.crop((left, top, left + SIZE, top + SIZE)), new_size, (left, top)


def write(img, path):
    assert img.mode == "RGB" and img.size == (SIZE, SIZE)
    img.save(path, format="PNG", optimize=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES,
                        help="directory holding the source photos (default: samples/)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="directory for the golden PNGs and README.md")
    args = parser.parse_args()

    missing = [name for name in PHOTOS if not (args.sources / name).is_file()]
    if missing:
        sys.exit(f"missing sources in {args.sources}: {', '.join(missing)}")
    args.output.mkdir(parents=True, exist_ok=True)

    rows = []
    inputs = []
    for name in PHOTOS:
        path = args.sources / name
        with Image.open(path) as opened:
            # All these sources are stored upright, so this is a no-op today; it keeps the
            # goldens matching the decoder's upright output if a rotated source is added.
            img = ImageOps.exif_transpose(opened).convert("RGB")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        inputs.append((Path(name).stem, name, img, f"sha256 `{digest[:16]}…`"))
    for width, height in SYNTHETIC:
        stem = f"synthetic-{width}x{height}"
        inputs.append((stem, stem, synthetic(width, height), "generated (formula above)"))

    for stem, source, img, origin in inputs:
        write(squash(img), args.output / f"{stem}.squash.png")
        cropped, resized, (left, top) = center_crop(img)
        write(cropped, args.output / f"{stem}.center-crop.png")
        rows.append(f"| `{source}` | {img.size[0]}x{img.size[1]} | {origin} "
                    f"| {resized[0]}x{resized[1]}, crop at ({left}, {top}) |")
        print(f"{stem}: {img.size[0]}x{img.size[1]} -> squash, "
              f"center-crop via {resized[0]}x{resized[1]} at ({left}, {top})")

    readme = f"""# Golden resize outputs from Pillow

Generated by `scripts/make_goldens.py` with Pillow {PIL.__version__}; do not edit by hand,
re-run the script instead (see its docstring). The Swift tests in
`ResamplerTests.swift` compare `ResizePolicy.apply(to:size:)` against these files.

For each source `<stem>`, both 224x224 8-bit RGB PNG:

- `<stem>.squash.png`: `img.convert("RGB").resize((224, 224), Image.BILINEAR)`.
- `<stem>.center-crop.png`: torchvision's evaluation transform done with Pillow: resize
  with `Image.BILINEAR` so the short side is 256 and the long side is
  `int(256 * long / short)`, then crop 224x224 at `left = int(round((w - 224) / 2))`,
  `top` likewise (Python's `round`, halves to even).

Photos are read from `samples/` by the tests. JPEG sources were decoded by
Pillow's bundled libjpeg-turbo; the project's decoder may round a few pixels differently,
which the tests' tolerance (mean absolute difference <= 1 per channel) covers. PNG and
synthetic sources are expected to match exactly. Synthetic sources have no file: pixel
(x, y) channel c is `((x * 73856093) ^ (y * 19349663) ^ (c * 83492791)) % 256`, and the
tests rebuild them with the same formula.

The `preprocess-*.safetensors` files beside these are written by
`scripts/make_engine_goldens.py`: whole network inputs (resize and preset) computed the
torchvision and Keras way, compared by `PreprocessGoldenTests.swift`.

| Source | Size | Origin | Center-crop resize |
|---|---|---|---|
""" + "\n".join(rows) + "\n"
    (args.output / "README.md").write_text(readme)


if __name__ == "__main__":
    main()
