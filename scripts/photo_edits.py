"""Edited copies of photos, shared by scripts/calibrate_duplicates.py and
scripts/copy_detection.py: the changes a photo goes through between two folders (resized,
recompressed, cropped, rotated, turned, brightened, greyed, captioned, flipped), each
deterministic.

`index_and_export(folder, weights)` indexes a folder with the release vggbatch into a
temporary index and returns each file's vectors by name: {"network", "gem", "rmac"}.
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

REPO = Path(__file__).resolve().parent.parent
VGGBATCH = REPO / ".build" / "release" / "vggbatch"
# The three Grace Hopper samples are one photo in three versions: relatives, never unrelated.
RELATIVES = {"pillow-hopper.jpg", "pillow-hopper.png", "mpl-grace_hopper.jpg"}


def upright(path):
    return ImageOps.exif_transpose(Image.open(path)).convert("RGB")


def crop(fraction):
    def edit(image):
        w, h = image.size
        cw, ch = max(1, round(w * fraction)), max(1, round(h * fraction))
        # Off-centre, as a person crops: towards the top left third.
        left, top = (w - cw) // 3, (h - ch) // 3
        return image.crop((left, top, left + cw, top + ch))
    return edit


def rotate(degrees):
    def edit(image):
        # Rotated about the centre and cropped to the largest upright rectangle inside, so no
        # black corners give the copy away.
        rotated = image.rotate(degrees, resample=Image.BICUBIC, expand=False)
        w, h = image.size
        angle = np.radians(abs(degrees))
        scale = 1 / (np.cos(angle) + np.sin(angle) * max(w, h) / min(w, h))
        cw, ch = int(w * scale), int(h * scale)
        return rotated.crop(((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch))
    return edit


def half(image):
    return image.resize((max(1, image.width // 2), max(1, image.height // 2)), Image.LANCZOS)


def brightness(factor):
    return lambda image: ImageEnhance.Brightness(image).enhance(factor)


def colour_shift(image):
    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels * np.array([1.08, 1.0, 0.9]) + np.array([6, 0, -6])
    return ImageEnhance.Color(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))).enhance(1.25)


def caption(image):
    edited = image.copy()
    draw = ImageDraw.Draw(edited)
    size = max(10, image.height // 10)
    font = ImageFont.load_default(size=size)
    text = "Summer 2026 - do not share"
    draw.rectangle((0, image.height - size * 1.4, image.width, image.height), fill=(0, 0, 0))
    draw.text((size * 0.3, image.height - size * 1.25), text, fill=(255, 255, 255), font=font)
    return edited


def flip(image):
    return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def quarter_turn(image):
    """Turned by 90 degrees, as a photo whose orientation was lost or fixed by hand."""
    return image.transpose(Image.Transpose.ROTATE_90)


def greyscale(image):
    return image.convert("L").convert("RGB")


def thumbnail(longest):
    def edit(image):
        scale = longest / max(image.size)
        return image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.LANCZOS)
    return edit


def save(image, path, quality=90):
    image.save(path, "JPEG", quality=quality)


def write_edited_folder(originals, edits, folder, quality=lambda kind: 90):
    """Copies each original into `folder` with one JPEG per edit, named ORIGINAL--KIND.jpg
    (an edit of None is the upright photo itself, saved at `quality(kind)`). Returns
    {original name: set of its copies' names}."""
    copies = {}
    for path in originals:
        (folder / path.name).write_bytes(path.read_bytes())
        image = upright(path)
        copies[path.name] = set()
        for kind, edit in edits.items():
            name = f"{path.name}--{kind}.jpg"
            save(edit(image) if edit else image, folder / name, quality=quality(kind))
            copies[path.name].add(name)
    return copies


def index_and_export(folder, weights, vggbatch=VGGBATCH):
    """{file name: {"network": vector, "gem": vector, "rmac": vector}} of every file in folder."""
    with tempfile.TemporaryDirectory() as work:
        environment = dict(os.environ, VGGBATCH_DB=str(Path(work) / "index.sqlite"), VGGBATCH_WEIGHTS=str(weights))
        subprocess.run([str(vggbatch), "scan", str(folder)], env=environment, check=True, capture_output=True)
        exported = subprocess.run(
            [str(vggbatch), "export", "--format", "jsonl", "--features"], env=environment, check=True,
            capture_output=True, text=True).stdout
    vectors = {}
    for row in map(json.loads, exported.splitlines()):
        vectors[Path(row["path"]).name] = {
            "network": np.asarray(row["fc7"], dtype=np.float32),
            "gem": np.asarray(row["gem"], dtype=np.float32),
            "rmac": np.asarray(row["rmac"], dtype=np.float32),
        }
    return vectors


def unit(matrix):
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)
