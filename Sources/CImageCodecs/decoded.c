// What the HEIF, WebP, TIFF and RAW decoders share: the result they hand back, failures
// and compositing over white.
#include "decoded.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vgg_decoded_release(vgg_decoded *decoded) {
    free(decoded->pixels);
    free(decoded->icc);
    free(decoded->embedded);
    free(decoded->exif);
    decoded->pixels = NULL;
    decoded->icc = NULL;
    decoded->embedded = NULL;
    decoded->exif = NULL;
}

vgg_result vgg_fail(vgg_status *status, vgg_result result, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(status->message, VGG_MESSAGE_LENGTH, format, arguments);
    va_end(arguments);
    status->result = result;
    return result;
}

vgg_result vgg_check_size(long width, long height, const vgg_decode_request *request, vgg_decoded *out, vgg_status *status) {
    out->stored_width = (int)(width > 0x7fffffffL ? 0x7fffffffL : width);
    out->stored_height = (int)(height > 0x7fffffffL ? 0x7fffffffL : height);
    if (width <= 0 || height <= 0) return vgg_fail(status, VGG_ERROR_CORRUPT, "header gives an empty size %ldx%ld", width, height);
    if (width > request->max_pixels / height) {
        return vgg_fail(status, VGG_ERROR_TOO_LARGE, "image is %ldx%ld", width, height);
    }
    return VGG_OK;
}

uint8_t *vgg_copy_bytes(const void *bytes, size_t size) {
    if (bytes == NULL || size == 0) return NULL;
    uint8_t *copy = malloc(size);
    if (copy != NULL) memcpy(copy, bytes, size);
    return copy;
}

void vgg_composite_row(const uint8_t *rgba, size_t pixels, uint8_t *rgb) {
    // Over white: out = c · a + 255 · (1 − a), rounded, as for PNG.
    for (size_t i = 0; i < pixels; i++) {
        const uint8_t *s = rgba + 4 * i;
        uint8_t *d = rgb + 3 * i;
        unsigned a = s[3];
        unsigned white = 255u * (255u - a);
        d[0] = (uint8_t)((s[0] * a + white + 127u) / 255u);
        d[1] = (uint8_t)((s[1] * a + white + 127u) / 255u);
        d[2] = (uint8_t)((s[2] * a + white + 127u) / 255u);
    }
}
