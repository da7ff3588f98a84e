// Internal helpers of the HEIF, WebP, TIFF and RAW decoders (see decoded.c).
#ifndef VGG_DECODED_H
#define VGG_DECODED_H

#include "CImageCodecs.h"

/// Records a failure with its message and returns `result`.
vgg_result vgg_fail(vgg_status *status, vgg_result result, const char *format, ...) __attribute__((format(printf, 3, 4)));

/// Records the stored size and refuses an empty one or one over the request's pixel limit.
vgg_result vgg_check_size(long width, long height, const vgg_decode_request *request, vgg_decoded *out, vgg_status *status);

/// A malloc'd copy of `size` bytes (NULL for none or when out of memory).
uint8_t *vgg_copy_bytes(const void *bytes, size_t size);

/// `pixels` RGBA pixels composited over white into RGB.
void vgg_composite_row(const uint8_t *rgba, size_t pixels, uint8_t *rgb);

/// Refuses a HEIF file whose declared sizes (any 'ispe', a grid's own description) exceed the
/// request's pixel limit, or that holds an overlay, before libheif reads it (heif_limits.c).
vgg_result vgg_heif_check_limits(const uint8_t *data, size_t size, const vgg_decode_request *request, vgg_decoded *out,
                                 vgg_status *status);

#endif
