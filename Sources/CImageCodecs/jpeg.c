// libjpeg glue: error manager with setjmp kept inside each public function.
#include "CImageCodecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    vgg_status *status;
    int decoding;   // set once the header is read: warnings from then on are fatal
    int saw_eof;    // libjpeg hit the end of the data and inserted a fake EOI
} vgg_jpeg_error;

static void vgg_set_message(vgg_status *status, j_common_ptr cinfo) {
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    snprintf(status->message, VGG_MESSAGE_LENGTH, "%s", text);
}

static void vgg_jpeg_error_exit(j_common_ptr cinfo) {
    vgg_jpeg_error *err = (vgg_jpeg_error *)cinfo->err;
    vgg_status *status = err->status;
    vgg_set_message(status, cinfo);
    switch (err->pub.msg_code) {
    case JERR_BAD_PRECISION:
        status->result = VGG_ERROR_UNSUPPORTED;
        break;
    case JERR_OUT_OF_MEMORY:
        status->result = VGG_ERROR_INTERNAL;
        break;
    default:
        status->result = err->saw_eof ? VGG_ERROR_TRUNCATED : VGG_ERROR_CORRUPT;
        break;
    }
    longjmp(err->jump, 1);
}

// libjpeg reports damaged or missing entropy-coded data only as a warning and fills the
// rest of the image with grey. A grey-padded photo would be indexed as if it were real, so
// every warning raised while pixels are being decoded is fatal. Warnings raised while the
// header is read (stray bytes between header segments, odd APPn contents) are harmless for
// the pixels and are only counted.
static void vgg_jpeg_emit_message(j_common_ptr cinfo, int level) {
    vgg_jpeg_error *err = (vgg_jpeg_error *)cinfo->err;
    if (level >= 0) return;  // trace messages
    err->pub.num_warnings++;
    err->status->warning_count++;
    if (err->pub.msg_code == JWRN_JPEG_EOF) err->saw_eof = 1;
    if (err->decoding) {
        vgg_set_message(err->status, cinfo);
        err->status->result = err->saw_eof ? VGG_ERROR_TRUNCATED : VGG_ERROR_CORRUPT;
        longjmp(err->jump, 1);
    }
    if (err->status->message[0] == 0) vgg_set_message(err->status, cinfo);
}

static void vgg_jpeg_silence(j_common_ptr cinfo) { (void)cinfo; }

static void vgg_jpeg_init_error(vgg_jpeg_error *err, vgg_status *status) {
    memset(status, 0, sizeof(*status));
    jpeg_std_error(&err->pub);
    err->pub.error_exit = vgg_jpeg_error_exit;
    err->pub.emit_message = vgg_jpeg_emit_message;
    err->pub.output_message = vgg_jpeg_silence;
    err->status = status;
    err->decoding = 0;
    err->saw_eof = 0;
}

// Decoding never needs more than the pixel limit allows; cap libjpeg's own allocations too.
static const long vgg_jpeg_max_memory = 2L * 1024 * 1024 * 1024;

// The setup every public function shares. Each keeps its own setjmp (a jump may only return
// to a frame still running): errors raised in `vgg_jpeg_open` jump back to it.

/// Points the decompressor at an error manager that reports into `status`.
static void vgg_jpeg_attach(struct jpeg_decompress_struct *cinfo, vgg_jpeg_error *err, vgg_status *status) {
    vgg_jpeg_init_error(err, status);
    cinfo->err = &err->pub;
}

/// Creates the decompressor over `data`, its memory capped, and reads the header.
static void vgg_jpeg_open(struct jpeg_decompress_struct *cinfo, const uint8_t *data, size_t size) {
    jpeg_create_decompress(cinfo);
    cinfo->mem->max_memory_to_use = vgg_jpeg_max_memory;
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_read_header(cinfo, TRUE);
}

/// After a jump: frees the decompressor and returns the result the error recorded.
static vgg_result vgg_jpeg_abandon(struct jpeg_decompress_struct *cinfo, vgg_status *status) {
    jpeg_destroy_decompress(cinfo);
    return status->result;
}

