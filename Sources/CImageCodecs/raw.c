// Camera RAW files through LibRaw: the embedded preview JPEG when it is large enough (what
// photo tools show, and no demosaicing), else a half-size demosaic.
#include "decoded.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <libraw/libraw.h>

static vgg_result raw_failure(vgg_status *status, int code) {
    vgg_result result = VGG_ERROR_CORRUPT;
    switch (code) {
    case LIBRAW_FILE_UNSUPPORTED: result = VGG_ERROR_UNSUPPORTED; break;
    case LIBRAW_UNSUFFICIENT_MEMORY: result = VGG_ERROR_TOO_LARGE; break;
    case LIBRAW_IO_ERROR: result = VGG_ERROR_TRUNCATED; break;
    default: break;
    }
    return vgg_fail(status, result, "%s", libraw_strerror(code));
}

/// EXIF orientation of LibRaw's flip (0 none, 3 half turn, 5 quarter turn counter-clockwise,
/// 6 quarter turn clockwise).
static int orientation_of_flip(int flip) {
    switch (flip) {
    case 3: return 3;
    case 5: return 8;
    case 6: return 6;
    default: return 1;
    }
}

/// Reads exactly `size` bytes from `fd` (0 on a short read).
static int read_all(int fd, void *buffer, size_t size) {
    for (size_t done = 0; done < size;) {
        ssize_t got = read(fd, (uint8_t *)buffer + done, size - done);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return 0;
        done += (size_t)got;
    }
    return 1;
}

static void write_all(int fd, const void *buffer, size_t size) {
    for (size_t done = 0; done < size;) {
        ssize_t put = write(fd, (const uint8_t *)buffer + done, size - done);
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) return;
        done += (size_t)put;
    }
}

/// What a thumbnail unpack found: format, size and the JPEG's bytes.
typedef struct {
    int32_t format, width, height;
    uint64_t length;
} thumb_header;

/// Unpacks the thumbnail in a child process and hands back a JPEG thumbnail's bytes.
/// LibRaw 0.20 (Debian 12) writes past its buffer when it unpacks some damaged thumbnails
/// (Fuzz/Regressions/raw/thumb-heap-overflow.dng, found by fuzzing: a 99456-byte read into a
/// 13440-byte block, which glibc then aborts on), and the format is only known after the
/// unpack: in a child, such a file costs its preview (the demosaic is used), not the scan.
static uint8_t *unpack_thumb_isolated(libraw_data_t *raw, size_t limit, thumb_header *header) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return NULL;
    pid_t child = fork();
    if (child < 0) {
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        return NULL;
    }
    if (child == 0) {
        close(pipe_fds[0]);
        // LibRaw's own libjpeg prints its warnings on standard error ("Corrupt JPEG data"):
        // the scan's output is not the place for them.
        int quiet = open("/dev/null", O_WRONLY);
        if (quiet >= 0) dup2(quiet, STDERR_FILENO);
        thumb_header found = {0, 0, 0, 0};
        const libraw_thumbnail_t *t = &raw->thumbnail;
        if (libraw_unpack_thumb(raw) == LIBRAW_SUCCESS && t->tformat == LIBRAW_THUMBNAIL_JPEG && t->thumb != NULL) {
            found = (thumb_header){t->tformat, t->twidth, t->theight, t->tlength};
        }
        write_all(pipe_fds[1], &found, sizeof(found));
        if (found.length > 0) write_all(pipe_fds[1], t->thumb, found.length);
        _exit(0);
    }
    close(pipe_fds[1]);
    uint8_t *bytes = NULL;
    if (read_all(pipe_fds[0], header, sizeof(*header)) && header->length > 0 && header->length <= limit
        && (bytes = malloc(header->length)) != NULL && !read_all(pipe_fds[0], bytes, header->length)) {
        free(bytes);
        bytes = NULL;
    }
    close(pipe_fds[0]);
    int child_status = 0;
    while (waitpid(child, &child_status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(child_status) || WEXITSTATUS(child_status) != 0) {
        free(bytes);
        bytes = NULL;
    }
    return bytes;
}

