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
    VGG_ERROR_TOO_LARGE = 5,    // the header declares more pixels than the request allows
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

// ---- HEIF/AVIF, WebP, TIFF and RAW -------------------------------------------------------
// Each reads a whole file from memory and hands back 8-bit RGB (alpha composited over white)
// in a buffer it allocates, after checking the declared size against `max_pixels` before any
// pixel buffer exists. A failure leaves nothing to release.

/// What a decode may do.
typedef struct {
    long max_pixels;       // stored width × height above which the file is refused (VGG_ERROR_TOO_LARGE)
    int minimum_side;      // > 0: a format that can decode smaller may, keeping both sides at least this
    int hevc_libde265;     // HEIC: 1 decodes with libde265 even where libavcodec is installed
} vgg_decode_request;

/// What a decode found and made.
typedef struct {
    uint8_t *pixels;       // width × height × 3 bytes, interleaved RGB; NULL when `embedded` is set
    int width, height;     // of `pixels`, before `orientation`
    int stored_width, stored_height;  // the image as the file stores it (the sensor's for RAW)
    int bit_depth;         // bits per sample in the file
    int has_alpha;
    int orientation;       // 1...8, the EXIF-style transform still to apply (1: none)
    int images;            // images, frames or pages in the file; the first (HEIF: primary) is decoded
    char color_model[24];  // "rgb", "gray", "palette", "cmyk", "ycbcr", "bayer"...
    char detail[112];      // how it was decoded, for `inspect`
    uint8_t *icc;          // the embedded ICC profile, or NULL
    size_t icc_size;
    uint8_t *embedded;     // RAW: the embedded preview JPEG, to decode as a JPEG; else NULL
    size_t embedded_size;
    uint8_t *exif;         // WebP: the EXIF chunk (a TIFF structure), for its orientation; else NULL
    size_t exif_size;
} vgg_decoded;

/// Frees what a successful decode allocated.
void vgg_decoded_release(vgg_decoded *decoded);

/// HEIF (HEIC, AVIF): the primary image, its irot/imir/clap transforms applied (so
/// `orientation` is 1: the EXIF orientation of a HEIF must be ignored), grids assembled,
/// 10/12-bit samples reduced to 8 bits, alpha composited.
/// Whether FFmpeg's libavcodec (the major version vggbatch was built against) could be opened
/// for HEVC; HEIC tiles then go to it rather than to libde265.
int vgg_hevc_libavcodec_available(void);

vgg_result vgg_heif_decode(const uint8_t *data, size_t size, const vgg_decode_request *request, vgg_decoded *out,
                           vgg_status *status);

/// WebP (lossy, lossless, alpha; animated: the first frame, as shown), scaled while decoding
/// down to `minimum_side` when asked (still images); its EXIF chunk in `exif`.
vgg_result vgg_webp_decode(const uint8_t *data, size_t size, const vgg_decode_request *request, vgg_decoded *out,
                           vgg_status *status);

/// TIFF: the first page, any bit depth and photometric interpretation libtiff's RGBA reader
/// knows (RGB, gray, palette, CMYK, YCbCr, 16-bit); `orientation` from its tag.
vgg_result vgg_tiff_decode(const uint8_t *data, size_t size, const vgg_decode_request *request, vgg_decoded *out,
                           vgg_status *status);

/// RAW (DNG, CR2, NEF, ARW... whatever LibRaw reads): the embedded preview JPEG in `embedded`
/// when it is at least `minimum_side` on both sides, else a half-size demosaic in `pixels`;
/// `orientation` from the camera's flip either way.
vgg_result vgg_raw_decode(const uint8_t *data, size_t size, const vgg_decode_request *request, vgg_decoded *out,
                          vgg_status *status);

/// Converts `pixel_count` interleaved 8-bit RGB pixels in place from the colour space of the
/// ICC profile `icc` to sRGB (perceptual intent). VGG_ERROR_UNSUPPORTED for a profile that is
/// not an RGB one; VGG_ERROR_CORRUPT for one lcms2 cannot read.
vgg_result vgg_icc_to_srgb(uint8_t *rgb, size_t pixel_count, const uint8_t *icc, size_t icc_size, vgg_status *status);

/// Whether `icc` describes sRGB (its primaries, white point and curve), so that nothing needs
/// converting: 1 yes, 0 no or unreadable.
int vgg_icc_is_srgb(const uint8_t *icc, size_t icc_size);

#endif
