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

// Reads and writes an index through a file descriptor, retrying short transfers and EINTR.
struct DescriptorWriter : faiss::IOWriter {
    int fd;
    explicit DescriptorWriter(int fd) : fd(fd) { name = "descriptor"; }
    size_t operator()(const void *ptr, size_t size, size_t nitems) override {
        const char *bytes = static_cast<const char *>(ptr);
        size_t total = size * nitems, done = 0;
        while (done < total) {
            ssize_t n = ::write(fd, bytes + done, total - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) FAISS_THROW_FMT("cannot write the index: %s", std::strerror(errno));
            done += size_t(n);
        }
        return nitems;
    }
};

struct DescriptorReader : faiss::IOReader {
    int fd;
    explicit DescriptorReader(int fd) : fd(fd) { name = "descriptor"; }
    size_t operator()(void *ptr, size_t size, size_t nitems) override {
        if (size == 0 || nitems == 0) return 0;
        char *bytes = static_cast<char *>(ptr);
        size_t total = size * nitems, done = 0;
        while (done < total) {
            ssize_t n = ::read(fd, bytes + done, total - done);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) FAISS_THROW_FMT("cannot read the index: %s", std::strerror(errno));
            if (n == 0) break;
            done += size_t(n);
        }
        return done / size;
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

int vgg_ann_write(const vgg_ann *index, int fd, char *error, size_t error_size) {
    return guarded(error, error_size, [&] {
        DescriptorWriter writer(fd);
        faiss::write_index(index->index.get(), &writer);
    }) ? 0 : -1;
}

vgg_ann *vgg_ann_read(int fd, char *error, size_t error_size) {
    vgg_ann *made = nullptr;
    guarded(error, error_size, [&] {
        DescriptorReader reader(fd);
        std::unique_ptr<faiss::Index> index(faiss::read_index(&reader));
        faiss::IndexIVF *ivf = faiss::ivflib::try_extract_index_ivf(index.get());
        if (ivf == nullptr) FAISS_THROW_MSG("not an inverted-file index");
        made = new vgg_ann{std::move(index), ivf};
    });
    return made;
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
