// What libheif 1.15 does not check before it allocates, checked here on the raw container:
// a bounded walk over the ISO base media boxes of 'meta' (nothing is trusted that would point
// outside the file or its boxes).
#include "decoded.h"

#include <stdint.h>
#include <string.h>

/// A box of an ISO base media file: its type and body, or 0 when the bytes end or lie.
static int next_box(const uint8_t **data, size_t *size, uint32_t *type, const uint8_t **body, size_t *body_size) {
    if (*size < 8) return 0;
    const uint8_t *p = *data;
    uint64_t length = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    size_t header = 8;
    if (length == 1) {
        if (*size < 16) return 0;
        length = 0;
        for (int i = 8; i < 16; i++) length = length << 8 | p[i];
        header = 16;
    } else if (length == 0) {
        length = *size;
    }
    if (length < header || length > *size) return 0;
    *type = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
    *body = p + header;
    *body_size = (size_t)length - header;
    *data += length;
    *size -= (size_t)length;
    return 1;
}

#define FOURCC(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/// The body of the first box of `type` among the boxes in `data` (after `skip` bytes).
static int find_box(const uint8_t *data, size_t size, size_t skip, uint32_t type, const uint8_t **body, size_t *body_size) {
    if (size < skip) return 0;
    data += skip;
    size -= skip;
    uint32_t found;
    while (next_box(&data, &size, &found, body, body_size)) {
        if (found == type) return 1;
    }
    return 0;
}

/// Reads a `bytes`-byte big-endian number at `*at`, advancing; 0 when it would pass `end`.
static int read_number(const uint8_t **at, const uint8_t *end, int bytes, uint64_t *value) {
    if (bytes < 0 || bytes > 8 || end - *at < bytes) return 0;
    *value = 0;
    for (int i = 0; i < bytes; i++) *value = *value << 8 | (*at)[i];
    *at += bytes;
    return 1;
}

/// Where item `item`'s data (its first extent) lies, from 'iloc' (versions 0 to 2): in the
/// file (construction method 0) or in 'idat' (1). 0 when the item or its bytes are not there.
static int item_data(const uint8_t *data, size_t size, const uint8_t *meta, size_t meta_size, uint32_t item,
                     const uint8_t **payload, size_t *payload_size) {
    const uint8_t *iloc, *idat = NULL;
    size_t iloc_size, idat_size = 0;
    if (!find_box(meta, meta_size, 4, FOURCC('i', 'l', 'o', 'c'), &iloc, &iloc_size) || iloc_size < 8) return 0;
    find_box(meta, meta_size, 4, FOURCC('i', 'd', 'a', 't'), &idat, &idat_size);
    int version = iloc[0];
    int offset_size = iloc[4] >> 4, length_size = iloc[4] & 15, base_size = iloc[5] >> 4;
    int index_size = version == 1 || version == 2 ? iloc[5] & 15 : 0;
    const uint8_t *at = iloc + 6, *end = iloc + iloc_size;
    uint64_t count, id, method = 0, ignored, base, extents, offset, length;
    if (!read_number(&at, end, version < 2 ? 2 : 4, &count)) return 0;
    for (uint64_t i = 0; i < count; i++) {
        if (!read_number(&at, end, version < 2 ? 2 : 4, &id)) return 0;
        if ((version == 1 || version == 2) && !read_number(&at, end, 2, &method)) return 0;
        if (!read_number(&at, end, 2, &ignored) || !read_number(&at, end, base_size, &base) || !read_number(&at, end, 2, &extents)) return 0;
        for (uint64_t e = 0; e < extents; e++) {
            if (!read_number(&at, end, index_size, &ignored) || !read_number(&at, end, offset_size, &offset)
                || !read_number(&at, end, length_size, &length)) {
                return 0;
            }
            if (id != item || e > 0) continue;
            const uint8_t *source = (method & 15) == 1 ? idat : data;
            size_t source_size = (method & 15) == 1 ? idat_size : size;
            if (source == NULL || (method & 15) > 1 || base > source_size || offset > source_size - base
                || length > source_size - base - offset) {
                return 0;
            }
            *payload = source + base + offset;
            *payload_size = length == 0 ? source_size - base - offset : (size_t)length;
            return 1;
        }
    }
    return 0;
}

