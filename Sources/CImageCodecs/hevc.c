// HEVC through FFmpeg's libavcodec, as a libheif decoder plugin: libheif still reads the
// container, assembles grids and applies transforms and colour conversion; only the coded
// tiles go to libavcodec, whose HEVC decoder is faster on one core than libde265 (Debian 12:
// libavcodec 59 against libde265 1.0.11; Benchmarks/README.md, "Photo formats").
// libavcodec is opened at run time, on the first HEIC, so that vggbatch neither pays for
// loading it at every start nor needs it installed: without it libde265 decodes.
#include "decoded.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
#include <libheif/heif.h>
#include <libheif/heif_plugin.h>

#define VGG_STRINGIFY(x) #x
#define VGG_SONAME(name, major) "lib" name ".so." VGG_STRINGIFY(major)

/// The few libavcodec and libavutil functions the plugin calls, from the libraries whose
/// major versions the headers name (their ABI).
static struct {
    const AVCodec *codec;
    AVCodecContext *(*alloc_context)(const AVCodec *);
    int (*open)(AVCodecContext *, const AVCodec *, AVDictionary **);
    void (*free_context)(AVCodecContext **);
    AVPacket *(*packet_alloc)(void);
    void (*packet_free)(AVPacket **);
    int (*send_packet)(AVCodecContext *, const AVPacket *);
    int (*receive_frame)(AVCodecContext *, AVFrame *);
    AVFrame *(*frame_alloc)(void);
    void (*frame_free)(AVFrame **);
} av;

static pthread_once_t av_once = PTHREAD_ONCE_INIT;
static int av_ready;

static void load_libavcodec(void) {
    void *util = dlopen(VGG_SONAME("avutil", LIBAVUTIL_VERSION_MAJOR), RTLD_NOW | RTLD_LOCAL);
    void *codec = util ? dlopen(VGG_SONAME("avcodec", LIBAVCODEC_VERSION_MAJOR), RTLD_NOW | RTLD_LOCAL) : NULL;
    if (codec == NULL) return;
    void (*set_log_level)(int) = (void (*)(int))dlsym(util, "av_log_set_level");
    const AVCodec *(*find_decoder)(enum AVCodecID) = (const AVCodec *(*)(enum AVCodecID))dlsym(codec, "avcodec_find_decoder");
    av.alloc_context = (AVCodecContext * (*)(const AVCodec *)) dlsym(codec, "avcodec_alloc_context3");
    av.open = (int (*)(AVCodecContext *, const AVCodec *, AVDictionary **))dlsym(codec, "avcodec_open2");
    av.free_context = (void (*)(AVCodecContext **))dlsym(codec, "avcodec_free_context");
    av.packet_alloc = (AVPacket * (*)(void)) dlsym(codec, "av_packet_alloc");
    av.packet_free = (void (*)(AVPacket **))dlsym(codec, "av_packet_free");
    av.send_packet = (int (*)(AVCodecContext *, const AVPacket *))dlsym(codec, "avcodec_send_packet");
    av.receive_frame = (int (*)(AVCodecContext *, AVFrame *))dlsym(codec, "avcodec_receive_frame");
    av.frame_alloc = (AVFrame * (*)(void)) dlsym(util, "av_frame_alloc");
    av.frame_free = (void (*)(AVFrame **))dlsym(util, "av_frame_free");
    if (!set_log_level || !find_decoder || !av.alloc_context || !av.open || !av.free_context || !av.packet_alloc ||
        !av.packet_free || !av.send_packet || !av.receive_frame || !av.frame_alloc || !av.frame_free) {
        return;
    }
    av.codec = find_decoder(AV_CODEC_ID_HEVC);
    // A damaged tile is reported through libheif's error, not on stderr.
    set_log_level(AV_LOG_QUIET);
    av_ready = av.codec != NULL;
}

int vgg_hevc_libavcodec_available(void) {
    pthread_once(&av_once, load_libavcodec);
    return av_ready;
}

/// One tile's coded data: libheif pushes the hvcC parameter sets, then the tile, as NAL units
/// with 4-byte big-endian lengths; libavcodec gets them with start codes, one packet.
typedef struct {
    uint8_t *stream;
    size_t size, capacity;
} hevc_decoder;

static struct heif_error plugin_error(enum heif_suberror_code subcode, const char *message) {
    struct heif_error error = {heif_error_Decoder_plugin_error, subcode, message};
    return error;
}

static const struct heif_error plugin_ok = {heif_error_Ok, heif_suberror_Unspecified, "Success"};

