// The personalization sampler: a llama_sampler in two stages.
//
//   1. The guard (CandidateGuard.h), when set: removes the candidates that fail it, judged on
//      the unbiased logits. It acts for every beta, 0 included ("guard only").
//   2. The bias, when beta != 0: adds beta * score[v] to the logit of each remaining candidate
//      v, where score comes from VocabMatrixData::scoresFor (the cosine with the user vector,
//      measured against the neutral or the raw reference). Ids outside the score vector are
//      left alone.
//
// Without a guard and with beta = 0 the sampler leaves the array exactly as it came. The scores
// are computed once per (matrix, user, reference) and shared (read-only) by every copy of the
// sampler; a step costs one read-only pass over the candidates for the guard's threshold plus
// one over the survivors, or one pass over all candidates without a guard.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "llama.h"

namespace persona {

struct BiasSamplerConfig {
    // The score of every token id v (VocabMatrixData::scoresFor): the bias is beta * dots[v].
    // May be null when beta == 0.
    std::shared_ptr<const std::vector<float>> dots;
    float beta = 0.0f;
    // The guard (CandidateGuard.h): candidates that fail it are removed before the bias.
    int32_t guard_top_k = 0;    // > 0: candidates with a logit >= the k-th largest pass
    float guard_min_p = 0.0f;   // > 0: candidates with p >= guard_min_p * p_max pass
};

// A new sampler; the caller owns it until it is added to a chain, which then owns it.
llama_sampler * makeBiasSampler(const BiasSamplerConfig & config);

// What a chain of this sampler (without a guard) and the greedy sampler picks from a whole
// logits row (`logits[v]` for every id v < n_vocab, in id order, as llama_sampler_sample lays
// the candidates out): the first id whose biased logit is larger than every earlier one, with
// the bias stage's own arithmetic, and without the n_vocab candidate array. With beta = 0 (or
// no scores) it is plain greedy. n_vocab >= 1.
llama_token biasedArgmax(const BiasSamplerConfig & config, const float * logits, int32_t n_vocab);

}  // namespace persona
