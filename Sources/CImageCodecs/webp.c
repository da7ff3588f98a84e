// WebP through libwebp: still images decoded (scaled when asked), animations' first frame
// rendered on their canvas.
#include "decoded.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>
#include <webp/demux.h>

static vgg_result webp_failure(vgg_status *status, VP8StatusCode code) {
    switch (code) {
    case VP8_STATUS_NOT_ENOUGH_DATA: return vgg_fail(status, VGG_ERROR_TRUNCATED, "the WebP data ends early");
    case VP8_STATUS_OUT_OF_MEMORY: return vgg_fail(status, VGG_ERROR_INTERNAL, "out of memory");
    case VP8_STATUS_UNSUPPORTED_FEATURE: return vgg_fail(status, VGG_ERROR_UNSUPPORTED, "a WebP feature libwebp does not decode");
    default: return vgg_fail(status, VGG_ERROR_CORRUPT, "damaged WebP data (libwebp status %d)", (int)code);
    }
}

/// `rgba` (width × height, `stride` bytes a row) composited into a new `out->pixels`.
static vgg_result take_rgba(const uint8_t *rgba, int width, int height, size_t stride, vgg_decoded *out, vgg_status *status) {
    out->pixels = malloc((size_t)width * (size_t)height * 3);
    if (out->pixels == NULL) return vgg_fail(status, VGG_ERROR_INTERNAL, "out of memory");
    for (int y = 0; y < height; y++) vgg_composite_row(rgba + (size_t)y * stride, (size_t)width, out->pixels + (size_t)y * width * 3);
    out->width = width;
    out->height = height;
    return VGG_OK;
}

/// The first frame of an animation as it is shown: rendered on the canvas.
static vgg_result first_frame(const WebPData *data, vgg_decoded *out, vgg_status *status) {
    WebPAnimDecoderOptions options;
    if (!WebPAnimDecoderOptionsInit(&options)) return vgg_fail(status, VGG_ERROR_INTERNAL, "libwebp version mismatch");
    options.color_mode = MODE_RGBA;
    options.use_threads = 0;
    WebPAnimDecoder *decoder = WebPAnimDecoderNew(data, &options);
    if (decoder == NULL) return vgg_fail(status, VGG_ERROR_CORRUPT, "damaged WebP animation");
    WebPAnimInfo info;
    uint8_t *canvas = NULL;
    int timestamp = 0;
    vgg_result result;
    if (!WebPAnimDecoderGetInfo(decoder, &info) || !WebPAnimDecoderGetNext(decoder, &canvas, &timestamp)) {
        result = vgg_fail(status, VGG_ERROR_CORRUPT, "the animation's first frame cannot be decoded");
    } else {
        result = take_rgba(canvas, (int)info.canvas_width, (int)info.canvas_height, (size_t)info.canvas_width * 4, out, status);
    }
    WebPAnimDecoderDelete(decoder);
    return result;
}

/// A still image, decoded straight to RGB (alpha: RGBA, then composited), scaled when the
/// request allows it.
static vgg_result still(const uint8_t *bytes, size_t size, const WebPBitstreamFeatures *features, const vgg_decode_request *request,
                        vgg_decoded *out, vgg_status *status) {
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) return vgg_fail(status, VGG_ERROR_INTERNAL, "libwebp version mismatch");
    int width = features->width;
    int height = features->height;
    if (request->minimum_side > 0) {
        double factor = (double)request->minimum_side / (double)(width < height ? width : height);
        if (factor < 1.0) {
            int scaledWidth = (int)(width * factor + 0.999999);
            int scaledHeight = (int)(height * factor + 0.999999);
            config.options.use_scaling = 1;
            config.options.scaled_width = scaledWidth;
            config.options.scaled_height = scaledHeight;
            width = scaledWidth;
            height = scaledHeight;
        }
    }
    config.output.colorspace = features->has_alpha ? MODE_RGBA : MODE_RGB;
    VP8StatusCode code = WebPDecode(bytes, size, &config);
    if (code != VP8_STATUS_OK) {
        WebPFreeDecBuffer(&config.output);
        return webp_failure(status, code);
    }
    const WebPRGBABuffer *rgba = &config.output.u.RGBA;
    vgg_result result = VGG_OK;
    if (features->has_alpha) {
        result = take_rgba(rgba->rgba, width, height, (size_t)rgba->stride, out, status);
    } else {
        out->pixels = malloc((size_t)width * (size_t)height * 3);
        if (out->pixels == NULL) {
            result = vgg_fail(status, VGG_ERROR_INTERNAL, "out of memory");
        } else {
            for (int y = 0; y < height; y++) memcpy(out->pixels + (size_t)y * width * 3, rgba->rgba + (size_t)y * rgba->stride, (size_t)width * 3);
            out->width = width;
            out->height = height;
        }
    }
    WebPFreeDecBuffer(&config.output);
    return result;
}

