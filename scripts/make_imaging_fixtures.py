#!/usr/bin/env python3
"""Writes the generated imaging fixtures in Tests/VGGImagingTests/Fixtures/generated/.

These are inputs that no public corpus ships but every decoder must survive:
  bomb-png-30000x30000.png   a real 1-bit PNG bomb: 900 MP of zeros in ~110 KB (rejected by --max-pixels)
  bomb-png-ihdr-100000.png   an IHDR that claims 100000x100000 over a tiny IDAT (rejected from the header)
  bomb-jpeg-65000.jpg        ljt-testorig.jpg with its SOF0 size patched to 65000x65000
  truncated-baseline.jpg     the first half of pillow-hopper.jpg (baseline, no EOI)
  png-named.jpg              pillow-hopper.png under a .jpg name (content decides the format)
  text-named.jpg             plain text under a .jpg name
  empty.jpg                  zero bytes
  gray16-ramp.png            6x1 16-bit gray: 0, 257, 32768, 65535, 65280, 128
                             (scaled to 8 bits: 0, 1, 128, 255, 254, 0)
  rgba-composite.png         4x1 8-bit RGBA: red at alpha 0, 128, 255 and black at 255
                             (over white: 255,255,255  255,127,127  255,0,0  0,0,0)

Run from the repository root: python3 scripts/make_imaging_fixtures.py
Needs only the Python standard library. The outputs are committed; tests never run this.
"""
import pathlib
import struct
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "VGGImagingTests" / "Fixtures"
OUT = FIXTURES / "generated"


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, bit_depth: int, color_type: int, idat: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png_bomb() -> bytes:
    width = height = 30000
    row = b"\x00" * (1 + width // 8)  # filter byte + 1-bit samples
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    return png(width, height, 1, 0, b"".join(parts))


def patch_sof(jpeg: bytes, width: int, height: int) -> bytes:
    i = 2
    while i + 4 <= len(jpeg):
        if jpeg[i] != 0xFF:
            raise ValueError("unexpected byte in marker sequence")
        marker = jpeg[i + 1]
        length = struct.unpack(">H", jpeg[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            start = i + 5  # after marker, length and precision
            return jpeg[:start] + struct.pack(">HH", height, width) + jpeg[start + 4:]
        i += 2 + length
    raise ValueError("no SOF marker")


def raw_png(width, height, bit_depth, color_type, rows):
    data = b"".join(b"\x00" + row for row in rows)
    return png(width, height, bit_depth, color_type, zlib.compress(data))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    photos = ROOT / "samples"
    (OUT / "bomb-png-30000x30000.png").write_bytes(png_bomb())
    (OUT / "bomb-png-ihdr-100000.png").write_bytes(png(100000, 100000, 8, 2, zlib.compress(b"\x00" * 301)))
    (OUT / "bomb-jpeg-65000.jpg").write_bytes(patch_sof((photos / "ljt-testorig.jpg").read_bytes(), 65000, 65000))
    hopper = (photos / "pillow-hopper.jpg").read_bytes()
    (OUT / "truncated-baseline.jpg").write_bytes(hopper[: len(hopper) // 2])
    (OUT / "png-named.jpg").write_bytes((photos / "pillow-hopper.png").read_bytes())
    (OUT / "text-named.jpg").write_bytes(b"this is not a picture\n")
    (OUT / "empty.jpg").write_bytes(b"")
    ramp = [0, 257, 32768, 65535, 65280, 128]
    (OUT / "gray16-ramp.png").write_bytes(raw_png(6, 1, 16, 0, [struct.pack(">6H", *ramp)]))
    rgba = bytes([255, 0, 0, 0, 255, 0, 0, 128, 255, 0, 0, 255, 0, 0, 0, 255])
    (OUT / "rgba-composite.png").write_bytes(raw_png(4, 1, 8, 6, [rgba]))
    for path in sorted(OUT.iterdir()):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
