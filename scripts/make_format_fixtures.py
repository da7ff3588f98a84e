#!/usr/bin/env python3
"""Writes the HEIC, AVIF, WebP, TIFF and DNG test fixtures into
Tests/VGGImagingTests/Fixtures/formats/, from the repository's own sample photos, with the
tools named beside each (nothing downloaded):

    pip install pillow pillow-heif numpy     # Pillow 11.2+ writes AVIF
    apt-get install libheif-examples         # heif-enc: 10-bit and alpha HEIC, 10-bit AVIF
    python3 scripts/make_format_fixtures.py

and `expected.json` beside them: each file's upright size and, from a reference decoder
independent of vggbatch's (pillow-heif for HEIC, Pillow for AVIF, WebP and TIFF, and for
DNG the preview JPEG or, for the demosaic, nothing but the size), what the tests compare.
Files:
- heic: photo.heic (8-bit 4:2:0, quality 90); rot90/rot180/rot270/mirror-h/mirror-v.heic
  (the same picture with irot or imir transform properties added to the container by hand,
  as cameras write them); alpha.heic and photo10.heic (heif-enc from RGBA and 16-bit PNGs);
  p3.heic (tagged with a Display P3 profile, scripts/display_p3.py); multi.heic (two
  top-level images, the first primary); grid.heic (the primary image a 'grid' item, as iPhones
  store photos: 3 columns × 2 rows of hidden 96×96 hvc1 tiles, each encoded alone, cropped
  to 280×180; the boxes written here, as heif-enc 1.15 cannot write grids) and
  grid-rot90.heic (the same with irot on the grid); grid-bomb.heic (a grid declaring
  65535×65535 from 16 × 16 references to one flat 4096×4096 tile, 11 KB: to be refused,
  expected.json holds only its declared size)
- avif: photo.avif (Pillow), photo12.avif (heif-enc, 12-bit; libaom 3.6 cannot write 10-bit here)
- webp: lossy.webp, lossless.webp, alpha.webp, animated.webp (two frames), orient6.webp
  (EXIF orientation 6)
- tiff: rgb8.tif (LZW), rgb16.tif, gray.tif, palette.tif, cmyk.tif, orient6.tif, pages.tif
  (two pages), alpha.tif
- dng: preview.dng (a 720×480 8-bit CFA raw with a 720×480 JPEG preview in IFD0, camera
  orientation 6) and small-preview.dng (a 256×256 raw whose preview is 96×96, too small:
  demosaiced)
"""

import base64
import io
import json
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, TiffImagePlugin

sys.path.insert(0, str(Path(__file__).resolve().parent))
import display_p3  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "Tests" / "VGGImagingTests" / "Fixtures" / "formats"
SAMPLES = REPO / "samples"


def photo(name, size=None):
    image = ImageOps.exif_transpose(Image.open(SAMPLES / name)).convert("RGB")
    return image.resize(size, Image.LANCZOS) if size else image


# ---- HEIF boxes -------------------------------------------------------------------------