/// The ICC profile and EXIF chunks of an extended file.
static void copy_chunks(const WebPData *data, vgg_decoded *out) {
    WebPDemuxer *demuxer = WebPDemux(data);
    if (demuxer == NULL) return;
    uint32_t flags = WebPDemuxGetI(demuxer, WEBP_FF_FORMAT_FLAGS);
    WebPChunkIterator chunk;
    if ((flags & ICCP_FLAG) && WebPDemuxGetChunk(demuxer, "ICCP", 1, &chunk)) {
        out->icc = vgg_copy_bytes(chunk.chunk.bytes, chunk.chunk.size);
        out->icc_size = out->icc ? chunk.chunk.size : 0;
        WebPDemuxReleaseChunkIterator(&chunk);
    }
    if ((flags & EXIF_FLAG) && WebPDemuxGetChunk(demuxer, "EXIF", 1, &chunk)) {
        out->exif = vgg_copy_bytes(chunk.chunk.bytes, chunk.chunk.size);
        out->exif_size = out->exif ? chunk.chunk.size : 0;
        WebPDemuxReleaseChunkIterator(&chunk);
    }
    out->images = (int)WebPDemuxGetI(demuxer, WEBP_FF_FRAME_COUNT);
    WebPDemuxDelete(demuxer);
}

vgg_result vgg_webp_decode(const uint8_t *data, size_t size, const vgg_decode_request *request, vgg_decoded *out,
                           vgg_status *status) {
    memset(status, 0, sizeof(*status));
    memset(out, 0, sizeof(*out));
    WebPBitstreamFeatures features;
    VP8StatusCode code = WebPGetFeatures(data, size, &features);
    if (code != VP8_STATUS_OK) return webp_failure(status, code);
    WebPData whole = {data, size};
    out->images = 1;
    copy_chunks(&whole, out);
    // An animation's canvas may be larger than its first frame: its size is the one checked.
    long width = features.width;
    long height = features.height;
    if (features.has_animation) {
        WebPDemuxer *demuxer = WebPDemux(&whole);
        if (demuxer != NULL) {
            width = WebPDemuxGetI(demuxer, WEBP_FF_CANVAS_WIDTH);
            height = WebPDemuxGetI(demuxer, WEBP_FF_CANVAS_HEIGHT);
            WebPDemuxDelete(demuxer);
        }
    }
    vgg_result result = vgg_check_size(width, height, request, out, status);
    if (result == VGG_OK) {
        result = features.has_animation ? first_frame(&whole, out, status) : still(data, size, &features, request, out, status);
    }
    out->bit_depth = 8;
    out->has_alpha = features.has_alpha;
    out->orientation = 1;
    snprintf(out->color_model, sizeof(out->color_model), "%s", features.has_alpha ? "rgba" : "rgb");
    if (result != VGG_OK) {
        vgg_decoded_release(out);
        return result;
    }
    snprintf(out->detail, sizeof(out->detail), "%s%s%s", features.format == 2 ? "lossless" : "lossy",
             features.has_animation ? ", first frame of an animation" : "",
             out->width != out->stored_width ? ", scaled while decoding" : "");
    return VGG_OK;
}
