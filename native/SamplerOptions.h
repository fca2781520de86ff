// Reads a generation's sampling options (a JavaScript object, as lib/generation-options.ts
// builds it) into SamplerChainParams, validating every value before llama.cpp sees it.
// Shared by generate() and the test hook that samples one step through the same chain.
#pragma once

#include <napi.h>

#include <cstdint>

#include "SamplerChain.h"

namespace persona {

class SamplerOptions {
  public:
    // temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed and personalization
    // ({ matrix, user, beta, guardTopK?, guardMinP?, reference?: 'neutral' | 'raw' }).
    // Throws a JavaScript TypeError/RangeError naming the option.
    static void parse(Napi::Env env, const Napi::Object & opts, int32_t n_vocab, uint32_t n_ctx, SamplerChainParams & out);

  private:
    static void parsePersonalization(Napi::Env env, const Napi::Object & po, int32_t n_vocab, SamplerChainParams & out);
};

}  // namespace persona
