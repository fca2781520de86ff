// Entry points for the tests only (exported as `testing`): they drive the bias sampler on
// synthetic candidate arrays exactly as llama.cpp's sampler chain would, and sample one
// decoding step of a real model through the chain generate() builds.
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
    // biasedGreedy(matrix, user, { beta, reference }, logits: Float32Array) => { shortcut, chain }:
    // the id biasedArgmax picks from the whole row (ids 0..n-1; the Greedy sampler
    // shortcut) and the id a real chain of the bias sampler and the greedy sampler picks.
    static Napi::Value BiasedGreedy(const Napi::CallbackInfo & info);
    // guardSelect(config, logits): the ids CandidateGuard::select keeps of a whole logits row
    // (what the Guarded sampler shortcut hands the chain), or null when it keeps the row as it is.
    static Napi::Value GuardSelect(const Napi::CallbackInfo & info);
    // chainStep(model, promptTokens: Int32Array, nativeGenerateOptions) => { before: Float32Array
    //   (the logits of every token id after the prompt), ids: Int32Array, after: Float32Array (the
    //   candidates left after the chain, in its order), selected: number, stages: string[] }.
    // The context, options and chain are generate()'s (SamplerOptions, SamplerChain); it runs on
    // the JavaScript thread: for small test models only.
    static Napi::Value ChainStep(const Napi::CallbackInfo & info);
    // concurrentScores(matrix, user: Float32Array, callers, { reference? }) => { computations,
    //   sameScores }: `callers` threads released together each ask the matrix for the user's
    //   scores (VocabMatrixData::scoresFor, as ScoresWorker does); how many computations that
    //   took, and whether every caller got the same score set. Blocks the JavaScript thread.
    static Napi::Value ConcurrentScores(const Napi::CallbackInfo & info);
    // eventJson(bytes: Uint8Array) => { json, decoded }: `bytes` as EventSocket writes them into
    // an event (EventSocket::appendJsonString), and the string N-API decodes from the same bytes
    // (what a JavaScript listener would get and JSON.stringify), to compare the two.
    static Napi::Value EventJson(const Napi::CallbackInfo & info);
};

}  // namespace persona
