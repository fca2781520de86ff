// A V x d matrix of L2-normalized rows held in native memory (f32 or f16), and the cache
// of full-vocabulary dot products with user vectors that the bias sampler reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "BiasKernel.h"

namespace persona {

class VocabMatrixData {
  public:
    // Builds the matrix from row-major f32 data (validated by the caller: finite values,
    // data.size() == rows * dims). With `center`, the mean of the non-zero rows is
    // subtracted from each non-zero row first. Rows are then L2-normalized; rows that are
    // all zero stay zero (they never receive a bias).
    // Takes the rows (rows x dims, row-major) by value and normalizes them in place: pass an
    // rvalue so that building a matrix holds one native copy, not two.
    VocabMatrixData(std::vector<float> data, size_t rows, size_t dims, bool center, RowType type);

    size_t rows() const { return rows_; }
    size_t dims() const { return dims_; }
    RowType type() const { return type_; }
    size_t byteSize() const;
    size_t zeroRows() const { return zero_rows_; }
    const void * rowData() const;

    // Row v as f32.
    void copyRow(size_t v, float * out) const;

    // dot(E_v, user) for every row, computed once per distinct user vector and cached
    // (a small LRU of the last few users). `user` has dims() values.
    std::shared_ptr<const std::vector<float>> dotsFor(const float * user, KernelImpl impl = KernelImpl::Auto);

    // Drops the cached dot products of the user vector `user` (dims() values, as given to a
    // generation: normalized here as there), and the cache's copy of it, e.g. when that user's
    // data must be erased. Generations already holding the dots keep their copy. Returns how
    // many entries were dropped (0 or 1).
    size_t forget(const float * user);

    // The user vector as the bias uses it: L2-normalized (a zero vector stays zero).
    static std::vector<float> unitUser(const float * user, size_t dims);

    // Bypasses the cache: used by the tests and the benchmark of the kernel itself.
    void computeDots(const float * user, float * out, KernelImpl impl) const;

  private:
    struct CacheEntry {
        std::vector<float> user;
        std::shared_ptr<const std::vector<float>> dots;
    };

    size_t rows_;
    size_t dims_;
    RowType type_;
    size_t zero_rows_ = 0;
    std::vector<float> f32_;
    std::vector<uint16_t> f16_;

    std::mutex cache_mutex_;
    std::list<CacheEntry> cache_;  // most recent first
    static constexpr size_t kCacheSize = 8;
};

}  // namespace persona
