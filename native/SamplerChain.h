// The sampler-chain builder: from one generation's sampling parameters, the llama_sampler
// chain that picks its tokens (repetition penalty, the personalization stage, then the
// truncation samplers, temperature and the final pick). Used by every code path that
// decodes for a caller, so that they all sample the same way.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "BiasSampler.h"
#include "Handles.h"
#include "VocabMatrixData.h"
#include "llama.h"

namespace persona {

// Everything the chain depends on. Defaults are those of generate().
struct SamplerChainParams {
    float temperature = 0.0f;  // <= 0: greedy
    int32_t top_k = 40;
    float top_p = 0.95f;
    float min_p = 0.05f;
    float repeat_penalty = 1.0f;
    int32_t repeat_last_n = 64;
    uint32_t seed = LLAMA_DEFAULT_SEED;
    bool personalize = false;
    BiasSamplerConfig bias;                        // `dots` is filled in by build() when empty
    std::shared_ptr<VocabMatrixData> matrix;       // with personalize: the matrix of the user vector
    std::vector<float> user;                       // with personalize: as given (finite; see VocabMatrixData::userInSpace)
    BiasReference reference = BiasReference::Neutral;  // what the bias scores are measured against
};

// How a sequence may sample without handing llama_sampler_sample the whole vocabulary (which
// writes an n_vocab candidate array per sequence and step): `Greedy` (greedy, with the bias
// when there is no guard: the first largest (biased) logit, `biasedArgmax`, what the chain's
// greedy sampler picks), `Guarded` (no penalties and the bias stage has a guard: the guard's
// survivors are found on the logits row and the chain runs on them; the guard finds the same
// survivors again, so the chain's result is the same), else `Chain`.
enum class SamplerShortcut { Chain, Greedy, Guarded };

class SamplerChain {
  public:
    static SamplerShortcut shortcut(const SamplerChainParams & params);
    // Whether build() would compute bias scores (personalize, beta != 0, no scores yet).
    static bool needsScores(const SamplerChainParams & params);
    // Fills params.bias.dots from the matrix's cache when it holds them (computes nothing);
    // returns whether the scores are there now.
    static bool takeCachedScores(SamplerChainParams & params);
    // Fills params.bias.dots (VocabMatrixData::scoresFor: ~30 ms for a 151,936 x 384 matrix,
    // so call it off the JavaScript thread, and best off the engine's loop). Throws on a
    // matrix / user mismatch.
    static void fillScores(SamplerChainParams & params);

    // A new chain; it owns every sampler in it. With `personalize` and beta != 0, the bias
    // scores of the user vector are computed (or found in the matrix's cache) here, so call
    // this off the JavaScript thread. The personalization stage (BiasSampler.h) is in the
    // chain when it has a guard or beta != 0: without a guard, beta = 0 is exactly the
    // unpersonalized chain. `prompt` tokens are accepted into the chain (the
    // repetition penalty's history).
    static SamplerPtr build(SamplerChainParams & params, int32_t n_vocab,
                             const std::vector<llama_token> & prompt);
};

}  // namespace persona
