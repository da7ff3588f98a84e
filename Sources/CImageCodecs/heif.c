// HEIF (HEIC, AVIF) through libheif: the primary image, transformed and 8-bit.
#include "decoded.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libheif/heif.h>

int vgg_hevc_use_libavcodec(struct heif_context *context);

static vgg_result heif_failure(vgg_status *status, struct heif_error error, vgg_decoded *out) {
    vgg_result result = VGG_ERROR_CORRUPT;
    switch (error.code) {
    case heif_error_Unsupported_filetype:
    case heif_error_Unsupported_feature:
        result = VGG_ERROR_UNSUPPORTED;
        break;
    case heif_error_Memory_allocation_error:
        // libheif's own limits (image size, grid tiles, references) are checked as the file is
        // read, before any pixel is allocated.
        // libheif says which size it refused only in its message ("Image size 65535x65535
        // exceeds ..."); without one the refusal is reported as damage, with that message.
        result = VGG_ERROR_INTERNAL;
        if (error.subcode == heif_suberror_Security_limit_exceeded) {
            const char *size = error.message ? strstr(error.message, "Image size ") : NULL;
            int width = 0, height = 0;
            if (size != NULL && sscanf(size, "Image size %dx%d", &width, &height) == 2 && width > 0 && height > 0) {
                out->stored_width = width;
                out->stored_height = height;
                result = VGG_ERROR_TOO_LARGE;
            } else {
                result = VGG_ERROR_CORRUPT;
            }
        }
        break;
    case heif_error_Invalid_input:
        result = error.subcode == heif_suberror_End_of_data ? VGG_ERROR_TRUNCATED : VGG_ERROR_CORRUPT;
        break;
    case heif_error_Decoder_plugin_error:
        // libde265 and dav1d report damaged streams here; a missing decoder is unsupported.
        result = error.subcode == heif_suberror_Unsupported_codec ? VGG_ERROR_UNSUPPORTED : VGG_ERROR_CORRUPT;
        break;
    default:
        break;
    }
    return vgg_fail(status, result, "%s", error.message ? error.message : "libheif failed");
}

// MARK: - Decoding

/// The decoded image into `out->pixels`, alpha composited.
static vgg_result copy_pixels(const struct heif_image *image, int alpha, vgg_decoded *out, vgg_status *status) {
    int width = heif_image_get_width(image, heif_channel_interleaved);
    int height = heif_image_get_height(image, heif_channel_interleaved);
    int stride = 0;
    const uint8_t *plane = heif_image_get_plane_readonly(image, heif_channel_interleaved, &stride);
    if (plane == NULL || width <= 0 || height <= 0) return vgg_fail(status, VGG_ERROR_CORRUPT, "decoded image has no pixels");
    out->pixels = malloc((size_t)width * (size_t)height * 3);
    if (out->pixels == NULL) return vgg_fail(status, VGG_ERROR_INTERNAL, "out of memory");
    for (int y = 0; y < height; y++) {
        const uint8_t *row = plane + (size_t)y * (size_t)stride;
        uint8_t *target = out->pixels + (size_t)y * (size_t)width * 3;
        if (alpha) {
            vgg_composite_row(row, (size_t)width, target);
        } else {
            memcpy(target, row, (size_t)width * 3);
        }
    }
    out->width = width;
    out->height = height;
    return VGG_OK;
}

/// The primary image's embedded ICC profile (rICC or prof), if any.
static void copy_profile(const struct heif_image_handle *handle, vgg_decoded *out) {
    enum heif_color_profile_type type = heif_image_handle_get_color_profile_type(handle);
    if (type != heif_color_profile_type_rICC && type != heif_color_profile_type_prof) return;
    size_t size = heif_image_handle_get_raw_color_profile_size(handle);
    if (size == 0 || size > (4u << 20)) return;
    uint8_t *icc = malloc(size);
    if (icc == NULL) return;
    if (heif_image_handle_get_raw_color_profile(handle, icc).code != heif_error_Ok) {
        free(icc);
        return;
    }
    out->icc = icc;
    out->icc_size = size;
}

static vgg_result decode_primary(struct heif_context *context, const vgg_decode_request *request, vgg_decoded *out, vgg_status *status) {
    struct heif_image_handle *handle = NULL;
    struct heif_error error = heif_context_get_primary_image_handle(context, &handle);
    if (error.code != heif_error_Ok) return heif_failure(status, error, out);
    // The size after transformations, checked before anything is decoded.
    vgg_result result = vgg_check_size(
        heif_image_handle_get_width(handle), heif_image_handle_get_height(handle), request, out, status);
    if (result != VGG_OK) {
        heif_image_handle_release(handle);
        return result;
    }
    int alpha = heif_image_handle_has_alpha_channel(handle);
    out->has_alpha = alpha;
    int luma = heif_image_handle_get_luma_bits_per_pixel(handle);
    out->bit_depth = luma > 0 ? luma : 8;
    out->images = heif_context_get_number_of_top_level_images(context);
    out->orientation = 1;
    copy_profile(handle, out);

    struct heif_decoding_options *options = heif_decoding_options_alloc();
    options->convert_hdr_to_8bit = 1;
    struct heif_image *image = NULL;
    error = heif_decode_image(
        handle, &image, heif_colorspace_RGB, alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, options);
    heif_decoding_options_free(options);
    heif_image_handle_release(handle);
    if (error.code != heif_error_Ok) return heif_failure(status, error, out);
    result = copy_pixels(image, alpha, out, status);
    heif_image_release(image);
    return result;
}

vgg_result vgg_heif_decode(const uint8_t *data, size_t size, const vgg_decode_request *request, vgg_decoded *out,
                           vgg_status *status) {
    memset(status, 0, sizeof(*status));
    memset(out, 0, sizeof(*out));
    struct heif_context *context = heif_context_alloc();
    if (context == NULL) return vgg_fail(status, VGG_ERROR_INTERNAL, "out of memory");
    // No side may exceed what the pixel limit allows for a one-pixel-high image; the product
    // is checked on the handle before anything is decoded.
    long side = request->max_pixels < 0x7fffffffL ? request->max_pixels : 0x7fffffffL;
    heif_context_set_maximum_image_size_limit(context, (int)side);
    int av1 = size <= 0x7fffffff && (heif_main_brand(data, (int)size) == heif_avif || heif_main_brand(data, (int)size) == heif_avis);
    int libavcodec = !av1 && !request->hevc_libde265 && vgg_hevc_use_libavcodec(context);
    vgg_result result = vgg_heif_check_limits(data, size, request, out, status);
    if (result == VGG_OK) {
        struct heif_error error = heif_context_read_from_memory_without_copy(context, data, size, NULL);
        result = error.code == heif_error_Ok ? decode_primary(context, request, out, status) : heif_failure(status, error, out);
    }
    heif_context_free(context);
    if (result != VGG_OK) vgg_decoded_release(out);
    snprintf(out->color_model, sizeof(out->color_model), "%s", out->has_alpha ? "rgba" : "rgb");
    if (result == VGG_OK) {
        snprintf(out->detail, sizeof(out->detail), "primary image of %d, %d-bit, transforms applied, %s", out->images,
                 out->bit_depth, av1 ? "AV1 by dav1d" : libavcodec ? "HEVC by libavcodec" : "HEVC by libde265");
    }
    return result;
}