static const char *plugin_name(void) { return "libavcodec HEVC (vggbatch)"; }

// Above libheif's libde265 plugin (100).
static int plugin_priority(enum heif_compression_format format) { return format == heif_compression_HEVC ? 120 : 0; }

static struct heif_error new_decoder(void **decoder) {
    hevc_decoder *created = calloc(1, sizeof(hevc_decoder));
    if (created == NULL) return plugin_error(heif_suberror_Unspecified, "out of memory");
    *decoder = created;
    return plugin_ok;
}

static void free_decoder(void *decoder) {
    hevc_decoder *state = decoder;
    free(state->stream);
    free(state);
}

static struct heif_error push_data(void *decoder, const void *data, size_t size) {
    hevc_decoder *state = decoder;
    const uint8_t *bytes = data;
    // Start codes replace the lengths one for one; libavcodec reads up to
    // AV_INPUT_BUFFER_PADDING_SIZE bytes past the end, which must be zero.
    size_t needed = state->size + size + AV_INPUT_BUFFER_PADDING_SIZE;
    if (needed < size) return plugin_error(heif_suberror_End_of_data, "coded data too large");
    if (needed > state->capacity) {
        size_t capacity = needed + needed / 2;
        uint8_t *grown = realloc(state->stream, capacity);
        if (grown == NULL) return plugin_error(heif_suberror_Unspecified, "out of memory");
        state->stream = grown;
        state->capacity = capacity;
    }
    for (size_t at = 0; at < size;) {
        if (size - at < 4) return plugin_error(heif_suberror_End_of_data, "NAL unit length cut off");
        size_t length = (size_t)bytes[at] << 24 | (size_t)bytes[at + 1] << 16 | (size_t)bytes[at + 2] << 8 | bytes[at + 3];
        if (length > size - at - 4) return plugin_error(heif_suberror_End_of_data, "NAL unit longer than its data");
        static const uint8_t start_code[4] = {0, 0, 0, 1};
        memcpy(state->stream + state->size, start_code, 4);
        memcpy(state->stream + state->size + 4, bytes + at + 4, length);
        state->size += 4 + length;
        at += 4 + length;
    }
    memset(state->stream + state->size, 0, AV_INPUT_BUFFER_PADDING_SIZE);
    return plugin_ok;
}

/// The chroma layout and bit depth of a libavcodec pixel format libheif can hold.
static int frame_layout(enum AVPixelFormat format, enum heif_chroma *chroma, int *depth) {
    switch (format) {
    case AV_PIX_FMT_YUV420P: case AV_PIX_FMT_YUVJ420P: *chroma = heif_chroma_420; *depth = 8; return 1;
    case AV_PIX_FMT_YUV422P: case AV_PIX_FMT_YUVJ422P: *chroma = heif_chroma_422; *depth = 8; return 1;
    case AV_PIX_FMT_YUV444P: case AV_PIX_FMT_YUVJ444P: *chroma = heif_chroma_444; *depth = 8; return 1;
    case AV_PIX_FMT_GRAY8: *chroma = heif_chroma_monochrome; *depth = 8; return 1;
    case AV_PIX_FMT_YUV420P10LE: *chroma = heif_chroma_420; *depth = 10; return 1;
    case AV_PIX_FMT_YUV422P10LE: *chroma = heif_chroma_422; *depth = 10; return 1;
    case AV_PIX_FMT_YUV444P10LE: *chroma = heif_chroma_444; *depth = 10; return 1;
    case AV_PIX_FMT_GRAY10LE: *chroma = heif_chroma_monochrome; *depth = 10; return 1;
    case AV_PIX_FMT_YUV420P12LE: *chroma = heif_chroma_420; *depth = 12; return 1;
    case AV_PIX_FMT_YUV422P12LE: *chroma = heif_chroma_422; *depth = 12; return 1;
    case AV_PIX_FMT_YUV444P12LE: *chroma = heif_chroma_444; *depth = 12; return 1;
    case AV_PIX_FMT_GRAY12LE: *chroma = heif_chroma_monochrome; *depth = 12; return 1;
    default: return 0;
    }
}

/// Copies one plane of `frame` into a new plane of `image`.
static struct heif_error copy_plane(const AVFrame *frame, int index, struct heif_image *image, enum heif_channel channel,
                                    int width, int height, int depth) {
    struct heif_error error = heif_image_add_plane(image, channel, width, height, depth);
    if (error.code != heif_error_Ok) return error;
    int stride = 0;
    uint8_t *target = heif_image_get_plane(image, channel, &stride);
    if (target == NULL) return plugin_error(heif_suberror_Unspecified, "no plane");
    size_t row_bytes = (size_t)width * (depth > 8 ? 2 : 1);
    for (int y = 0; y < height; y++) {
        memcpy(target + (size_t)y * (size_t)stride, frame->data[index] + (ptrdiff_t)y * frame->linesize[index], row_bytes);
    }
    return plugin_ok;
}

