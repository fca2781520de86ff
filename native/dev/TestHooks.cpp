#include "TestHooks.h"

#include <cmath>
#include <vector>

#include "AddonVocabMatrix.h"
#include "BiasSampler.h"
#include "LeakCheck.h"
#include "NapiArgs.h"
#include "VectorMath.h"

namespace persona {

Napi::Object TestHooks::Init(Napi::Env env) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("applyBias", Napi::Function::New(env, ApplyBias, "applyBias"));
    o.Set("leakCheck", Napi::Function::New(env, LeakCheck, "leakCheck"));
    return o;
}

Napi::Value TestHooks::ApplyBias(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto matrix = AddonVocabMatrix::FromValue(env, info[0], "matrix");
    Napi::Float32Array user = float32Arg(info, 1, "user");
    if (user.ElementLength() != matrix->dims()) throwRange(env, "user length must equal the matrix dims");
    requireFinite(env, user.Data(), user.ElementLength(), "user");
    Napi::Object cfg = optionsArg(info, 2);
    Napi::Int32Array ids = int32Arg(info, 3, "ids");
    Napi::Float32Array logits = float32Arg(info, 4, "logits");
    if (ids.ElementLength() != logits.ElementLength()) throwRange(env, "ids and logits must have the same length");
    Napi::Object how = optionsArg(info, 5);

    std::vector<float> u(user.Data(), user.Data() + user.ElementLength());
    l2Normalize(u.data(), u.size());
    BiasSamplerConfig c;
    c.dots = matrix->dotsFor(u.data());
    c.beta = static_cast<float>(numberOption(cfg, "beta", 0.0, -1e6, 1e6));
    c.guard_top_k = intOption(cfg, "guardTopK", 0, 0, 1 << 30);
    c.guard_min_p = static_cast<float>(numberOption(cfg, "guardMinP", 0.0, 0.0, 1.0));

    std::vector<llama_token_data> cand(ids.ElementLength());
    for (size_t i = 0; i < cand.size(); i++) cand[i] = llama_token_data{ids[i], logits[i], 0.0f};
    llama_token_data_array arr{cand.data(), cand.size(), -1, false};

    llama_sampler * smpl = makeBiasSampler(c);
    if (boolOption(how, "viaClone", false)) {
        llama_sampler * copy = llama_sampler_clone(smpl);
        llama_sampler_free(smpl);
        smpl = copy;
    }
    if (boolOption(how, "viaChain", false)) {
        llama_sampler * chain = llama_sampler_chain_init(llama_sampler_chain_default_params());
        llama_sampler_chain_add(chain, smpl);  // the chain owns it from here on
        llama_sampler_apply(chain, &arr);
        llama_sampler_free(chain);
    } else {
        llama_sampler_apply(smpl, &arr);
        llama_sampler_free(smpl);
    }
    Napi::Float32Array out = Napi::Float32Array::New(env, cand.size());
    for (size_t i = 0; i < cand.size(); i++) out[i] = cand[i].logit;
    return out;
}

}  // namespace persona
