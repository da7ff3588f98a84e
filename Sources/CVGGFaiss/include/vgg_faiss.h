// A C face for the few FAISS calls vggbatch's approximate search makes. Debian's libfaiss is a
// static C++ library without its C API; these functions catch every C++ exception and report
// it as a message, so nothing C++ ever unwinds into Swift.
//
// The index is an inverted file with 4-bit scalar quantisation under inner product
// ("IVF<lists>,SQ4", with "PCA<r>," in front for long vectors such as fc7): vectors are unit
// length, so inner products are cosines (of the projections, for a PCA). Ids are the
// caller's (image ids), not positions.
#ifndef VGG_FAISS_H
#define VGG_FAISS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vgg_ann vgg_ann;

/// An empty, untrained index of `dimension`-d vectors in `lists` inverted lists, with a PCA to
/// `reduced` dimensions in front when `reduced` > 0; NULL with `error` filled when FAISS refuses.
vgg_ann *vgg_ann_create(int dimension, int lists, int reduced, char *error, size_t error_size);

/// Frees an index (NULL is ignored).
void vgg_ann_free(vgg_ann *index);

/// Learns the coarse centroids and the quantiser's ranges from `count` row-major vectors.
int vgg_ann_train(vgg_ann *index, int64_t count, const float *vectors, char *error, size_t error_size);

/// Adds `count` vectors with their ids (an id already present is not replaced: remove it first).
int vgg_ann_add(vgg_ann *index, int64_t count, const float *vectors, const int64_t *ids, char *error, size_t error_size);

/// Removes every entry whose id is among `ids`; returns how many, or -1 with `error` filled.
int64_t vgg_ann_remove(vgg_ann *index, int64_t count, const int64_t *ids, char *error, size_t error_size);

/// The `k` best entries for each of `count` queries by inner product, probing `probes` lists:
/// `scores` and `ids` are count × k, best first; a missing answer has id -1.
int vgg_ann_search(
    const vgg_ann *index, int64_t count, const float *queries, int k, int probes, float *scores, int64_t *ids,
    char *error, size_t error_size);

/// Entries in the index.
int64_t vgg_ann_count(const vgg_ann *index);
/// Length of its vectors.
int vgg_ann_dimension(const vgg_ann *index);
/// Number of inverted lists.
int vgg_ann_lists(const vgg_ann *index);
/// Whether it has been trained.
int vgg_ann_is_trained(const vgg_ann *index);
/// Bytes of its stored codes and ids.
int64_t vgg_ann_code_bytes(const vgg_ann *index);

/// Bytes owned by the bridge (free them with `vgg_bytes_free`).
typedef struct {
    uint8_t *bytes;
    size_t count;
    void *owner;
} vgg_bytes;

/// The index as FAISS writes it, in memory; returns 0, or -1 with `error` filled.
int vgg_ann_serialize(const vgg_ann *index, vgg_bytes *out, char *error, size_t error_size);

void vgg_bytes_free(vgg_bytes *bytes);

/// Reads an index from `count` bytes as `vgg_ann_serialize` made them; NULL with `error` filled
/// when they are not an index of this kind.
vgg_ann *vgg_ann_read_bytes(const uint8_t *bytes, size_t count, char *error, size_t error_size);

/// A 64-bit checksum of `first_count` bytes followed by `second_count` bytes (four lanes of
/// multiply and rotate, as xxHash64 mixes them): any change of the bytes changes it, save by
/// chance.
uint64_t vgg_checksum(const uint8_t *first, size_t first_count, const uint8_t *second, size_t second_count);

/// The same checksum of `count` bytes of the open file `fd` from `offset` (read with pread,
/// so the descriptor's own offset is unchanged); returns 0, or -1 with `error` filled (a
/// file shorter than that, or a read error).
int vgg_checksum_file(int fd, int64_t offset, int64_t count, uint64_t *sum, char *error, size_t error_size);

/// Reads an index from the open file descriptor `fd` at its current offset with its inverted
/// lists mapped rather than read (searching only: it cannot be added to); NULL with `error`
/// filled when the bytes are not an index of this kind. `fd` stays the caller's.
vgg_ann *vgg_ann_map(int fd, char *error, size_t error_size);

/// The threads FAISS's parallel loops use (OpenMP).
void vgg_ann_set_threads(int threads);

/// The `k` best of `count` vectors (row-major, ids given) for each of `query_count` queries,
/// by exact inner product: `scores` and `result_ids` are query_count × k, best first, -1 where
/// there are fewer than k.
int vgg_exact_search(
    int dimension, int64_t count, const float *vectors, const int64_t *ids, int64_t query_count, const float *queries,
    int k, float *scores, int64_t *result_ids, char *error, size_t error_size);

/// The `probes` nearest coarse centroids of each of `count` vectors (row-major), nearest
/// first: `lists` is count × probes list numbers (-1 where there are fewer lists).
int vgg_ann_assign(const vgg_ann *index, int64_t count, const float *vectors, int probes, int64_t *lists, char *error, size_t error_size);

/// Pairs found by `vgg_range_pairs`: for x row `i`, the y rows `y[starts[i]..<starts[i+1]]`
/// with their inner products.
typedef struct {
    int64_t x_count;
    size_t *starts;
    int64_t *y;
    float *scores;
    void *owner;
} vgg_pairs;

/// Every (x row, y row) whose inner product exceeds `threshold`, exactly (BLAS); free the
/// result with `vgg_pairs_free`.
int vgg_range_pairs(
    int dimension, int64_t x_count, const float *x, int64_t y_count, const float *y, float threshold, vgg_pairs *pairs,
    char *error, size_t error_size);

void vgg_pairs_free(vgg_pairs *pairs);

#ifdef __cplusplus
}
#endif

#endif
