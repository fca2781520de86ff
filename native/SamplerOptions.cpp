#include "SamplerOptions.h"

#include <string>
#include <utility>
#include <vector>

#include "AddonVocabMatrix.h"
#include "NapiArgs.h"

namespace persona {

void SamplerOptions::parse(Napi::Env env, const Napi::Object & opts, int32_t n_vocab, uint32_t n_ctx,
                           SamplerChainParams & out) {
    out.temperature = static_cast<float>(numberOption(opts, "temperature", 0.0, 0.0, 100.0));
    out.top_k = intOption(opts, "topK", 40, 0, n_vocab);
    out.top_p = static_cast<float>(numberOption(opts, "topP", 0.95, 0.0, 1.0));
    out.min_p = static_cast<float>(numberOption(opts, "minP", 0.05, 0.0, 1.0));
    out.repeat_penalty = static_cast<float>(numberOption(opts, "repeatPenalty", 1.0, 0.01, 100.0));
    out.repeat_last_n = intOption(opts, "repeatLastN", 64, 0, static_cast<int32_t>(n_ctx));
    out.seed = static_cast<uint32_t>(numberOption(opts, "seed", LLAMA_DEFAULT_SEED, 0, 4294967295.0, true));
    if (hasOption(opts, "personalization")) {
        Napi::Value pv = opts.Get("personalization");
        if (!pv.IsObject()) throwType(env, "options.personalization must be an object");
        parsePersonalization(env, pv.As<Napi::Object>(), n_vocab, out);
    }
}

void SamplerOptions::parsePersonalization(Napi::Env env, const Napi::Object & po, int32_t n_vocab,
                                          SamplerChainParams & out) {
    auto matrix = AddonVocabMatrix::FromValue(env, po.Get("matrix"), "personalization.matrix");
    if (matrix->rows() != static_cast<size_t>(n_vocab)) {
        throwRange(env, "personalization.matrix has " + std::to_string(matrix->rows()) +
                            " rows, but the model's vocabulary has " + std::to_string(n_vocab) + " tokens");
    }
    if (!po.Get("user").IsTypedArray() || po.Get("user").As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        throwType(env, "personalization.user must be a Float32Array");
    }
    Napi::Float32Array user = po.Get("user").As<Napi::Float32Array>();
    if (user.ElementLength() != matrix->dims()) {
        throwRange(env, "personalization.user has " + std::to_string(user.ElementLength()) +
                            " values, but the matrix has " + std::to_string(matrix->dims()) + " dims");
    }
    requireFinite(env, user.Data(), user.ElementLength(), "personalization.user");
    if (!hasOption(po, "beta")) throwType(env, "personalization.beta must be a number");
    out.bias.beta = static_cast<float>(numberOption(po, "beta", 0.0, -1e6, 1e6));
    out.bias.guard_top_k = intOption(po, "guardTopK", 0, 0, n_vocab);
    out.bias.guard_min_p = static_cast<float>(numberOption(po, "guardMinP", 0.0, 0.0, 1.0));
    out.reference = BiasReference::Neutral;
    if (hasOption(po, "reference")) {
        Napi::Value rv = po.Get("reference");
        const std::string r = rv.IsString() ? rv.As<Napi::String>().Utf8Value() : std::string();
        if (r == "raw") out.reference = BiasReference::Raw;
        else if (r != "neutral") throwType(env, "personalization.reference must be 'neutral' or 'raw'");
    }
    // The user vector goes in as given: the matrix maps it into its space (centre, normalize)
    // on the worker thread, where the scores are computed or found cached.
    out.matrix = matrix;
    out.user.assign(user.Data(), user.Data() + user.ElementLength());
    out.personalize = true;
}

}  // namespace persona
