#!/usr/bin/env python3
"""What converting embedded colour profiles to sRGB changes on pool5 of the trained base.

    python3 scripts/color_profile_effect.py [PHOTO_FOLDER ...]   (default: samples/)

Each photo (sRGB) is re-encoded as a Display P3 photo, the way an iPhone stores the same
colours (`scripts/display_p3.py`'s profile, lcms2 through Pillow). That file is then read
twice: its numbers taken as they are (what torchvision, Keras and Pillow do by default: the
profile ignored), and converted back to sRGB through its profile. Printed: the pool5 cosine
between the two readings, per photo and summarised; and between the converted reading and
the original sRGB photo (the conversion's own round-trip loss).
"""

import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))
import display_p3  # noqa: E402
import trained_base  # noqa: E402
from preprocess_fidelity import cosines, pool5  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def photos(folders):
    for folder in folders:
        for path in sorted(Path(folder).iterdir()):
            if path.suffix.lower() in (".jpg", ".jpeg", ".png"):
                yield path


def main():
    folders = sys.argv[1:] or [REPO / "samples"]
    srgb = ImageCms.createProfile("sRGB")
    p3 = ImageCms.ImageCmsProfile(io.BytesIO(display_p3.profile()))
    to_p3 = ImageCms.buildTransform(srgb, p3, "RGB", "RGB", ImageCms.Intent.PERCEPTUAL)
    to_srgb = ImageCms.buildTransform(p3, srgb, "RGB", "RGB", ImageCms.Intent.PERCEPTUAL)
    names, original, ignored, converted = [], [], [], []
    for path in photos(folders):
        image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        p3_pixels = ImageCms.applyTransform(image, to_p3)
        back = ImageCms.applyTransform(p3_pixels, to_srgb)
        for target, picture in ((original, image), (ignored, p3_pixels), (converted, back)):
            target.append(np.asarray(picture.resize((224, 224), Image.BILINEAR), dtype=np.uint8))
        names.append(path.name)
    session = trained_base.session(trained_base.ensure())
    a, b, c = pool5(session, original), pool5(session, ignored), pool5(session, converted)
    ignoring = cosines(b, c)
    round_trip = cosines(c, a)
    for name, x, y in zip(names, ignoring, round_trip):
        print(f"{name:40s} ignored vs converted {x:.5f}   converted vs sRGB original {y:.5f}")
    print(f"{len(names)} photos: pool5 cosine, profile ignored vs converted: median {np.median(ignoring):.5f}, "
          f"min {ignoring.min():.5f}; converted vs the sRGB original: median {np.median(round_trip):.5f}, min {round_trip.min():.5f}")


if __name__ == "__main__":
    main()
