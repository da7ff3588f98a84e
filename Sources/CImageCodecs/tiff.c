// TIFF through libtiff, from memory: the first page as 8-bit RGB, its orientation tag left
// for the caller to apply (as EXIF orientation is).
#include "decoded.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

/// The file in memory, as libtiff's client procedures read it.
typedef struct {
    const uint8_t *data;
    toff_t size;
    toff_t offset;
    vgg_status *status;
} tiff_source;

static tmsize_t source_read(thandle_t handle, void *buffer, tmsize_t count) {
    tiff_source *source = handle;
    if (count < 0 || source->offset >= source->size) return 0;
    toff_t available = source->size - source->offset;
    tmsize_t n = (toff_t)count < available ? count : (tmsize_t)available;
    memcpy(buffer, source->data + source->offset, (size_t)n);
    source->offset += (toff_t)n;
    return n;
}

static tmsize_t source_write(thandle_t handle, void *buffer, tmsize_t count) {
    (void)handle, (void)buffer, (void)count;
    return 0;
}

static toff_t source_seek(thandle_t handle, toff_t offset, int whence) {
    tiff_source *source = handle;
    toff_t base = whence == SEEK_CUR ? source->offset : whence == SEEK_END ? source->size : 0;
    source->offset = base + offset;
    return source->offset;
}

static int source_close(thandle_t handle) {
    (void)handle;
    return 0;
}

static toff_t source_size(thandle_t handle) { return ((tiff_source *)handle)->size; }

static int source_map(thandle_t handle, void **base, toff_t *size) {
    (void)handle, (void)base, (void)size;
    return 0;
}

static void source_unmap(thandle_t handle, void *base, toff_t size) { (void)handle, (void)base, (void)size; }

/// libtiff's errors go to the file's status (the first one kept), never to standard error.
static int on_error(TIFF *tiff, void *user, const char *module, const char *format, va_list arguments) {
    (void)tiff, (void)module;
    vgg_status *status = user;
    if (status->message[0] == 0) vsnprintf(status->message, VGG_MESSAGE_LENGTH, format, arguments);
    return 1;
}

static int on_warning(TIFF *tiff, void *user, const char *module, const char *format, va_list arguments) {
    (void)tiff, (void)module, (void)format, (void)arguments;
    ((vgg_status *)user)->warning_count++;
    return 1;
}

static const char *color_model(uint16_t photometric) {
    switch (photometric) {
    case PHOTOMETRIC_MINISWHITE:
    case PHOTOMETRIC_MINISBLACK: return "gray";
    case PHOTOMETRIC_RGB: return "rgb";
    case PHOTOMETRIC_PALETTE: return "palette";
    case PHOTOMETRIC_SEPARATED: return "cmyk";
    case PHOTOMETRIC_YCBCR: return "ycbcr";
    case PHOTOMETRIC_CIELAB: return "lab";
    default: return "other";
    }
}

/// The raster (ABGR words, alpha premultiplied by libtiff) into RGB over white.
static vgg_result take_raster(const uint32_t *raster, int width, int height, int alpha, vgg_decoded *out, vgg_status *status) {
    out->pixels = malloc((size_t)width * (size_t)height * 3);
    if (out->pixels == NULL) return vgg_fail(status, VGG_ERROR_INTERNAL, "out of memory");
    size_t count = (size_t)width * (size_t)height;
    for (size_t i = 0; i < count; i++) {
        uint32_t word = raster[i];
        unsigned a = alpha ? TIFFGetA(word) : 255u;
        // Premultiplied over white: c + 255 · (1 − a).
        out->pixels[3 * i] = (uint8_t)(TIFFGetR(word) + (255u - a));
        out->pixels[3 * i + 1] = (uint8_t)(TIFFGetG(word) + (255u - a));
        out->pixels[3 * i + 2] = (uint8_t)(TIFFGetB(word) + (255u - a));
    }
    out->width = width;
    out->height = height;
    return VGG_OK;
}

