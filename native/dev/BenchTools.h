// Entry points for the benchmarks (exported as `tools`): synthetic models of real shapes,
// quantization, the memory bandwidth and timed passes of the bias kernel. Every argument
// is checked here before anything reaches llama.cpp; all slow work runs off the JS thread.
#pragma once

#include <napi.h>

namespace persona {

class BenchTools {
  public:
    static Napi::Object Init(Napi::Env env);

  private:
    // writeSyntheticModel({ arch, vocabPath, outPath, layers, embd, heads, kvHeads, ffn,
    //   contextLength, ropeFreqBase, rmsEps, seed?, weightStd?, name? })
    //   => Promise<{ fileBytes, parameters, vocabSize, zeroRows, tensors, ms }>
    static Napi::Value WriteSyntheticModel(const Napi::CallbackInfo & info);
    // quantizeModel(input, output, type: 'q4_k_m' | 'q8_0' | ..., { threads? }) => Promise<{ path, bytes, ms }>
    static Napi::Value QuantizeModel(const Napi::CallbackInfo & info);
    // memoryCopy({ bytes, reps, threads }) => Promise<Float64Array of ms per copy>
    static Napi::Value MemoryCopy(const Napi::CallbackInfo & info);
    // kernelPasses(matrix, user: Float32Array, impl, reps) => Promise<Float64Array of ms per pass>
    static Napi::Value KernelPasses(const Napi::CallbackInfo & info);
};

}  // namespace persona
