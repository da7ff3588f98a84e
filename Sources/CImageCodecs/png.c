// libpng glue: the low-level read API (for exact control of 16-bit scaling, gamma and
// ancillary chunks) with setjmp kept inside each public function.
#include "CImageCodecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    vgg_status *status;
    int hit_end;
} vgg_png_reader;

static void vgg_png_read(png_structp png, png_bytep out, size_t length) {
    vgg_png_reader *reader = (vgg_png_reader *)png_get_io_ptr(png);
    if (length > reader->size - reader->offset) {
        reader->hit_end = 1;
        png_error(png, "file ends before the image data does");
    }
    memcpy(out, reader->data + reader->offset, length);
    reader->offset += length;
}

static void vgg_png_error(png_structp png, png_const_charp message) {
    vgg_png_reader *reader = (vgg_png_reader *)png_get_error_ptr(png);
    snprintf(reader->status->message, VGG_MESSAGE_LENGTH, "%s", message);
    reader->status->result = reader->hit_end ? VGG_ERROR_TRUNCATED : VGG_ERROR_CORRUPT;
    png_longjmp(png, 1);
}

static void vgg_png_warning(png_structp png, png_const_charp message) {
    vgg_png_reader *reader = (vgg_png_reader *)png_get_error_ptr(png);
    reader->status->warning_count++;
    if (reader->status->message[0] == 0)
        snprintf(reader->status->message, VGG_MESSAGE_LENGTH, "%s", message);
}

// Chunks that carry no pixels. Text chunks can inflate to gigabytes (zTXt bombs) and colour
// profiles are not applied, so libpng is told to skip them without decompressing anything.
static const png_byte vgg_png_ignored_chunks[] = {
    'i', 'C', 'C', 'P', '\0', 'i', 'T', 'X', 't', '\0', 's', 'P', 'L', 'T', '\0',
    't', 'E', 'X', 't', '\0', 'z', 'T', 'X', 't', '\0',
};

vgg_result vgg_png_decode(const uint8_t *data, size_t size, int width, int height,
                          uint8_t *scratch, size_t scratch_capacity, uint8_t *out,
                          size_t out_capacity, vgg_status *status) {
    memset(status, 0, sizeof(*status));
    vgg_png_reader reader = {data, size, 0, status, 0};
    // Volatile: assigned after setjmp and read on the error path.
    png_bytep *volatile rows = NULL;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, vgg_png_error,
                                             vgg_png_warning);
    if (png == NULL) {
        snprintf(status->message, VGG_MESSAGE_LENGTH, "out of memory");
        status->result = VGG_ERROR_INTERNAL;
        return VGG_ERROR_INTERNAL;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL || setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, info == NULL ? NULL : &info, NULL);
        free(rows);
        if (status->result == VGG_OK) status->result = VGG_ERROR_INTERNAL;
        return status->result;
    }
    png_set_read_fn(png, &reader, vgg_png_read);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, vgg_png_ignored_chunks,
                                (int)(sizeof(vgg_png_ignored_chunks) / 5));
    // Gamma is not applied: the networks were trained on pixels as stored (as Pillow reads them).
    png_read_info(png, info);

    png_uint_32 file_width = png_get_image_width(png, info);
    png_uint_32 file_height = png_get_image_height(png, info);
    if ((int)file_width != width || (int)file_height != height) {
        snprintf(status->message, VGG_MESSAGE_LENGTH, "IHDR says %ux%u, expected %dx%d",
                 file_width, file_height, width, height);
        png_error(png, status->message);
    }
    int color_type = png_get_color_type(png, info);
    png_set_expand(png);          // palette -> RGB, gray < 8 bits -> 8 bits, tRNS -> alpha
    png_set_scale_16(png);        // 16 -> 8 bits by v * 255 / 65535, rounded
    if ((color_type & PNG_COLOR_MASK_COLOR) == 0) png_set_gray_to_rgb(png);
    png_set_add_alpha(png, 0xFF, PNG_FILLER_AFTER);  // no-op when alpha is already there
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    size_t stride = png_get_rowbytes(png, info);
    size_t pixels = (size_t)width * (size_t)height;
    if (stride != (size_t)width * 4 || scratch_capacity < pixels * 4 || out_capacity < pixels * 3) {
        snprintf(status->message, VGG_MESSAGE_LENGTH, "unexpected row size %zu for width %d",
                 stride, width);
        png_error(png, status->message);
    }
    rows = malloc(sizeof(png_bytep) * (size_t)height);
    if (rows == NULL) png_error(png, "out of memory");
    for (int y = 0; y < height; y++) rows[y] = scratch + stride * (size_t)y;
    png_read_image(png, rows);
    // Trailing chunks (after the image data is complete) are not read: a surplus or cut-off
    // IDAT after a complete image does not change a pixel.
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);

    // Composite over white: out = c * a + 255 * (1 - a), rounded.
    for (size_t i = 0; i < pixels; i++) {
        const uint8_t *s = scratch + i * 4;
        uint8_t *d = out + i * 3;
        unsigned a = s[3];
        unsigned white = 255u * (255u - a);
        d[0] = (uint8_t)((s[0] * a + white + 127u) / 255u);
        d[1] = (uint8_t)((s[1] * a + white + 127u) / 255u);
        d[2] = (uint8_t)((s[2] * a + white + 127u) / 255u);
    }
    status->result = VGG_OK;
    return VGG_OK;
}

vgg_result vgg_png_encode_rgb(const uint8_t *rgb, int width, int height, uint8_t **out_data,
                              size_t *out_size, vgg_status *status) {
    memset(status, 0, sizeof(*status));
    png_image image;
    memset(&image, 0, sizeof(image));
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = PNG_FORMAT_RGB;
    png_alloc_size_t size = 0;
    // The simplified API does its own setjmp; first call measures, second call writes.
    if (!png_image_write_to_memory(&image, NULL, &size, 0, rgb, 0, NULL)) {
        snprintf(status->message, VGG_MESSAGE_LENGTH, "%s", image.message);
        png_image_free(&image);
        status->result = VGG_ERROR_INTERNAL;
        return VGG_ERROR_INTERNAL;
    }
    uint8_t *buffer = malloc(size);
    if (buffer == NULL ||
        !png_image_write_to_memory(&image, buffer, &size, 0, rgb, 0, NULL)) {
        snprintf(status->message, VGG_MESSAGE_LENGTH, "%s",
                 buffer == NULL ? "out of memory" : image.message);
        free(buffer);
        png_image_free(&image);
        status->result = VGG_ERROR_INTERNAL;
        return VGG_ERROR_INTERNAL;
    }
    *out_data = buffer;
    *out_size = size;
    status->result = VGG_OK;
    return VGG_OK;
}
