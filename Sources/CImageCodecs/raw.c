// Camera RAW files through LibRaw: the embedded preview JPEG when it is large enough (what
// photo tools show, and no demosaicing), else a half-size demosaic.
#include "decoded.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libraw/libraw.h>

static vgg_result raw_failure(vgg_status *status, int code) {
    vgg_result result = VGG_ERROR_CORRUPT;
    switch (code) {
    case LIBRAW_FILE_UNSUPPORTED: result = VGG_ERROR_UNSUPPORTED; break;
    case LIBRAW_UNSUFFICIENT_MEMORY: result = VGG_ERROR_TOO_LARGE; break;
    case LIBRAW_IO_ERROR: result = VGG_ERROR_TRUNCATED; break;
    default: break;
    }
    return vgg_fail(status, result, "%s", libraw_strerror(code));
}

/// EXIF orientation of LibRaw's flip (0 none, 3 half turn, 5 quarter turn counter-clockwise,
/// 6 quarter turn clockwise).
static int orientation_of_flip(int flip) {
    switch (flip) {
    case 3: return 3;
    case 5: return 8;
    case 6: return 6;
    default: return 1;
    }
}

/// The embedded preview, when it is a JPEG at least as large as the request needs.
static int take_preview(libraw_data_t *raw, const vgg_decode_request *request, vgg_decoded *out) {
    if (libraw_unpack_thumb(raw) != LIBRAW_SUCCESS) return 0;
    const libraw_thumbnail_t *thumbnail = &raw->thumbnail;
    if (thumbnail->tformat != LIBRAW_THUMBNAIL_JPEG || thumbnail->thumb == NULL || thumbnail->tlength == 0) return 0;
    int shorter = thumbnail->twidth < thumbnail->theight ? thumbnail->twidth : thumbnail->theight;
    int sensorShorter = raw->sizes.width < raw->sizes.height ? raw->sizes.width : raw->sizes.height;
    // Without a size to meet (no reduced decoding asked), at least half the sensor's.
    int needed = request->minimum_side > 0 ? request->minimum_side : sensorShorter / 2;
    if (shorter < needed) return 0;
    out->embedded = vgg_copy_bytes(thumbnail->thumb, thumbnail->tlength);
    if (out->embedded == NULL) return 0;
    out->embedded_size = thumbnail->tlength;
    snprintf(out->detail, sizeof(out->detail), "embedded %dx%d preview JPEG of a %dx%d %s raw", thumbnail->twidth,
             thumbnail->theight, raw->sizes.width, raw->sizes.height, raw->idata.make);
    return 1;
}

/// A half-size demosaic with the camera's white balance, 8 bits, flip applied by LibRaw.
static vgg_result demosaic(libraw_data_t *raw, vgg_decoded *out, vgg_status *status) {
    raw->params.half_size = 1;
    raw->params.use_camera_wb = 1;
    raw->params.output_bps = 8;
    int code = libraw_unpack(raw);
    if (code == LIBRAW_SUCCESS) code = libraw_dcraw_process(raw);
    if (code != LIBRAW_SUCCESS) return raw_failure(status, code);
    libraw_processed_image_t *image = libraw_dcraw_make_mem_image(raw, &code);
    if (image == NULL) return raw_failure(status, code);
    vgg_result result = VGG_OK;
    size_t pixels = (size_t)image->width * (size_t)image->height;
    if (image->type != LIBRAW_IMAGE_BITMAP || image->bits != 8 || (image->colors != 3 && image->colors != 1)
        || image->data_size < pixels * (size_t)image->colors) {
        result = vgg_fail(status, VGG_ERROR_UNSUPPORTED, "LibRaw made a %d-colour %d-bit image", image->colors, image->bits);
    } else if ((out->pixels = malloc(pixels * 3)) == NULL) {
        result = vgg_fail(status, VGG_ERROR_INTERNAL, "out of memory");
    } else {
        for (size_t i = 0; i < pixels; i++) {
            for (int c = 0; c < 3; c++) out->pixels[3 * i + c] = image->data[i * image->colors + (image->colors == 3 ? c : 0)];
        }
        out->width = image->width;
        out->height = image->height;
        out->orientation = 1;
        snprintf(out->detail, sizeof(out->detail), "%dx%d demosaic (half size) of a %dx%d %s raw", image->width, image->height,
                 out->stored_width, out->stored_height, raw->idata.make);
    }
    libraw_dcraw_clear_mem(image);
    return result;
}

vgg_result vgg_raw_decode(const uint8_t *data, size_t size, const vgg_decode_request *request, vgg_decoded *out,
                          vgg_status *status) {
    memset(status, 0, sizeof(*status));
    memset(out, 0, sizeof(*out));
    libraw_data_t *raw = libraw_init(LIBRAW_OPIONS_NO_MEMERR_CALLBACK | LIBRAW_OPIONS_NO_DATAERR_CALLBACK);
    if (raw == NULL) return vgg_fail(status, VGG_ERROR_INTERNAL, "out of memory");
    raw->params.max_raw_memory_mb = (unsigned)(request->max_pixels / (256L * 1024L) + 64);
    int code = libraw_open_buffer(raw, (void *)data, size);
    vgg_result result = code == LIBRAW_SUCCESS ? VGG_OK : raw_failure(status, code);
    if (result == VGG_OK) result = vgg_check_size(raw->sizes.raw_width, raw->sizes.raw_height, request, out, status);
    if (result == VGG_OK) {
        // Bits of the white level (255: 8, 4095: 12, 16383: 14).
        out->bit_depth = 0;
        for (unsigned maximum = raw->color.maximum; maximum > 0; maximum >>= 1) out->bit_depth++;
        out->images = 1;
        out->has_alpha = 0;
        snprintf(out->color_model, sizeof(out->color_model), "%s", raw->idata.colors == 3 ? "bayer" : "raw");
        if (take_preview(raw, request, out)) {
            out->orientation = orientation_of_flip(raw->sizes.flip);
        } else {
            result = demosaic(raw, out, status);
        }
    }
    libraw_close(raw);
    if (result != VGG_OK) vgg_decoded_release(out);
    return result;
}