/// The embedded preview, when it is a JPEG at least as large as the request needs.
static int take_preview(libraw_data_t *raw, size_t file_size, const vgg_decode_request *request, vgg_decoded *out) {
    thumb_header thumbnail;
    uint8_t *jpeg = unpack_thumb_isolated(raw, file_size, &thumbnail);
    if (jpeg == NULL) return 0;
    int shorter = thumbnail.width < thumbnail.height ? thumbnail.width : thumbnail.height;
    int sensorShorter = raw->sizes.width < raw->sizes.height ? raw->sizes.width : raw->sizes.height;
    // Without a size to meet (no reduced decoding asked), at least half the sensor's.
    int needed = request->minimum_side > 0 ? request->minimum_side : sensorShorter / 2;
    if (shorter < needed) {
        free(jpeg);
        return 0;
    }
    out->embedded = jpeg;
    out->embedded_size = (size_t)thumbnail.length;
    snprintf(out->detail, sizeof(out->detail), "embedded %dx%d preview JPEG of a %dx%d %s raw", thumbnail.width,
             thumbnail.height, raw->sizes.width, raw->sizes.height, raw->idata.make);
    return 1;
}

/// A half-size demosaic with the camera's white balance, 8 bits, flip applied by LibRaw.
static vgg_result demosaic(libraw_data_t *raw, vgg_decoded *out, vgg_status *status) {
    raw->params.half_size = 1;
    raw->params.use_camera_wb = 1;
    raw->params.output_bps = 8;
    int code = libraw_unpack(raw);
    if (code == LIBRAW_SUCCESS) code = libraw_dcraw_process(raw);
    if (code != LIBRAW_SUCCESS) return raw_failure(status, code);
    libraw_processed_image_t *image = libraw_dcraw_make_mem_image(raw, &code);
    if (image == NULL) return raw_failure(status, code);
    vgg_result result = VGG_OK;
    size_t pixels = (size_t)image->width * (size_t)image->height;
    if (image->type != LIBRAW_IMAGE_BITMAP || image->bits != 8 || (image->colors != 3 && image->colors != 1)
        || image->data_size < pixels * (size_t)image->colors) {
        result = vgg_fail(status, VGG_ERROR_UNSUPPORTED, "LibRaw made a %d-colour %d-bit image", image->colors, image->bits);
    } else if ((out->pixels = malloc(pixels * 3)) == NULL) {
        result = vgg_fail(status, VGG_ERROR_INTERNAL, "out of memory");
    } else {
        for (size_t i = 0; i < pixels; i++) {
            for (int c = 0; c < 3; c++) out->pixels[3 * i + c] = image->data[i * image->colors + (image->colors == 3 ? c : 0)];
        }
        out->width = image->width;
        out->height = image->height;
        out->orientation = 1;
        snprintf(out->detail, sizeof(out->detail), "%dx%d demosaic (half size) of a %dx%d %s raw", image->width, image->height,
                 out->stored_width, out->stored_height, raw->idata.make);
    }
    libraw_dcraw_clear_mem(image);
    return result;
}

vgg_result vgg_raw_decode(const uint8_t *data, size_t size, const vgg_decode_request *request, vgg_decoded *out,
                          vgg_status *status) {
    memset(status, 0, sizeof(*status));
    memset(out, 0, sizeof(*out));
    libraw_data_t *raw = libraw_init(LIBRAW_OPIONS_NO_MEMERR_CALLBACK | LIBRAW_OPIONS_NO_DATAERR_CALLBACK);
    if (raw == NULL) return vgg_fail(status, VGG_ERROR_INTERNAL, "out of memory");
    raw->params.max_raw_memory_mb = (unsigned)(request->max_pixels / (256L * 1024L) + 64);
    int code = libraw_open_buffer(raw, (void *)data, size);
    vgg_result result = code == LIBRAW_SUCCESS ? VGG_OK : raw_failure(status, code);
    if (result == VGG_OK) result = vgg_check_size(raw->sizes.raw_width, raw->sizes.raw_height, request, out, status);
    if (result == VGG_OK) {
        // Bits of the white level (255: 8, 4095: 12, 16383: 14).
        out->bit_depth = 0;
        for (unsigned maximum = raw->color.maximum; maximum > 0; maximum >>= 1) out->bit_depth++;
        out->images = 1;
        out->has_alpha = 0;
        snprintf(out->color_model, sizeof(out->color_model), "%s", raw->idata.colors == 3 ? "bayer" : "raw");
        if (take_preview(raw, size, request, out)) {
            out->orientation = orientation_of_flip(raw->sizes.flip);
        } else {
            result = demosaic(raw, out, status);
        }
    }
    libraw_close(raw);
    if (result != VGG_OK) vgg_decoded_release(out);
    return result;
}
