// Entry points for the tests only (exported as `testing`): they drive the bias sampler on
// synthetic candidate arrays exactly as llama.cpp's sampler chain would.
#pragma once

#include <napi.h>

namespace persona {

class TestHooks {
  public:
    static Napi::Object Init(Napi::Env env);

  private:
    // applyBias(matrix, user, { beta, guardTopK, guardMinP }, ids: Int32Array, logits: Float32Array,
    //           { viaClone?, viaChain? }) => Float32Array of the logits after the sampler, in input order
    static Napi::Value ApplyBias(const Napi::CallbackInfo & info);
};

}  // namespace persona
