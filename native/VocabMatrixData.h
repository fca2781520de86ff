// A V x d matrix of L2-normalized rows held in native memory (f32 or f16), and the cache
// of full-vocabulary bias scores with user vectors that the bias sampler reads.
//
// The score of token v for a user vector u (the bias is beta times it):
//   c      = the mean of the non-zero input rows when built with `center`, else 0
//   r_v    = normalize(E_v - c) for a non-zero input row E_v, else 0 (a zero row)
//   u'     = normalize(u - c)   (0 when u - c is 0)
//   s_v    = dot(r_v, u')
//   Raw:     score_v = s_v                         (zero rows: 0)
//   Neutral: score_v = s_v - mean_{w non-zero} s_w  (zero rows: 0), so that a token as
//            similar to the user as the average non-zero-row token gets no bias, as do
//            tokens without a row (end of generation, punctuation, control tokens).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "BiasKernel.h"

namespace persona {

// What a bias score is measured against (see the formula above).
enum class BiasReference { Neutral, Raw };

// The scores of one user vector: score[v] for every row, and the reference subtracted
// from the non-zero rows (0 for Raw).
struct BiasScores {
    std::vector<float> score;
    float reference = 0.0f;
};

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

    // Whether row v was all zero in the input (it stays zero and never gets a bias).
    bool isZeroRow(size_t v) const { return zero_[v] != 0; }

    // The vector subtracted from the rows before normalizing (empty without `center`).
    const std::vector<float> & center() const { return center_; }

    // u' = normalize(u - c): a user vector (dims() values) in the rows' space.
    std::vector<float> userInSpace(const float * user) const;

    // The bias scores (formula above) of a user vector as given (it goes through
    // userInSpace), computed once per distinct (user, reference) and cached. Callers that
    // ask for a (user, reference) whose scores another thread is computing wait for that
    // computation instead of running their own (a user's requests for several betas arrive
    // together); if it throws, they throw the same exception.
    std::shared_ptr<const BiasScores> scoresFor(const float * user, BiasReference reference,
                                                KernelImpl impl = KernelImpl::Auto);

    // How many times scoresFor computed scores (not served from the cache or from another
    // caller's computation) since the matrix was built.
    size_t scoreComputations() const { return computations_.load(std::memory_order_relaxed); }

    // The cached scores of (user, reference) if scoresFor computed them lately, else null;
    // computes nothing.
    std::shared_ptr<const BiasScores> cachedScores(const float * user, BiasReference reference);

    // Drops every cached score set of the user vector `user` (dims() values, exactly as given
    // to a generation), e.g. when that user's data must be erased. Generations already holding
    // the scores keep their copy; scores being computed for it at the time go to the callers
    // that asked, not into the cache. Returns how many cached entries were dropped.
    size_t forget(const float * user);

    // dot(E_v, user) for every row, `user` as given: used by the tests, VocabMatrix.dots()
    // and the benchmark of the kernel itself.
    void computeDots(const float * user, float * out, KernelImpl impl) const;

  private:
    struct ScoreEntry {
        std::vector<float> user;
        BiasReference reference;
        std::shared_ptr<const BiasScores> scores;
    };
    // Scores being computed by one scoresFor call, which the others with the same key wait for.
    struct Pending {
        std::vector<float> user;
        BiasReference reference;
        std::shared_future<std::shared_ptr<const BiasScores>> result;
        bool forgotten;  // forget() ran meanwhile: do not cache the result
    };

    std::shared_ptr<BiasScores> computeScores(const float * user, BiasReference reference, KernelImpl impl) const;
    // Whether a kept copy of a user vector (dims() values) is `user`, bit for bit.
    bool sameUser(const std::vector<float> & kept, const float * user) const;
    // The cached entry of (user, reference), moved to the front, or null. Needs cache_mutex_.
    std::shared_ptr<const BiasScores> findCached(const float * user, BiasReference reference);

    size_t rows_;
    size_t dims_;
    RowType type_;
    size_t zero_rows_ = 0;
    std::vector<float> f32_;
    std::vector<uint16_t> f16_;
    std::vector<uint8_t> zero_;  // 1 for rows that were all zero in the input
    std::vector<float> center_;  // c, or empty

    std::mutex cache_mutex_;
    std::list<ScoreEntry> scores_;  // an LRU of the latest users' scores, most recent first
    std::list<Pending> pending_;    // computations running now
    std::atomic<size_t> computations_{0};
    // The cache holds as many score sets as fit in kCacheBytes (rows() floats each), at least
    // kCacheMinEntries and at most kCacheMaxEntries. With 8 entries, as before, a server with
    // more than 8 active users, or the batch benchmark's 8 + 4 users, recomputed scores (30-40
    // ms of a core for 151,936 x 384) for users it had just served; 64 MiB keeps ~110 of them
    // for a 151,936-token vocabulary.
    static constexpr size_t kCacheBytes = size_t{64} << 20;
    static constexpr size_t kCacheMinEntries = 8;
    static constexpr size_t kCacheMaxEntries = 4096;
    size_t cacheEntries() const;
};

}  // namespace persona
