// The guard of the personalization stage: a filter on the unbiased logits that removes the
// implausible candidates before the bias is added, so that the bias may reorder plausible
// tokens but never pulls an implausible one in. It means the same for every beta (beta = 0
// with a guard is "guard only").
//
// A candidate passes when its unbiased logit is
//   - top_k > 0:  >= the k-th largest logit of the array (ties at the k-th logit all pass,
//                 so more than k candidates pass when several share that logit);
//   - min_p > 0:  >= max_logit + ln(min_p), i.e. p >= min_p * p_max;
// both set: it must pass both. Failing candidates are removed from the array (its size
// shrinks; the order of the survivors is kept), which for the samplers after it is the same
// as a logit of -inf. NaN logits never pass; if nothing passes, the array is left as it is.
#pragma once

#include <cstdint>
#include <vector>

#include "llama.h"

namespace persona {

class CandidateGuard {
  public:
    CandidateGuard(int32_t top_k, float min_p) : top_k_(top_k), min_p_(min_p) {}

    bool active() const { return top_k_ > 0 || min_p_ > 0.0f; }

    // Removes the candidates that fail the guard (no-op when not active).
    void apply(llama_token_data_array * cur_p);

    // What apply() would leave of the whole vocabulary in id order ({id, logits[id], 0} for id
    // < n), written to `out` without building the full candidate array. False (and `out`
    // empty) when apply() would leave the array as it is: not active, no filter for this n, or
    // nothing passes.
    bool select(const float * logits, size_t n, std::vector<llama_token_data> & out);

  private:
    bool filters(size_t n) const;
    // The pass over n logits; keeps the indices that may pass in kept_ and returns the final threshold.
    template <class Logit>
    float scan(size_t n, Logit logit);

    int32_t top_k_;
    float min_p_;
    // Scratch, its capacity kept from step to step: the k largest logits so far (a min-heap),
    // and the candidates that reached the running bound.
    std::vector<float> heap_;
    std::vector<size_t> kept_;
};

}  // namespace persona
