// C side of vggbatch's image codecs. libjpeg and libpng report errors by longjmp; every
// function here runs a whole decode or encode inside one C frame, so no jump ever crosses
// a Swift frame. Swift gets a status with a classified failure and a message instead.
#ifndef VGG_IMAGE_CODECS_H
#define VGG_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

#define VGG_MESSAGE_LENGTH 200

/// How a codec call ended.
typedef enum {
    VGG_OK = 0,
    VGG_ERROR_CORRUPT = 1,      // damaged header or compressed data
    VGG_ERROR_TRUNCATED = 2,    // the data ends before the image does
    VGG_ERROR_UNSUPPORTED = 3,  // valid but deliberately not decoded (12-bit JPEG)
    VGG_ERROR_INTERNAL = 4,     // caller misuse (buffer too small) or out of memory
} vgg_result;

typedef struct {
    vgg_result result;
    int warning_count;          // warnings seen (non-fatal ones included)
    char message[VGG_MESSAGE_LENGTH];  // first fatal message, else the first warning
} vgg_status;

/// What a JPEG header says, read without decoding any pixels.
typedef struct {
    int width;
    int height;
    int components;
    int color_space;      // J_COLOR_SPACE of the file: 1 gray, 2 RGB, 3 YCbCr, 4 CMYK, 5 YCCK
    int precision;        // bits per sample
    int progressive;
    int arithmetic;
    int saw_adobe_marker; // Adobe APP14 present: CMYK samples are stored inverted
} vgg_jpeg_header;

/// Reads the header of the JPEG in `data`. Returns VGG_OK and fills `header`, or an error.
vgg_result vgg_jpeg_read_header(const uint8_t *data, size_t size, vgg_jpeg_header *header,
                                vgg_status *status);

/// Decodes the JPEG in `data` at `scale_num`/`scale_denom` size (libjpeg-turbo's M/8, M in
/// 1...16, or 1/1, 1/2, 1/4, 1/8) into `out`.
///
/// Output is interleaved 8-bit RGB (3 bytes a pixel) for gray, RGB and YCbCr files, and the
/// file's CMYK samples (4 bytes a pixel, Adobe-inverted if the file says so) for CMYK and YCCK
/// files. `out_capacity` must be at least width * height * channels of the scaled output;
/// the actual size and channel count are returned. Any libjpeg warning raised after the header
/// (truncated or corrupt entropy-coded data, which libjpeg otherwise fills with grey) is fatal.
vgg_result vgg_jpeg_decode(const uint8_t *data, size_t size, int scale_num, int scale_denom, uint8_t *out,
                           size_t out_capacity, int *out_width, int *out_height,
                           int *out_channels, vgg_status *status);

/// Encodes interleaved 8-bit RGB as a baseline JPEG. On VGG_OK `*out_data` is a malloc'd
/// buffer of `*out_size` bytes that the caller releases with `vgg_free`.
vgg_result vgg_jpeg_encode_rgb(const uint8_t *rgb, int width, int height, int quality,
                               uint8_t **out_data, size_t *out_size, vgg_status *status);

/// Decodes the PNG in `data` to interleaved 8-bit RGB in `out` (`width * height * 3` bytes).
///
/// Every colour type and bit depth is expanded: palette and low-bit gray to 8 bits, gray to
/// RGB, 16-bit samples scaled (not clipped) to 8 bits, tRNS to alpha, Adam7 de-interlaced.
/// Alpha is composited over white. gAMA, iCCP and text chunks are ignored.
/// `scratch` must hold `width * height * 4` bytes (the RGBA image before compositing).
vgg_result vgg_png_decode(const uint8_t *data, size_t size, int width, int height,
                          uint8_t *scratch, size_t scratch_capacity, uint8_t *out,
                          size_t out_capacity, vgg_status *status);

/// Encodes interleaved 8-bit RGB as a PNG. On VGG_OK `*out_data` is a malloc'd buffer of
/// `*out_size` bytes that the caller releases with `vgg_free`.
vgg_result vgg_png_encode_rgb(const uint8_t *rgb, int width, int height, uint8_t **out_data,
                              size_t *out_size, vgg_status *status);

/// Releases a buffer returned by an encoder.
void vgg_free(void *pointer);

#endif
