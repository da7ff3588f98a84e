#!/usr/bin/env python3
"""A Display P3 ICC profile (v2 matrix/TRC: P3 primaries, D65 white adapted to D50, the sRGB
tone curve), written from the published numbers with the standard library only, for the
colour fixtures and `scripts/color_profile_effect.py`:

    python3 scripts/display_p3.py OUT.icc

iPhones tag their HEIC and JPEG photos with such a profile. `profile()` returns the bytes.
"""

import struct
import sys

# D50-adapted colorants of Display P3 (Bradford), as Apple's profile records them.
RED = (0.515102, 0.241196, -0.001053)
GREEN = (0.291965, 0.692236, 0.041885)
BLUE = (0.157182, 0.066584, 0.784077)
WHITE = (0.964202, 1.0, 0.824905)
# The sRGB curve as an ICC parametric curve of type 3: Y = (aX + b)^g for X >= d, else cX.
SRGB_CURVE = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)


def s15(value):
    return struct.pack(">i", round(value * 65536))


def xyz(values):
    return b"XYZ " + b"\0" * 4 + b"".join(s15(v) for v in values)


def para(values):
    return b"para" + b"\0" * 4 + struct.pack(">H", 3) + b"\0\0" + b"".join(s15(v) for v in values)


def desc(text):
    ascii = text.encode("ascii") + b"\0"
    return (b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii)) + ascii + b"\0" * 4 + b"\0" * 4 + b"\0" * 2 + b"\0" + b"\0" * 67)


def text(value):
    return b"text" + b"\0" * 4 + value.encode("ascii") + b"\0"


def profile():
    curve = para(SRGB_CURVE)
    tags = [(b"desc", desc("Display P3")), (b"cprt", text("No copyright, use freely")), (b"wtpt", xyz(WHITE)),
            (b"rXYZ", xyz(RED)), (b"gXYZ", xyz(GREEN)), (b"bXYZ", xyz(BLUE)), (b"rTRC", curve), (b"gTRC", curve),
            (b"bTRC", curve)]
    offset = 128 + 4 + 12 * len(tags)
    table = struct.pack(">I", len(tags))
    data = b""
    for signature, body in tags:
        while (offset + len(data)) % 4:
            data += b"\0"
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (struct.pack(">I", size) + b"\0" * 4 + struct.pack(">I", 0x02100000) + b"mntr" + b"RGB " + b"XYZ "
              + b"\0" * 12 + b"acsp" + b"\0" * 4 + b"\0" * 4 + b"\0" * 8 + b"\0" * 8 + struct.pack(">I", 0)
              + s15(0.9642) + s15(1.0) + s15(0.8249) + b"\0" * 4 + b"\0" * 16 + b"\0" * 28)
    assert len(header) == 128
    return header + table + data


if __name__ == "__main__":
    data = profile()
    with open(sys.argv[1], "wb") as out:
        out.write(data)
    print(f"wrote {len(data)} bytes to {sys.argv[1]}")