/// A grid's own description (ImageGrid: version, flags, rows − 1, columns − 1, output width
/// and height in 16 or 32 bits), which libheif 1.15 allocates from without comparing it to
/// the item's 'ispe' (a 6 KB file declaring 4294967295×4294967295 took 31 s and 12.6 GB;
/// Fuzz/Regressions/heic/grid-output-4GB.heic).
static vgg_result check_grid(const uint8_t *data, size_t size, const uint8_t *meta, size_t meta_size, uint32_t item,
                             const vgg_decode_request *request, vgg_decoded *out, vgg_status *status) {
    const uint8_t *grid;
    size_t grid_size;
    if (!item_data(data, size, meta, meta_size, item, &grid, &grid_size)) return VGG_OK;  // libheif reports it
    size_t field = grid_size >= 2 && (grid[1] & 1) ? 4 : 2;
    if (grid_size < 4 + 2 * field) return vgg_fail(status, VGG_ERROR_CORRUPT, "HEIF grid description cut short");
    uint64_t width = field == 4 ? be32(grid + 4) : (uint32_t)grid[4] << 8 | grid[5];
    uint64_t height = field == 4 ? be32(grid + 8) : (uint32_t)grid[6] << 8 | grid[7];
    if (width * height > (uint64_t)request->max_pixels) {
        out->stored_width = (int)(width > 0x7fffffffu ? 0x7fffffffu : width);
        out->stored_height = (int)(height > 0x7fffffffu ? 0x7fffffffu : height);
        return vgg_fail(status, VGG_ERROR_TOO_LARGE, "a HEIF grid declares %llux%llu pixels", (unsigned long long)width,
                        (unsigned long long)height);
    }
    return VGG_OK;
}

/// Refuses, before libheif reads the file, what libheif 1.15 would allocate without bound:
/// a grid whose own description declares more pixels than allowed (above), an overlay item ('iovl', whose canvas size libheif takes from the item's data unchecked:
/// a 6 KB file made it allocate 2.3 GB; Fuzz/Regressions/heic/overlay-canvas-2GB.heic) and
/// any image property ('ispe') declaring more pixels than the request allows (a grid's
/// tiles and auxiliary images included, not only the primary image). A container too
/// damaged to walk is left to libheif to report.
vgg_result vgg_heif_check_limits(const uint8_t *data, size_t size, const vgg_decode_request *request, vgg_decoded *out,
                                 vgg_status *status) {
    const uint8_t *meta, *iinf, *iprp, *ipco, *box;
    size_t meta_size, iinf_size, iprp_size, ipco_size, box_size;
    if (!find_box(data, size, 0, FOURCC('m', 'e', 't', 'a'), &meta, &meta_size)) return VGG_OK;
    if (find_box(meta, meta_size, 4, FOURCC('i', 'i', 'n', 'f'), &iinf, &iinf_size) && iinf_size >= 4) {
        size_t skip = iinf[0] == 0 ? 6 : 8;  // version, flags, entry count (16 or 32 bits)
        const uint8_t *entries = iinf + (iinf_size >= skip ? skip : iinf_size);
        size_t left = iinf_size >= skip ? iinf_size - skip : 0;
        uint32_t type;
        while (next_box(&entries, &left, &type, &box, &box_size)) {
            // infe version 2 or 3: version, flags, item_ID (16 or 32 bits), protection index, item_type.
            if (type != FOURCC('i', 'n', 'f', 'e') || box_size < 4 || box[0] < 2) continue;
            size_t at = box[0] == 2 ? 8 : 10;
            uint32_t item_type = box_size >= at + 4 ? be32(box + at) : 0;
            if (item_type == FOURCC('i', 'o', 'v', 'l')) {
                return vgg_fail(status, VGG_ERROR_UNSUPPORTED, "HEIF overlay images ('iovl') are not decoded");
            }
            if (item_type == FOURCC('g', 'r', 'i', 'd')) {
                uint32_t item = box[0] == 2 ? (uint32_t)box[4] << 8 | box[5] : be32(box + 4);
                vgg_result result = check_grid(data, size, meta, meta_size, item, request, out, status);
                if (result != VGG_OK) return result;
            }
        }
    }
    if (find_box(meta, meta_size, 4, FOURCC('i', 'p', 'r', 'p'), &iprp, &iprp_size)
        && find_box(iprp, iprp_size, 0, FOURCC('i', 'p', 'c', 'o'), &ipco, &ipco_size)) {
        uint32_t type;
        while (next_box(&ipco, &ipco_size, &type, &box, &box_size)) {
            if (type != FOURCC('i', 's', 'p', 'e') || box_size < 12) continue;
            uint32_t width = be32(box + 4), height = be32(box + 8);
            if ((uint64_t)width * height > (uint64_t)request->max_pixels) {
                out->stored_width = (int)(width > 0x7fffffffu ? 0x7fffffffu : width);
                out->stored_height = (int)(height > 0x7fffffffu ? 0x7fffffffu : height);
                return vgg_fail(status, VGG_ERROR_TOO_LARGE, "an image in the file declares %ux%u pixels", width, height);
            }
        }
    }
    return VGG_OK;
}