vgg_result vgg_jpeg_read_header(const uint8_t *data, size_t size, vgg_jpeg_header *header,
                                vgg_status *status) {
    struct jpeg_decompress_struct cinfo;
    vgg_jpeg_error err;
    vgg_jpeg_attach(&cinfo, &err, status);
    if (setjmp(err.jump)) return vgg_jpeg_abandon(&cinfo, status);
    vgg_jpeg_open(&cinfo, data, size);
    header->width = (int)cinfo.image_width;
    header->height = (int)cinfo.image_height;
    header->components = cinfo.num_components;
    header->color_space = (int)cinfo.jpeg_color_space;
    header->precision = cinfo.data_precision;
    header->progressive = cinfo.progressive_mode ? 1 : 0;
    header->arithmetic = cinfo.arith_code ? 1 : 0;
    header->saw_adobe_marker = cinfo.saw_Adobe_marker ? 1 : 0;
    jpeg_destroy_decompress(&cinfo);
    status->result = VGG_OK;
    return VGG_OK;
}

vgg_result vgg_jpeg_decode(const uint8_t *data, size_t size, int scale_num, int scale_denom, uint8_t *out,
                           size_t out_capacity, int *out_width, int *out_height,
                           int *out_channels, vgg_status *status) {
    struct jpeg_decompress_struct cinfo;
    vgg_jpeg_error err;
    vgg_jpeg_attach(&cinfo, &err, status);
    if (setjmp(err.jump)) return vgg_jpeg_abandon(&cinfo, status);
    vgg_jpeg_open(&cinfo, data, size);

    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    cinfo.scale_num = (unsigned int)scale_num;
    cinfo.scale_denom = (unsigned int)scale_denom;
    cinfo.dct_method = JDCT_ISLOW;
    jpeg_calc_output_dimensions(&cinfo);
    size_t stride = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    if (stride * cinfo.output_height > out_capacity) {
        snprintf(status->message, VGG_MESSAGE_LENGTH, "output buffer too small for %ux%ux%d",
                 cinfo.output_width, cinfo.output_height, cinfo.output_components);
        status->result = VGG_ERROR_INTERNAL;
        jpeg_destroy_decompress(&cinfo);
        return VGG_ERROR_INTERNAL;
    }
    *out_width = (int)cinfo.output_width;
    *out_height = (int)cinfo.output_height;
    *out_channels = cinfo.output_components;

    err.decoding = 1;
    jpeg_start_decompress(&cinfo);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    status->result = VGG_OK;
    return VGG_OK;
}

// A destination manager over a buffer this file owns, so the error path can always free it
// (libjpeg's jpeg_mem_dest keeps its grown buffer where the caller cannot reach it).
typedef struct {
    struct jpeg_destination_mgr pub;
    uint8_t *data;
    size_t capacity;
} vgg_jpeg_destination;

static void vgg_dest_init(j_compress_ptr cinfo) { (void)cinfo; }

static boolean vgg_dest_grow(j_compress_ptr cinfo) {
    vgg_jpeg_destination *dest = (vgg_jpeg_destination *)cinfo->dest;
    size_t grown = dest->capacity * 2;
    uint8_t *data = realloc(dest->data, grown);
    if (data == NULL) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
    dest->pub.next_output_byte = data + dest->capacity;
    dest->pub.free_in_buffer = grown - dest->capacity;
    dest->data = data;
    dest->capacity = grown;
    return TRUE;
}

static void vgg_dest_term(j_compress_ptr cinfo) { (void)cinfo; }

vgg_result vgg_jpeg_encode_rgb(const uint8_t *rgb, int width, int height, int quality,
                               uint8_t **out_data, size_t *out_size, vgg_status *status) {
    struct jpeg_compress_struct cinfo;
    vgg_jpeg_error err;
    vgg_jpeg_destination dest;
    dest.capacity = 65536 + (size_t)width * (size_t)height / 2;
    dest.data = malloc(dest.capacity);
    vgg_jpeg_init_error(&err, status);
    if (dest.data == NULL) {
        snprintf(status->message, VGG_MESSAGE_LENGTH, "out of memory");
        status->result = VGG_ERROR_INTERNAL;
        return VGG_ERROR_INTERNAL;
    }
    cinfo.err = &err.pub;
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(dest.data);
        return status->result;
    }
    jpeg_create_compress(&cinfo);
    dest.pub.init_destination = vgg_dest_init;
    dest.pub.empty_output_buffer = vgg_dest_grow;
    dest.pub.term_destination = vgg_dest_term;
    dest.pub.next_output_byte = dest.data;
    dest.pub.free_in_buffer = dest.capacity;
    cinfo.dest = &dest.pub;
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * 3;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + stride * cinfo.next_scanline);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    *out_data = dest.data;
    *out_size = dest.capacity - dest.pub.free_in_buffer;
    jpeg_destroy_compress(&cinfo);
    status->result = VGG_OK;
    return VGG_OK;
}

void vgg_free(void *pointer) { free(pointer); }
