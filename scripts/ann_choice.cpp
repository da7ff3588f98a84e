// Which FAISS index an approximate search should use: clustered 512-d unit vectors (5,000
// subjects, ReLU as real descriptors, a near-copy every 50 images), 200 queries (half the
// originals of planted copies, half random rows); build time, size, query time and
// recall@10 after an exact re-rank of the k candidates, against brute force.
// Not part of the build; needs Debian's libfaiss-dev (and libopenblas-dev):
//
//   clang++ -O2 -std=c++17 -I/usr/lib/gcc/x86_64-linux-gnu/12/include scripts/ann_choice.cpp \
//       -o /tmp/ann_choice -lfaiss -lblas -llapack -lgomp
//   OMP_NUM_THREADS=2 /tmp/ann_choice N FACTORY TRAIN_SAMPLE NPROBE K
//   e.g. /tmp/ann_choice 1000000 IVF4096,SQ4 160000 128 100
//
// libfaiss.a wants GNU OpenMP (-lgomp, not clang's -fopenmp, which asks for libomp); its
// HNSW header includes omp.h, which clang finds only in GCC's folder. Write "PQ64np", never
// "PQ64": the latter trains polysemous codes, which takes ten minutes for 100,000 vectors.
#include <faiss/index_factory.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexFlat.h>
#include <faiss/index_io.h>
#include <random>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <cmath>
#include <algorithm>
using clk = std::chrono::steady_clock;
static double secs(clk::time_point a, clk::time_point b) { return std::chrono::duration<double>(b - a).count(); }
int main(int argc, char **argv) {
    int d = 512; long n = atol(argv[1]); long nt = atol(argv[3]); int nprobe = atoi(argv[4]); int k = atoi(argv[5]);
    const char *desc = argv[2];
    std::mt19937_64 rng(7); std::normal_distribution<float> g;
    int C = 5000; std::vector<float> centres((size_t)C * d); for (auto &x : centres) x = g(rng);
    std::vector<float> xb((size_t)n * d);
    for (long i = 0; i < n; i++) {
        float *v = &xb[(size_t)i * d];
        if (i % 50 == 1) { for (int j = 0; j < d; j++) v[j] = xb[(size_t)(i - 1) * d + j] + 0.03f * g(rng); }
        else { int c = rng() % C; for (int j = 0; j < d; j++) v[j] = std::max(0.f, 0.6f * centres[(size_t)c * d + j] + 0.8f * g(rng)); }
        double s = 0; for (int j = 0; j < d; j++) s += v[j] * v[j]; float r = 1 / sqrt(s); for (int j = 0; j < d; j++) v[j] *= r;
    }
    auto t0 = clk::now();
    faiss::Index *index = faiss::index_factory(d, desc, faiss::METRIC_INNER_PRODUCT);
    std::vector<float> sample((size_t)nt * d);
    for (long i = 0; i < nt; i++) { long r = (i * 7919L) % n; std::copy(&xb[(size_t)r * d], &xb[(size_t)r * d] + d, &sample[(size_t)i * d]); }
    index->train(nt, sample.data());
    auto t1 = clk::now();
    if (dynamic_cast<faiss::IndexHNSW *>(index)) index->add(n, xb.data());
    else { std::vector<faiss::Index::idx_t> ids(n); for (long i = 0; i < n; i++) ids[i] = i; index->add_with_ids(n, xb.data(), ids.data()); }
    auto t2 = clk::now();
    if (auto ivf = dynamic_cast<faiss::IndexIVF *>(index)) ivf->nprobe = nprobe;
    if (auto h = dynamic_cast<faiss::IndexHNSW *>(index)) h->hnsw.efSearch = nprobe;
    int nq = 200;
    // Each query is an indexed row, which is left out of both answers (it would find itself).
    std::vector<float> q((size_t)nq * d);
    std::vector<long> self(nq);
    for (int i = 0; i < nq; i++) { long r = (i % 2 == 0) ? (long)(i / 2) * 50 * 97 % (n / 50) * 50 : (long)(i * 104729L) % n; self[i] = r; std::copy(&xb[(size_t)r * d], &xb[(size_t)r * d] + d, &q[(size_t)i * d]); }
    std::vector<float> D((size_t)nq * k); std::vector<faiss::Index::idx_t> I((size_t)nq * k);
    auto t3 = clk::now();
    index->search(nq, q.data(), k, D.data(), I.data());
    auto t4 = clk::now();
    // exact top 10 by brute force
    double hits = 0;
    for (int i = 0; i < nq; i++) {
        std::vector<std::pair<float, long>> all(n);
        for (long j = 0; j < n; j++) { float s = 0; const float *a = &q[(size_t)i * d], *b = &xb[(size_t)j * d]; for (int t = 0; t < d; t++) s += a[t] * b[t]; all[j] = {j == self[i] ? 1e9f : -s, j}; }
        std::partial_sort(all.begin(), all.begin() + 10, all.end());
        std::vector<std::pair<float, long>> c;
        for (int j = 0; j < k; j++) { long id = I[(size_t)i * k + j]; if (id < 0 || id == self[i]) continue; float s = 0; for (int t = 0; t < d; t++) s += q[(size_t)i * d + t] * xb[(size_t)id * d + t]; c.push_back({-s, id}); }
        std::sort(c.begin(), c.end());
        for (int j = 0; j < 10 && j < (int)c.size(); j++) for (int t = 0; t < 10; t++) if (c[j].second == all[t].second) hits++;
    }
    faiss::write_index(index, "/tmp/ann_choice.faiss");
    FILE *f = fopen("/tmp/ann_choice.faiss", "rb"); fseek(f, 0, SEEK_END); long sz = ftell(f); fclose(f);
    printf("%-16s n=%ld nt=%ld probe=%d k=%d: train %.1f s, add %.1f s, query %.2f ms, recall@10 %.3f, file %.0f MB = %.1f%% of floats\n",
           desc, n, nt, nprobe, k, secs(t0, t1), secs(t1, t2), 1000 * secs(t3, t4) / nq, hits / (nq * 10.0), sz / 1e6, 100.0 * sz / ((double)n * d * 4));
}
