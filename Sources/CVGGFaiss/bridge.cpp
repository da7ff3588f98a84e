// The C face of vgg_faiss.h over Debian's static libfaiss (see the header).
#include "vgg_faiss.h"

#include <faiss/IndexFlat.h>
#include <faiss/IVFlib.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/io.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>

#include <cerrno>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <unistd.h>
#include <vector>

// GNU OpenMP's entry point, declared here rather than through omp.h (which clang finds only
// in GCC's own folder).
extern "C" void omp_set_num_threads(int);

struct vgg_ann {
    // The whole index (the inverted file, or a PCA in front of it) and its inverted file.
    std::unique_ptr<faiss::Index> index;
    faiss::IndexIVF *ivf;
};

namespace {

void fill(char *error, size_t size, const char *message) {
    if (error == nullptr || size == 0) return;
    std::snprintf(error, size, "%s", message);
}

// Runs `body`, turning any C++ exception into a message; returns whether it succeeded.
template <typename Body> bool guarded(char *error, size_t size, Body body) {
    try {
        body();
        return true;
    } catch (const faiss::FaissException &e) {
        // FAISS's messages begin "Error in <function> at <file>:<line>: "; the rest is the reason.
        std::string message = e.msg;
        size_t at = message.find(" at ");
        size_t reason = at == std::string::npos ? std::string::npos : message.find(": ", at);
        if (reason != std::string::npos) message = message.substr(reason + 2);
        fill(error, size, message.c_str());
    } catch (const std::bad_alloc &) {
        fill(error, size, "out of memory");
    } catch (const std::exception &e) {
        fill(error, size, e.what());
    } catch (...) {
        fill(error, size, "unknown C++ exception");
    }
    return false;
}

// Reads an index from bytes in memory (the caller keeps them alive meanwhile).
struct MemoryReader : faiss::IOReader {
    const uint8_t *bytes;
    size_t count, at = 0;
    MemoryReader(const uint8_t *bytes, size_t count) : bytes(bytes), count(count) { name = "memory"; }
    size_t operator()(void *ptr, size_t size, size_t nitems) override {
        if (size == 0 || nitems == 0) return 0;
        size_t items = std::min(nitems, (count - at) / size);
        std::memcpy(ptr, bytes + at, items * size);
        at += items * size;
        return items;
    }
};

constexpr uint64_t prime1 = 0x9E3779B185EBCA87ULL, prime2 = 0xC2B2AE3D27D4EB4FULL, prime3 = 0x165667B19E3779F9ULL,
                   prime4 = 0x85EBCA77C2B2AE63ULL, prime5 = 0x27D4EB2F165667C5ULL;

inline uint64_t rotate(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t word(const uint8_t *p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w; // little-endian hosts only (x86-64), like the files
}
inline uint64_t mix(uint64_t lane, uint64_t w) { return rotate(lane + w * prime2, 31) * prime1; }
inline uint64_t fold(uint64_t sum, uint64_t lane) { return (sum ^ mix(0, lane)) * prime1 + prime4; }

// The checksum's running state over a stream of 32-byte blocks (lanes) and a tail.
struct Checksum {
    uint64_t lanes[4] = {prime1 + prime2, prime2, 0, 0 - prime1};
    uint64_t total = 0;
    uint8_t pending[32];
    size_t held = 0;

    void add(const uint8_t *p, size_t n) {
        total += n;
        if (held > 0) {
            size_t take = std::min(n, 32 - held);
            std::memcpy(pending + held, p, take);
            held += take, p += take, n -= take;
            if (held < 32) return;
            block(pending);
            held = 0;
        }
        // The lanes in locals: stored through `this`, every byte read could alias them.
        uint64_t l0 = lanes[0], l1 = lanes[1], l2 = lanes[2], l3 = lanes[3];
        for (; n >= 32; p += 32, n -= 32) {
            l0 = mix(l0, word(p)), l1 = mix(l1, word(p + 8)), l2 = mix(l2, word(p + 16)), l3 = mix(l3, word(p + 24));
        }
        lanes[0] = l0, lanes[1] = l1, lanes[2] = l2, lanes[3] = l3;
        std::memcpy(pending, p, n);
        held = n;
    }
    void block(const uint8_t *p) {
        for (int i = 0; i < 4; i++) lanes[i] = mix(lanes[i], word(p + 8 * i));
    }
    uint64_t finish() const {
        uint64_t sum = rotate(lanes[0], 1) + rotate(lanes[1], 7) + rotate(lanes[2], 12) + rotate(lanes[3], 18);
        for (uint64_t lane : lanes) sum = fold(sum, lane);
        sum += total;
        const uint8_t *p = pending;
        size_t n = held;
        for (; n >= 8; p += 8, n -= 8) sum = rotate(sum ^ mix(0, word(p)), 27) * prime1 + prime4;
        for (; n > 0; p++, n--) sum = rotate(sum ^ (uint64_t(*p) * prime5), 11) * prime1;
        sum ^= sum >> 33, sum *= prime2, sum ^= sum >> 29, sum *= prime3, sum ^= sum >> 32;
        return sum;
    }
};

} // namespace

extern "C" {

vgg_ann *vgg_ann_create(int dimension, int lists, int reduced, char *error, size_t error_size) {
    vgg_ann *made = nullptr;
    guarded(error, error_size, [&] {
        if (dimension <= 0 || lists <= 0) FAISS_THROW_MSG("dimension and lists must be positive");
        std::string description = "IVF" + std::to_string(lists) + ",SQ4";
        if (reduced > 0) description = "PCA" + std::to_string(reduced) + "," + description;
        std::unique_ptr<faiss::Index> index(faiss::index_factory(dimension, description.c_str(), faiss::METRIC_INNER_PRODUCT));
        faiss::IndexIVF *ivf = faiss::ivflib::try_extract_index_ivf(index.get());
        if (ivf == nullptr) FAISS_THROW_MSG("the factory did not make an inverted-file index");
        made = new vgg_ann{std::move(index), ivf};
    });
    return made;
}

void vgg_ann_free(vgg_ann *index) { delete index; }

int vgg_ann_train(vgg_ann *index, int64_t count, const float *vectors, char *error, size_t error_size) {
    return guarded(error, error_size, [&] { index->index->train(count, vectors); }) ? 0 : -1;
}

int vgg_ann_add(vgg_ann *index, int64_t count, const float *vectors, const int64_t *ids, char *error, size_t error_size) {
    return guarded(error, error_size, [&] { index->index->add_with_ids(count, vectors, ids); }) ? 0 : -1;
}

int64_t vgg_ann_remove(vgg_ann *index, int64_t count, const int64_t *ids, char *error, size_t error_size) {
    int64_t removed = -1;
    guarded(error, error_size, [&] {
        faiss::IDSelectorBatch selector(size_t(count), ids);
        removed = int64_t(index->index->remove_ids(selector));
    });
    return removed;
}

int vgg_ann_search(
    const vgg_ann *index, int64_t count, const float *queries, int k, int probes, float *scores, int64_t *ids,
    char *error, size_t error_size) {
    return guarded(error, error_size, [&] {
        // Set on the inverted file itself: a PCA in front of it does not pass search parameters on.
        index->ivf->nprobe = size_t(probes > 0 ? probes : 1);
        // One query: its lists are shared among the threads; many: the queries are.
        index->ivf->parallel_mode = count == 1 ? 1 : 0;
        index->index->search(count, queries, k, scores, ids);
    }) ? 0 : -1;
}

int64_t vgg_ann_count(const vgg_ann *index) { return int64_t(index->index->ntotal); }
int vgg_ann_dimension(const vgg_ann *index) { return int(index->index->d); }
int vgg_ann_lists(const vgg_ann *index) { return int(index->ivf->nlist); }
int vgg_ann_is_trained(const vgg_ann *index) { return index->index->is_trained ? 1 : 0; }
int64_t vgg_ann_code_bytes(const vgg_ann *index) {
    return int64_t(index->ivf->ntotal) * int64_t(index->ivf->code_size + sizeof(int64_t));
}

int vgg_ann_serialize(const vgg_ann *index, vgg_bytes *out, char *error, size_t error_size) {
    *out = vgg_bytes{nullptr, 0, nullptr};
    return guarded(error, error_size, [&] {
        auto writer = std::make_unique<faiss::VectorIOWriter>();
        faiss::write_index(index->index.get(), writer.get());
        out->bytes = writer->data.data();
        out->count = writer->data.size();
        out->owner = writer.release();
    }) ? 0 : -1;
}

void vgg_bytes_free(vgg_bytes *bytes) {
    delete static_cast<faiss::VectorIOWriter *>(bytes->owner);
    *bytes = vgg_bytes{nullptr, 0, nullptr};
}

vgg_ann *vgg_ann_read_bytes(const uint8_t *bytes, size_t count, char *error, size_t error_size) {
    vgg_ann *made = nullptr;
    guarded(error, error_size, [&] {
        MemoryReader reader(bytes, count);
        std::unique_ptr<faiss::Index> index(faiss::read_index(&reader));
        if (reader.at != count) FAISS_THROW_FMT("%zu bytes after the index", count - reader.at);
        faiss::IndexIVF *ivf = faiss::ivflib::try_extract_index_ivf(index.get());
        if (ivf == nullptr) FAISS_THROW_MSG("not an inverted-file index");
        made = new vgg_ann{std::move(index), ivf};
    });
    return made;
}

uint64_t vgg_checksum(const uint8_t *first, size_t first_count, const uint8_t *second, size_t second_count) {
    Checksum sum;
    if (first_count > 0) sum.add(first, first_count);
    if (second_count > 0) sum.add(second, second_count);
    return sum.finish();
}

int vgg_checksum_file(int fd, int64_t offset, int64_t count, uint64_t *result, char *error, size_t error_size) {
    return guarded(error, error_size, [&] {
        std::vector<uint8_t> buffer(size_t(4) << 20);
        Checksum sum;
        int64_t done = 0;
        while (done < count) {
            size_t want = size_t(std::min<int64_t>(int64_t(buffer.size()), count - done));
            ssize_t n = ::pread(fd, buffer.data(), want, off_t(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) FAISS_THROW_FMT("cannot read the index: %s", std::strerror(errno));
            if (n == 0) FAISS_THROW_FMT("the file ends %lld bytes early", (long long)(count - done));
            sum.add(buffer.data(), size_t(n));
            done += n;
        }
        *result = sum.finish();
    }) ? 0 : -1;
}

vgg_ann *vgg_ann_map(int fd, char *error, size_t error_size) {
    vgg_ann *made = nullptr;
    guarded(error, error_size, [&] {
        // A copy of the descriptor, at its offset: the same file the header was read from,
        // whatever a writer renames over the path meanwhile.
        int copy = ::dup(fd);
        if (copy < 0) FAISS_THROW_FMT("cannot duplicate the file descriptor: %s", std::strerror(errno));
        std::unique_ptr<FILE, int (*)(FILE *)> file(::fdopen(copy, "rb"), std::fclose);
        if (!file) {
            ::close(copy);
            FAISS_THROW_FMT("cannot read the index: %s", std::strerror(errno));
        }
        // The lists stay in the file, mapped: a search touches only the pages of the lists it probes.
        std::unique_ptr<faiss::Index> index(faiss::read_index(file.get(), faiss::IO_FLAG_MMAP));
        faiss::IndexIVF *ivf = faiss::ivflib::try_extract_index_ivf(index.get());
        if (ivf == nullptr) FAISS_THROW_MSG("not an inverted-file index");
        made = new vgg_ann{std::move(index), ivf};
    });
    return made;
}

void vgg_ann_set_threads(int threads) { omp_set_num_threads(threads > 0 ? threads : 1); }

int vgg_exact_search(
    int dimension, int64_t count, const float *vectors, const int64_t *ids, int64_t query_count, const float *queries,
    int k, float *scores, int64_t *result_ids, char *error, size_t error_size) {
    return guarded(error, error_size, [&] {
        faiss::knn_inner_product(
            queries, vectors, size_t(dimension), size_t(query_count), size_t(count), size_t(k), scores, result_ids);
        for (int64_t i = 0; i < query_count * int64_t(k); i++) {
            if (result_ids[i] >= 0) result_ids[i] = ids[result_ids[i]];
        }
    }) ? 0 : -1;
}

int vgg_ann_assign(const vgg_ann *index, int64_t count, const float *vectors, int probes, int64_t *lists, char *error, size_t error_size) {
    return guarded(error, error_size, [&] {
        std::vector<float> distances(size_t(count) * size_t(probes));
        const float *x = vectors;
        std::unique_ptr<const float[]> transformed;
        if (auto *chain = dynamic_cast<const faiss::IndexPreTransform *>(index->index.get())) {
            x = chain->apply_chain(count, vectors);
            if (x != vectors) transformed.reset(x);
        }
        index->ivf->quantizer->search(count, x, probes, distances.data(), lists);
    }) ? 0 : -1;
}

int vgg_range_pairs(
    int dimension, int64_t x_count, const float *x, int64_t y_count, const float *y, float threshold, vgg_pairs *pairs,
    char *error, size_t error_size) {
    *pairs = vgg_pairs{x_count, nullptr, nullptr, nullptr, nullptr};
    return guarded(error, error_size, [&] {
        auto result = std::make_unique<faiss::RangeSearchResult>(x_count);
        faiss::range_search_inner_product(x, y, size_t(dimension), size_t(x_count), size_t(y_count), threshold, result.get());
        pairs->starts = result->lims;
        pairs->y = result->labels;
        pairs->scores = result->distances;
        pairs->owner = result.release();
    }) ? 0 : -1;
}

void vgg_pairs_free(vgg_pairs *pairs) {
    delete static_cast<faiss::RangeSearchResult *>(pairs->owner);
    *pairs = vgg_pairs{0, nullptr, nullptr, nullptr, nullptr};
}

} // extern "C"