def boxes(data, start, end):
    """(type, start, header size, end) of each box in data[start:end]."""
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack(">I4s", data[i:i + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[i + 8:i + 16])[0]
            header = 16
        elif size == 0:
            size = end - i
        yield kind.decode("latin-1"), i, header, i + size
        i += size


def find(data, start, end, kind):
    for found in boxes(data, start, end):
        if found[0] == kind:
            return found
    raise ValueError(f"no {kind} box")


def add_transforms(heic, properties):
    """The HEIC with `properties` (whole boxes, e.g. irot, imir) added to ipco and associated
    with the primary item after its own; the mdat offsets in iloc moved by the growth."""
    data = bytearray(heic)
    meta = find(data, 0, len(data), "meta")
    meta_body = meta[1] + meta[2] + 4  # FullBox
    primary = struct.unpack(">H", data[find(data, meta_body, meta[3], "pitm")[1] + 12:][:2])[0]
    iprp = find(data, meta_body, meta[3], "iprp")
    ipco = find(data, iprp[1] + iprp[2], iprp[3], "ipco")
    count = sum(1 for _ in boxes(data, ipco[1] + ipco[2], ipco[3]))
    added = b"".join(properties)
    indices = list(range(count + 1, count + 1 + len(properties)))
    # ipma: version 0, flags 0 (7-bit indices); add to the primary's entry.
    ipma = find(data, iprp[1] + iprp[2], iprp[3], "ipma")
    version, flags = data[ipma[1] + 8], int.from_bytes(data[ipma[1] + 9:ipma[1] + 12], "big")
    assert version == 0 and flags & 1 == 0, "only ipma v0 with 7-bit indices"
    entries = struct.unpack(">I", data[ipma[1] + 12:ipma[1] + 16])[0]
    i = ipma[1] + 16
    new_ipma = bytearray(data[ipma[1] + 8:ipma[1] + 16])
    for _ in range(entries):
        item, n = struct.unpack(">HB", data[i:i + 3])
        associations = bytes(data[i + 3:i + 3 + n])
        if item == primary:
            associations += bytes(0x80 | index for index in indices)
        new_ipma += struct.pack(">HB", item, len(associations)) + associations
        i += 3 + n
    new_ipma = struct.pack(">I", 8 + len(new_ipma)) + b"ipma" + new_ipma
    new_ipco = data[ipco[1]:ipco[3]] + added
    new_ipco[0:4] = struct.pack(">I", len(new_ipco))
    rest = data[iprp[1] + iprp[2]:iprp[3]]
    new_iprp_body = bytearray()
    for kind, s, h, e in boxes(data, iprp[1] + iprp[2], iprp[3]):
        new_iprp_body += new_ipco if kind == "ipco" else new_ipma if kind == "ipma" else data[s:e]
    new_iprp = struct.pack(">I", 8 + len(new_iprp_body)) + b"iprp" + new_iprp_body
    growth = len(new_iprp) - (iprp[3] - iprp[1])
    del rest
    out = data[:iprp[1]] + new_iprp + data[iprp[3]:]
    # Sizes of the boxes around iprp: meta.
    out[meta[1]:meta[1] + 4] = struct.pack(">I", meta[3] - meta[1] + growth)
    # iloc offsets of items stored in the file (construction method 0) past meta.
    iloc = find(out, meta_body, meta[3] + growth, "iloc")
    move_iloc(out, iloc, growth, meta[3])
    return bytes(out)


def move_iloc(data, iloc, growth, boundary):
    i = iloc[1] + iloc[2]
    version = data[i]
    i += 4
    offset_size, length_size = data[i] >> 4, data[i] & 15
    base_size, index_size = data[i + 1] >> 4, (data[i + 1] & 15) if version in (1, 2) else 0
    i += 2
    count_size = 2 if version < 2 else 4
    items = int.from_bytes(data[i:i + count_size], "big")
    i += count_size

    def field(at, size):
        return int.from_bytes(data[at:at + size], "big") if size else 0

    for _ in range(items):
        i += 2 if version < 2 else 4
        method = 0
        if version in (1, 2):
            method = data[i + 1] & 15
            i += 2
        i += 2  # data reference index
        base_at, base = i, field(i, base_size)
        i += base_size
        extents = struct.unpack(">H", data[i:i + 2])[0]
        i += 2
        if method == 0 and base_size and base >= boundary:
            data[base_at:base_at + base_size] = (base + growth).to_bytes(base_size, "big")
        for _ in range(extents):
            i += index_size
            at, offset = i, field(i, offset_size)
            if method == 0 and base == 0 and offset >= boundary:
                data[at:at + offset_size] = (offset + growth).to_bytes(offset_size, "big")
            i += offset_size + length_size


def irot(quarter_turns_ccw):
    return struct.pack(">I4sB", 9, b"irot", quarter_turns_ccw & 3)


def imir(axis):
    return struct.pack(">I4sB", 9, b"imir", axis & 1)


def box(kind, *parts):
    body = b"".join(parts)
    return struct.pack(">I4s", 8 + len(body), kind.encode("latin-1")) + body


def full_box(kind, version, flags, *parts):
    return box(kind, struct.pack(">I", version << 24 | flags), *parts)


def iloc_extents(data, iloc):
    """{item: (construction method, [(offset, length)])} of an iloc box, base offsets added."""
    i = iloc[1] + iloc[2]
    version = data[i]
    i += 4
    offset_size, length_size = data[i] >> 4, data[i] & 15
    base_size, index_size = data[i + 1] >> 4, (data[i + 1] & 15) if version in (1, 2) else 0
    i += 2
    count_size = 2 if version < 2 else 4
    count = int.from_bytes(data[i:i + count_size], "big")
    i += count_size

    def field(size):
        nonlocal i
        value = int.from_bytes(data[i:i + size], "big") if size else 0
        i += size
        return value

    items = {}
    for _ in range(count):
        item = field(2 if version < 2 else 4)
        method = field(2) & 15 if version in (1, 2) else 0
        field(2)  # data reference index
        base = field(base_size)
        extents = []
        for _ in range(field(2)):
            field(index_size)
            offset = field(offset_size)
            extents.append((base + offset, field(length_size)))
        items[item] = (method, extents)
    return items


def heic_parts(heic):
    """The primary image of a single-image HEIC as (its properties as (box, essential) in
    association order, its coded data)."""
    data = bytes(heic)
    meta = find(data, 0, len(data), "meta")
    meta_body = meta[1] + meta[2] + 4
    primary = struct.unpack(">H", data[find(data, meta_body, meta[3], "pitm")[1] + 12:][:2])[0]
    method, extents = iloc_extents(data, find(data, meta_body, meta[3], "iloc"))[primary]
    assert method == 0, "coded data in the file, not idat"
    coded = b"".join(data[offset:offset + length] for offset, length in extents)
    iprp = find(data, meta_body, meta[3], "iprp")
    ipco = find(data, iprp[1] + iprp[2], iprp[3], "ipco")
    properties = [data[s:e] for _, s, _, e in boxes(data, ipco[1] + ipco[2], ipco[3])]
    ipma = find(data, iprp[1] + iprp[2], iprp[3], "ipma")
    assert data[ipma[1] + 8] == 0 and data[ipma[1] + 11] & 1 == 0, "only ipma v0 with 7-bit indices"
    i = ipma[1] + 16
    for _ in range(struct.unpack(">I", data[ipma[1] + 12:ipma[1] + 16])[0]):
        item, n = struct.unpack(">HB", data[i:i + 3])
        if item == primary:
            return [(properties[(a & 0x7F) - 1], bool(a & 0x80)) for a in data[i + 3:i + 3 + n]], coded
        i += 3 + n
    raise ValueError("primary item without properties")


def ispe(width, height):
    return full_box("ispe", 0, 0, struct.pack(">II", width, height))


def grid_heic(tiles, columns, rows, output, grid_properties=(), references=None):
    """A HEIC whose primary item is a 'grid' (ISO/IEC 23008-12 6.6.2.3) of `columns` × `rows`
    tiles cropped to `output` (width, height), written box by box as cameras lay them out:
    `tiles` are (properties, coded data) from heic_parts, stored as hidden 'hvc1' items
    1...n in mdat; the grid is item n+1, its ImageGrid in idat, its 'dimg' references
    `references` (indices into `tiles`, row-major; by default each tile once, in order). The
    grid's properties are its ispe, the first tile's colr and pixi, then `grid_properties`
    (transforms, essential). Identical property boxes are stored once in ipco."""
    references = list(range(len(tiles))) if references is None else references
    assert len(references) == columns * rows and 1 <= columns <= 256 and 1 <= rows <= 256
    width, height = output
    grid_id = len(tiles) + 1
    ipco = []

    def index(prop):
        if prop not in ipco:
            ipco.append(prop)
        return ipco.index(prop) + 1

    associations = []
    for item, (props, _) in enumerate(tiles, 1):
        associations.append((item, [(index(prop), essential) for prop, essential in props]))
    shared = [(prop, False) for prop, _ in tiles[0][0] if prop[4:8] in (b"colr", b"pixi")]
    associations.append((grid_id, [(index(prop), essential) for prop, essential in
                                   [(ispe(width, height), False)] + shared + [(p, True) for p in grid_properties]]))
    assert len(ipco) < 128
    ipma = full_box("ipma", 0, 0, struct.pack(">I", len(associations)), *(
        struct.pack(">HB", item, len(assoc)) + bytes((0x80 if essential else 0) | i for i, essential in assoc)
        for item, assoc in associations))
    iprp = box("iprp", box("ipco", *ipco), ipma)
    infe = [full_box("infe", 2, 1, struct.pack(">HH4s", item, 0, b"hvc1"), b"\0") for item in range(1, grid_id)]
    infe.append(full_box("infe", 2, 0, struct.pack(">HH4s", grid_id, 0, b"grid"), b"\0"))
    iinf = full_box("iinf", 0, 0, struct.pack(">H", len(infe)), *infe)
    dimg = box("dimg", struct.pack(">HH", grid_id, len(references)), *(struct.pack(">H", r + 1) for r in references))
    iref = full_box("iref", 0, 0, dimg)
    image_grid = struct.pack(">BBBBHH", 0, 0, rows - 1, columns - 1, width, height)
    ftyp = box("ftyp", b"heic", struct.pack(">I", 0), b"mif1", b"heic")

    def meta(mdat_start):
        entries = []
        at = mdat_start
        for item, (_, coded) in enumerate(tiles, 1):
            entries.append(struct.pack(">HHHHII", item, 0, 0, 1, at, len(coded)))
            at += len(coded)
        entries.append(struct.pack(">HHHHII", grid_id, 1, 0, 1, 0, len(image_grid)))
        iloc = full_box("iloc", 1, 0, bytes([0x44, 0x00]), struct.pack(">H", len(entries)), *entries)
        hdlr = full_box("hdlr", 0, 0, struct.pack(">I4s12s", 0, b"pict", bytes(12)), b"\0")
        pitm = full_box("pitm", 0, 0, struct.pack(">H", grid_id))
        return full_box("meta", 0, 0, hdlr, pitm, iinf, iref, iprp, iloc, box("idat", image_grid))

    start = len(ftyp) + len(meta(0)) + 8
    return ftyp + meta(start) + box("mdat", *(coded for _, coded in tiles))


def heic_tiles(picture, columns, rows, tile, **options):
    """`picture` cut into `columns` × `rows` tiles of `tile` pixels, row-major, each encoded
    alone by pillow-heif with `options`, as (properties, coded data)."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    parts = []
    for row in range(rows):
        for column in range(columns):
            buffer = io.BytesIO()
            picture.crop((column * tile, row * tile, (column + 1) * tile, (row + 1) * tile)).save(buffer, format="HEIF", **options)
            parts.append(heic_parts(buffer.getvalue()))
    return parts


# ---- writers ---------------------------------------------------------------------------

def heif_files(expected):
    import pillow_heif

    pillow_heif.register_heif_opener()
    base = photo("skimage-coffee.png", (300, 200))
    buffer = io.BytesIO()
    base.save(buffer, format="HEIF", quality=90)
    heic = buffer.getvalue()
    write("photo.heic", heic)
    for name, props in [("rot90.heic", [irot(1)]), ("rot180.heic", [irot(2)]), ("rot270.heic", [irot(3)]),
                        ("mirror-h.heic", [imir(1)]), ("mirror-v.heic", [imir(0)]), ("rot90-mirror.heic", [irot(1), imir(0)])]:
        write(name, add_transforms(heic, props))
    grid_files(expected)
    buffer = io.BytesIO()
    base.save(buffer, format="HEIF", quality=90, icc_profile=display_p3.profile())
    write("p3.heic", buffer.getvalue())
    with tempfile.TemporaryDirectory() as work:
        rgba = photo("skimage-chelsea.png", (240, 160)).convert("RGBA")
        alpha = np.asarray(rgba).copy()
        alpha[:, :, 3] = np.linspace(0, 255, 240, dtype=np.uint8)[None, :]
        Image.fromarray(alpha, "RGBA").save(f"{work}/alpha.png")
        subprocess.run(["heif-enc", "-q", "90", "-o", str(OUT / "alpha.heic"), f"{work}/alpha.png"], check=True,
                       capture_output=True)
        deep = (np.asarray(photo("skimage-astronaut.png", (160, 160))).astype(np.uint16) * 257)
        write_png16(f"{work}/deep.png", deep)
        subprocess.run(["heif-enc", "-q", "90", "-b", "10", "-o", str(OUT / "photo10.heic"), f"{work}/deep.png"], check=True,
                       capture_output=True)
        # libaom 3.6 asserts on 10-bit 4:2:0 through heif-enc; 12-bit works.
        subprocess.run(["heif-enc", "-A", "-q", "90", "-b", "12", "-o", str(OUT / "photo12.avif"), f"{work}/deep.png"], check=True,
                       capture_output=True)
        base.save(f"{work}/a.png")
        photo("skimage-rocket.jpg", (200, 150)).save(f"{work}/b.png")
        subprocess.run(["heif-enc", "-q", "80", "-o", str(OUT / "multi.heic"), f"{work}/a.png", f"{work}/b.png"], check=True,
                       capture_output=True)
    buffer = io.BytesIO()
    base.save(buffer, format="AVIF", quality=90)
    write("photo.avif", buffer.getvalue())
    for name in ["photo.heic", "rot90.heic", "rot180.heic", "rot270.heic", "mirror-h.heic", "mirror-v.heic", "rot90-mirror.heic",
                 "grid.heic", "grid-rot90.heic", "p3.heic", "alpha.heic", "photo10.heic", "multi.heic"]:
        expected[name] = reference(pillow_heif.open_heif(OUT / name).to_pillow(), "pillow-heif")
    from PIL import ImageCms
    srgb = ImageCms.createProfile("sRGB")
    p3 = ImageCms.ImageCmsProfile(io.BytesIO(display_p3.profile()))
    as_stored = pillow_heif.open_heif(OUT / "p3.heic").to_pillow().convert("RGB")
    converted = ImageCms.applyTransform(as_stored, ImageCms.buildTransform(p3, srgb, "RGB", "RGB", ImageCms.Intent.PERCEPTUAL))
    expected["p3.heic"]["converted"] = reference(converted, "lcms2 through Pillow ImageCms")["rgb32"]
    for name in ["photo.avif", "photo12.avif"]:
        expected[name] = reference(Image.open(OUT / name), "Pillow")


def grid_files(expected):
    """grid.heic and grid-rot90.heic: the photo as an iPhone stores it, 3 columns × 2 rows of
    96×96 tiles cropped to 280×180; grid-bomb.heic: 16 × 16 references to one flat 4096×4096
    tile declaring 65535×65535 (4.3 gigapixels; the file is 11 KB)."""
    import pillow_heif

    picture = photo("skimage-coffee.png", (288, 192))
    tiles = heic_tiles(picture, 3, 2, 96, quality=90)
    write("grid.heic", grid_heic(tiles, 3, 2, (280, 180)))
    write("grid-rot90.heic", grid_heic(tiles, 3, 2, (280, 180), [irot(1)]))
    # The tiles in their places: only the encoder's loss from the picture, cropped.
    decoded = np.asarray(pillow_heif.open_heif(OUT / "grid.heic").to_pillow().convert("RGB"), dtype=np.float64)
    difference = np.abs(decoded - np.asarray(picture.crop((0, 0, 280, 180)), dtype=np.float64)).mean()
    assert decoded.shape == (180, 280, 3) and difference < 4, f"grid.heic: {decoded.shape}, mean difference {difference}"
    # A dimg box counts at most 65535 references and pillow-heif's libheif accepts 1000: few
    # large tiles rather than 256 × 256 small ones. The tile stays small because it is flat.
    flat = heic_tiles(Image.new("RGB", (4096, 4096), (128, 128, 128)), 1, 1, 4096, quality=50)
    write("grid-bomb.heic", grid_heic(flat, 16, 16, (65535, 65535), references=[0] * 256))
    expected["grid-bomb.heic"] = {"width": 65535, "height": 65535, "refused": True,
                                  "reference": "declared size only: pillow-heif refuses it (libheif's image size limit)"}


def write_png16(path, rgb16):
    """A 16-bit RGB PNG (Pillow cannot write 16-bit RGB), through a minimal encoder."""
    import zlib

    height, width, _ = rgb16.shape
    raw = b"".join(b"\0" + rgb16[y].astype(">u2").tobytes() for y in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    Path(path).write_bytes(png)


def webp_files(expected):
    base = photo("sklearn-china.jpg", (320, 213))
    base.save(OUT / "lossy.webp", quality=90)
    base.save(OUT / "lossless.webp", lossless=True)
    rgba = base.convert("RGBA")
    pixels = np.asarray(rgba).copy()
    pixels[:, :, 3] = np.linspace(255, 0, 320, dtype=np.uint8)[None, :]
    Image.fromarray(pixels, "RGBA").save(OUT / "alpha.webp", quality=90)
    second = photo("skimage-rocket.jpg", (320, 213))
    base.save(OUT / "animated.webp", save_all=True, append_images=[second], duration=500, quality=90)
    exif = Image.Exif()
    exif[0x0112] = 6
    base.save(OUT / "orient6.webp", quality=90, exif=exif.tobytes())
    for name in ["lossy.webp", "lossless.webp", "alpha.webp", "animated.webp", "orient6.webp"]:
        expected[name] = reference(Image.open(OUT / name), "Pillow")


def tiff_files(expected):
    base = photo("skimage-chelsea.png", (226, 150))
    base.save(OUT / "rgb8.tif", compression="tiff_lzw")
    base.convert("L").save(OUT / "gray.tif")
    base.quantize(64).save(OUT / "palette.tif")
    base.convert("CMYK").save(OUT / "cmyk.tif")
    rgba = base.convert("RGBA")
    pixels = np.asarray(rgba).copy()
    pixels[:, :, 3] = np.linspace(0, 255, 150, dtype=np.uint8)[:, None]
    Image.fromarray(pixels, "RGBA").save(OUT / "alpha.tif")
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[274] = 6
    base.save(OUT / "orient6.tif", tiffinfo=info)
    base.save(OUT / "pages.tif", save_all=True, append_images=[photo("skimage-rocket.jpg", (100, 80))])
    write_tiff16(OUT / "rgb16.tif", np.asarray(base).astype(np.uint16) * 257)
    for name in ["rgb8.tif", "gray.tif", "palette.tif", "cmyk.tif", "alpha.tif", "orient6.tif", "pages.tif", "rgb16.tif"]:
        expected[name] = reference(Image.open(OUT / name), "Pillow")


def write_tiff16(path, rgb16):
    """A 16-bit RGB TIFF, one strip, little-endian, written by hand."""
    height, width, _ = rgb16.shape
    pixels = rgb16.astype("<u2").tobytes()
    entries = [(256, 3, 1, width), (257, 3, 1, height), (258, 3, 3, None), (259, 3, 1, 1), (262, 3, 1, 2),
               (273, 4, 1, None), (277, 3, 1, 3), (278, 3, 1, height), (279, 4, 1, len(pixels)), (284, 3, 1, 1)]
    ifd_offset = 8
    ifd_size = 2 + 12 * len(entries) + 4
    bits_offset = ifd_offset + ifd_size
    data_offset = bits_offset + 6
    out = b"II*\0" + struct.pack("<I", ifd_offset) + struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        if tag == 258:
            out += struct.pack("<HHII", tag, kind, count, bits_offset)
        elif tag == 273:
            out += struct.pack("<HHII", tag, kind, count, data_offset)
        elif kind == 3:
            out += struct.pack("<HHIHH", tag, kind, count, value, 0)
        else:
            out += struct.pack("<HHII", tag, kind, count, value)
    out += struct.pack("<I", 0) + struct.pack("<HHH", 16, 16, 16) + pixels
    Path(path).write_bytes(out)


def dng(raw_rgb, preview, orientation=1):
    """A DNG: IFD0 a JPEG preview (NewSubfileType 1), its SubIFD an RGGB CFA raw, 8-bit,
    linear (the sRGB curve undone), with an identity colour matrix and neutral white balance."""
    linear = (np.asarray(raw_rgb, dtype=np.float64) / 255.0)
    linear = np.where(linear <= 0.04045, linear / 12.92, ((linear + 0.055) / 1.055) ** 2.4)
    height, width, _ = linear.shape
    cfa = np.empty((height, width), dtype=np.uint8)
    scale = 255
    cfa[0::2, 0::2] = linear[0::2, 0::2, 0] * scale
    cfa[0::2, 1::2] = linear[0::2, 1::2, 1] * scale
    cfa[1::2, 0::2] = linear[1::2, 0::2, 1] * scale
    cfa[1::2, 1::2] = linear[1::2, 1::2, 2] * scale
    jpeg = io.BytesIO()
    preview.save(jpeg, format="JPEG", quality=90)
    jpeg = jpeg.getvalue()
    raw = cfa.tobytes()
    make, model = b"vggbatch\0", b"fixture\0"

    def rational(values):
        return b"".join(struct.pack("<ii", round(v * 10000), 10000) for v in values)

    extra = {}
    ifd0 = [(254, 4, [1]), (256, 4, [preview.width]), (257, 4, [preview.height]), (258, 3, [8, 8, 8]), (259, 3, [7]),
            (262, 3, [6]), (271, 2, make), (272, 2, model), (273, 4, [0]), (274, 3, [orientation]), (277, 3, [3]),
            (278, 4, [preview.height]), (279, 4, [len(jpeg)]), (330, 4, [0]), (50706, 1, [1, 4, 0, 0]),
            (50707, 1, [1, 1, 0, 0]), (50708, 2, b"vggbatch fixture\0"), (50721, 10, [1, 0, 0, 0, 1, 0, 0, 0, 1]),
            (50728, 5, [1, 1, 1]), (50778, 3, [21])]
    sub = [(254, 4, [0]), (256, 4, [width]), (257, 4, [height]), (258, 3, [8]), (259, 3, [1]), (262, 3, [32803]),
           (273, 4, [0]), (277, 3, [1]), (278, 4, [height]), (279, 4, [len(raw)]), (33421, 3, [2, 2]), (33422, 1, [0, 1, 1, 2]),
           (50714, 4, [0]), (50717, 4, [scale])]
    sizes = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 10: 8}

    def encode(entries, base):
        """The IFD at `base` and its out-of-line values after it; offsets of tags 273 and 330
        left to patch."""
        entries = sorted(entries)
        table = struct.pack("<H", len(entries))
        values = b""
        after = base + 2 + 12 * len(entries) + 4
        patches = {}
        for tag, kind, value in entries:
            if kind == 2:
                body = value
                count = len(value)
            elif kind in (5, 10):
                body = rational(value)
                count = len(value)
            else:
                fmt = {1: "B", 3: "H", 4: "I"}[kind]
                body = struct.pack("<" + fmt * len(value), *value)
                count = len(value)
            if len(body) <= 4:
                field = body.ljust(4, b"\0")
                if tag in (273, 330):
                    patches[tag] = base + 2 + 12 * len(table[2:]) // 12 + 8
            else:
                while (after + len(values)) % 2:
                    values += b"\0"
                field = struct.pack("<I", after + len(values))
                values += body
            position = base + 2 + (len(table) - 2)
            if tag in (273, 330):
                patches[tag] = position + 8
            table += struct.pack("<HHI", tag, kind, count) + field
        return table + struct.pack("<I", 0) + values, patches

    first, patch0 = encode(ifd0, 8)
    sub_base = 8 + len(first)
    second, patch1 = encode(sub, sub_base)
    jpeg_at = sub_base + len(second)
    raw_at = jpeg_at + len(jpeg)
    out = bytearray(b"II*\0" + struct.pack("<I", 8) + first + second + jpeg + raw)
    out[patch0[273]:patch0[273] + 4] = struct.pack("<I", jpeg_at)
    out[patch0[330]:patch0[330] + 4] = struct.pack("<I", sub_base)
    out[patch1[273]:patch1[273] + 4] = struct.pack("<I", raw_at)
    return bytes(out), jpeg


def dng_files(expected):
    big = photo("skimage-coffee.png", (720, 480))
    data, jpeg = dng(big, big, orientation=6)
    write("preview.dng", data)
    expected["preview.dng"] = reference(Image.open(io.BytesIO(jpeg)).rotate(-90, expand=True), "the preview JPEG (Pillow), turned as orientation 6")
    small = photo("skimage-coffee.png", (256, 256))
    data, _ = dng(small, small.resize((96, 96)))
    write("small-preview.dng", data)
    expected["small-preview.dng"] = {"width": 128, "height": 128, "reference": "size only: LibRaw's half-size demosaic"}


def write(name, data):
    (OUT / name).write_bytes(data)


def reference(image, decoder):
    """Upright RGB over white, 32×32 by Pillow's bilinear resize (base64), as the tests compare."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    upright = ImageOps.exif_transpose(image) if decoder == "Pillow" else image
    rgb = upright.convert("RGB")
    small = np.asarray(rgb.resize((32, 32), Image.BILINEAR), dtype=np.uint8)
    return {"width": rgb.width, "height": rgb.height, "reference": decoder, "rgb32": base64.b64encode(small.tobytes()).decode()}


def fuzz_seeds():
    """Small files of each format for the fuzz targets (Fuzz/Seeds/FORMAT): decoding a 48×32
    image takes a tenth of what the test fixtures take, so a million executions fit in minutes."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    seeds = REPO / "Fuzz" / "Seeds"
    small = photo("skimage-coffee.png", (48, 32))
    for name, kind, options in [("photo.heic", "HEIF", {"quality": 60}), ("photo.avif", "AVIF", {"quality": 60}),
                                ("lossy.webp", "WEBP", {"quality": 60}), ("lossless.webp", "WEBP", {"lossless": True}),
                                ("rgb.tif", "TIFF", {"compression": "tiff_lzw"}), ("gray.tif", "TIFF", {})]:
        folder = seeds / {"HEIF": "heic", "AVIF": "avif", "WEBP": "webp", "TIFF": "tiff"}[kind]
        folder.mkdir(parents=True, exist_ok=True)
        image = small.convert("L") if name == "gray.tif" else small
        image.save(folder / name, format=kind, **options)
    heic = (seeds / "heic" / "photo.heic").read_bytes()
    (seeds / "heic" / "rot90-mirror.heic").write_bytes(add_transforms(heic, [irot(1), imir(0)]))
    (seeds / "heic" / "grid.heic").write_bytes(grid_heic(heic_tiles(photo("skimage-coffee.png", (128, 128)), 2, 2, 64, quality=60),
                                                         2, 2, (120, 100)))
    small.save(seeds / "webp" / "animated.webp", save_all=True, append_images=[small.rotate(180)], duration=100, quality=60)
    rgba = np.asarray(small.convert("RGBA")).copy()
    rgba[:, :, 3] = 128
    Image.fromarray(rgba, "RGBA").save(seeds / "webp" / "alpha.webp", quality=60)
    Image.fromarray(rgba, "RGBA").save(seeds / "tiff" / "alpha.tif")
    (seeds / "raw").mkdir(parents=True, exist_ok=True)
    (seeds / "raw" / "preview.dng").write_bytes(dng(small, small, orientation=6)[0])
    (seeds / "raw" / "demosaic.dng").write_bytes(dng(small, small.resize((8, 8)))[0])


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    fuzz_seeds()
    expected = {}
    heif_files(expected)
    webp_files(expected)
    tiff_files(expected)
    dng_files(expected)
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(expected)} fixtures to {OUT}")


if __name__ == "__main__":
    main()
