// The personalization sampler: a llama_sampler that adds beta * dot(E_v, u) to the logit of
// each candidate token v. The dot products are computed once per (matrix, user) by
// VocabMatrixData and shared (read-only) by every copy of the sampler; a step costs
// O(candidates), plus O(candidates) for the guard's threshold when a guard is set.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "llama.h"

namespace persona {

struct BiasSamplerConfig {
    std::shared_ptr<const std::vector<float>> dots;  // dot(E_v, u) for every token id v
    float beta = 0.0f;
    // The guard: a filter on the unbiased logits. Candidates that pass it receive the bias;
    // the others are dropped (logit -inf). Both set: a candidate must pass both.
    int32_t guard_top_k = 0;    // > 0: the top-k candidates by unbiased logit pass
    float guard_min_p = 0.0f;   // > 0: candidates with p >= guard_min_p * p_max (unbiased) pass
};

// A new sampler; the caller owns it until it is added to a chain, which then owns it.
llama_sampler * makeBiasSampler(const BiasSamplerConfig & config);

}  // namespace persona