static vgg_result first_page(TIFF *tiff, const vgg_decode_request *request, vgg_decoded *out, vgg_status *status) {
    uint32_t width = 0, height = 0;
    uint16_t bits = 8, photometric = PHOTOMETRIC_RGB, orientation = ORIENTATION_TOPLEFT, extra = 0;
    uint16_t *extraTypes = NULL;
    TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, &height);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetField(tiff, TIFFTAG_PHOTOMETRIC, &photometric);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_ORIENTATION, &orientation);
    TIFFGetFieldDefaulted(tiff, TIFFTAG_EXTRASAMPLES, &extra, &extraTypes);
    out->bit_depth = bits;
    out->has_alpha = extra > 0;
    out->orientation = orientation >= 1 && orientation <= 8 ? orientation : 1;
    snprintf(out->color_model, sizeof(out->color_model), "%s", color_model(photometric));
    vgg_result result = vgg_check_size(width, height, request, out, status);
    if (result != VGG_OK) return result;
    uint32_t iccSize = 0;
    void *icc = NULL;
    if (TIFFGetField(tiff, TIFFTAG_ICCPROFILE, &iccSize, &icc) && iccSize > 0) {
        out->icc = vgg_copy_bytes(icc, iccSize);
        out->icc_size = out->icc ? iccSize : 0;
    }

    char message[1024] = {0};
    if (!TIFFRGBAImageOK(tiff, message)) return vgg_fail(status, VGG_ERROR_UNSUPPORTED, "%s", message);
    TIFFRGBAImage image;
    if (!TIFFRGBAImageBegin(&image, tiff, 1, message)) return vgg_fail(status, VGG_ERROR_CORRUPT, "%s", message);
    // Rows in the file's own order: the orientation tag is applied by the caller, whole
    // (libtiff would only flip, never turn).
    image.req_orientation = ORIENTATION_TOPLEFT;
    image.orientation = ORIENTATION_TOPLEFT;
    uint32_t *raster = _TIFFmalloc((tmsize_t)width * (tmsize_t)height * (tmsize_t)sizeof(uint32_t));
    if (raster == NULL) {
        TIFFRGBAImageEnd(&image);
        return vgg_fail(status, VGG_ERROR_INTERNAL, "out of memory");
    }
    int ok = TIFFRGBAImageGet(&image, raster, width, height);
    TIFFRGBAImageEnd(&image);
    if (ok) {
        result = take_raster(raster, (int)width, (int)height, extra > 0, out, status);
    } else {
        result = vgg_fail(status, VGG_ERROR_CORRUPT, "%s", status->message[0] ? status->message : "damaged image data");
    }
    _TIFFfree(raster);
    return result;
}

vgg_result vgg_tiff_decode(const uint8_t *data, size_t size, const vgg_decode_request *request, vgg_decoded *out,
                           vgg_status *status) {
    memset(status, 0, sizeof(*status));
    memset(out, 0, sizeof(*out));
    tiff_source source = {data, (toff_t)size, 0, status};
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (options == NULL) return vgg_fail(status, VGG_ERROR_INTERNAL, "out of memory");
    // No single allocation larger than the biggest raster the pixel limit allows (4 bytes a
    // pixel) plus room for tables: a header that claims more is refused before memory is taken.
    TIFFOpenOptionsSetMaxSingleMemAlloc(options, (tmsize_t)request->max_pixels * 4 + (64 << 20));
    TIFFOpenOptionsSetErrorHandlerExtR(options, on_error, status);
    TIFFOpenOptionsSetWarningHandlerExtR(options, on_warning, status);
    TIFF *tiff = TIFFClientOpenExt("memory", "rm", &source, source_read, source_write, source_seek, source_close, source_size,
                                   source_map, source_unmap, options);
    TIFFOpenOptionsFree(options);
    if (tiff == NULL) {
        return vgg_fail(status, VGG_ERROR_CORRUPT, "%s", status->message[0] ? status->message : "not a readable TIFF file");
    }
    out->images = (int)TIFFNumberOfDirectories(tiff);
    status->message[0] = 0;
    vgg_result result = first_page(tiff, request, out, status);
    TIFFClose(tiff);
    if (result != VGG_OK) {
        vgg_decoded_release(out);
        return result;
    }
    snprintf(out->detail, sizeof(out->detail), "page 1 of %d, %d-bit %s", out->images, out->bit_depth, out->color_model);
    return VGG_OK;
}