static struct heif_error frame_to_image(const AVFrame *frame, struct heif_image **out) {
    enum heif_chroma chroma;
    int depth;
    if (!frame_layout((enum AVPixelFormat)frame->format, &chroma, &depth)) {
        return plugin_error(heif_suberror_Unsupported_data_version, "HEVC pixel format not supported");
    }
    int width = frame->width, height = frame->height;
    enum heif_colorspace space = chroma == heif_chroma_monochrome ? heif_colorspace_monochrome : heif_colorspace_YCbCr;
    struct heif_image *image = NULL;
    struct heif_error error = heif_image_create(width, height, space, chroma, &image);
    if (error.code != heif_error_Ok) return error;
    error = copy_plane(frame, 0, image, heif_channel_Y, width, height, depth);
    if (error.code == heif_error_Ok && chroma != heif_chroma_monochrome) {
        int chroma_width = chroma == heif_chroma_444 ? width : (width + 1) / 2;
        int chroma_height = chroma == heif_chroma_420 ? (height + 1) / 2 : height;
        error = copy_plane(frame, 1, image, heif_channel_Cb, chroma_width, chroma_height, depth);
        if (error.code == heif_error_Ok) error = copy_plane(frame, 2, image, heif_channel_Cr, chroma_width, chroma_height, depth);
    }
    if (error.code != heif_error_Ok) {
        heif_image_release(image);
        return error;
    }
    *out = image;
    return plugin_ok;
}

/// Sends the stream as one packet, then end of stream, and takes the one picture it holds.
static int decode_frame(const hevc_decoder *state, AVCodecContext *context, AVFrame *frame) {
    AVPacket *packet = av.packet_alloc();
    if (packet == NULL) return AVERROR(ENOMEM);
    packet->data = state->stream;
    packet->size = (int)state->size;
    int result = av.send_packet(context, packet);
    av.packet_free(&packet);
    if (result >= 0) result = av.send_packet(context, NULL);
    if (result >= 0) result = av.receive_frame(context, frame);
    return result;
}

static struct heif_error decode_image(void *decoder, struct heif_image **out) {
    const hevc_decoder *state = decoder;
    if (state->size == 0 || state->size > INT32_MAX) return plugin_error(heif_suberror_End_of_data, "no coded data");
    AVCodecContext *context = av.alloc_context(av.codec);
    AVFrame *frame = av.frame_alloc();
    struct heif_error error = plugin_error(heif_suberror_Unspecified, "out of memory");
    if (context != NULL && frame != NULL) {
        // A scan already keeps every core busy with one image each.
        context->thread_count = 1;
        context->err_recognition = AV_EF_EXPLODE;
        if (av.open(context, av.codec, NULL) < 0) {
            error = plugin_error(heif_suberror_Unspecified, "libavcodec could not open its HEVC decoder");
        } else if (decode_frame(state, context, frame) < 0 || (frame->flags & AV_FRAME_FLAG_CORRUPT)) {
            error = plugin_error(heif_suberror_Unspecified, "damaged HEVC data");
        } else {
            error = frame_to_image(frame, out);
        }
    }
    av.frame_free(&frame);
    av.free_context(&context);
    return error;
}

static void set_strict_decoding(void *decoder, int flag) {
    (void)decoder;
    (void)flag;
}

static const struct heif_decoder_plugin libavcodec_hevc = {
    .plugin_api_version = 3,
    .get_plugin_name = plugin_name,
    .does_support_format = plugin_priority,
    .new_decoder = new_decoder,
    .free_decoder = free_decoder,
    .push_data = push_data,
    .decode_image = decode_image,
    .set_strict_decoding = set_strict_decoding,
    .id_name = "libavcodec-hevc",
};

int vgg_hevc_use_libavcodec(struct heif_context *context) {
    if (!vgg_hevc_libavcodec_available()) return 0;
    // Registered per context (libheif 1.15 has no way to unregister a global plugin), so that
    // a caller can still choose libde265 for one file.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
    struct heif_error error = heif_register_decoder(context, &libavcodec_hevc);
#pragma clang diagnostic pop
    return error.code == heif_error_Ok;
}
