#include "TestHooks.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <thread>
#include <vector>

#include "AddonModel.h"
#include "AddonVocabMatrix.h"
#include "CandidateGuard.h"
#include "EventSocket.h"
#include "Handles.h"
#include "LlamaLog.h"
#include "SamplerChain.h"
#include "SamplerOptions.h"
#include "BiasSampler.h"
#include "LeakCheck.h"
#include "NapiArgs.h"
#include "VectorMath.h"

namespace persona {

Napi::Object TestHooks::Init(Napi::Env env) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("applyBias", Napi::Function::New(env, ApplyBias, "applyBias"));
    o.Set("guardSelect", Napi::Function::New(env, GuardSelect, "guardSelect"));
    o.Set("biasedGreedy", Napi::Function::New(env, BiasedGreedy, "biasedGreedy"));
    o.Set("chainStep", Napi::Function::New(env, ChainStep, "chainStep"));
    o.Set("leakCheck", Napi::Function::New(env, LeakCheck, "leakCheck"));
    o.Set("concurrentScores", Napi::Function::New(env, ConcurrentScores, "concurrentScores"));
    o.Set("eventJson", Napi::Function::New(env, EventJson, "eventJson"));
    return o;
}

namespace {

// (matrix, user) at info[0..1] and { reference, ... } at info[options]: the matrix, the user
// vector (checked against it), the options and the bias reference.
struct MatrixUserArgs {
    std::shared_ptr<VocabMatrixData> matrix;
    Napi::Float32Array user;
    Napi::Object cfg;
    BiasReference reference;
};

MatrixUserArgs matrixUserArgs(const Napi::CallbackInfo & info, size_t options) {
    Napi::Env env = info.Env();
    MatrixUserArgs a{AddonVocabMatrix::FromValue(env, info[0], "matrix"), float32Arg(info, 1, "user"), optionsArg(info, options), BiasReference::Neutral};
    if (a.user.ElementLength() != a.matrix->dims()) throwRange(env, "user length must equal the matrix dims");
    requireFinite(env, a.user.Data(), a.user.ElementLength(), "user");
    if (hasOption(a.cfg, "reference") && a.cfg.Get("reference").ToString().Utf8Value() == "raw") a.reference = BiasReference::Raw;
    return a;
}

// The bias sampler's configuration from (matrix, user, { beta, guardTopK, guardMinP, reference })
// at info[0..2]: the scores come from the matrix exactly as generate() gets them
// (SamplerChain::build).
BiasSamplerConfig biasConfigArgs(const Napi::CallbackInfo & info) {
    const MatrixUserArgs a = matrixUserArgs(info, 2);
    const Napi::Object & cfg = a.cfg;
    std::shared_ptr<const BiasScores> scores = a.matrix->scoresFor(a.user.Data(), a.reference);
    BiasSamplerConfig c;
    c.dots = std::shared_ptr<const std::vector<float>>(scores, &scores->score);
    c.beta = static_cast<float>(numberOption(cfg, "beta", 0.0, -1e6, 1e6));
    c.guard_top_k = intOption(cfg, "guardTopK", 0, 0, 1 << 30);
    c.guard_min_p = static_cast<float>(numberOption(cfg, "guardMinP", 0.0, 0.0, 1.0));
    return c;
}

}  // namespace

Napi::Value TestHooks::ApplyBias(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const BiasSamplerConfig c = biasConfigArgs(info);
    Napi::Int32Array ids = int32Arg(info, 3, "ids");
    Napi::Float32Array logits = float32Arg(info, 4, "logits");
    if (ids.ElementLength() != logits.ElementLength()) throwRange(env, "ids and logits must have the same length");
    Napi::Object how = optionsArg(info, 5);

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
    // In input order; candidates the guard removed read -inf (what they are to the samplers after it).
    std::vector<float> by_index(cand.size(), -INFINITY);
    std::vector<llama_token> in_ids(ids.Data(), ids.Data() + ids.ElementLength());
    for (size_t j = 0; j < arr.size; j++) {
        for (size_t i = 0; i < in_ids.size(); i++) {
            if (in_ids[i] == arr.data[j].id) by_index[i] = arr.data[j].logit;
        }
    }
    Napi::Float32Array out = Napi::Float32Array::New(env, cand.size());
    for (size_t i = 0; i < cand.size(); i++) out[i] = by_index[i];
    return out;
}

Napi::Value TestHooks::BiasedGreedy(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    BiasSamplerConfig c = biasConfigArgs(info);
    c.guard_top_k = 0;  // the shortcut is for a chain without a guard
    c.guard_min_p = 0.0f;
    Napi::Float32Array logits = float32Arg(info, 3, "logits");
    if (logits.ElementLength() == 0 || logits.ElementLength() > (1u << 30)) throwRange(env, "logits must hold 1 to 2^30 values");
    const auto n = static_cast<int32_t>(logits.ElementLength());

    // The chain, on the candidate array llama_sampler_sample lays out (every id, in id order).
    std::vector<llama_token_data> cand(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; i++) cand[static_cast<size_t>(i)] = llama_token_data{i, logits[static_cast<size_t>(i)], 0.0f};
    llama_token_data_array arr{cand.data(), cand.size(), -1, false};
    llama_sampler * chain = llama_sampler_chain_init(llama_sampler_chain_default_params());
    llama_sampler_chain_add(chain, makeBiasSampler(c));
    llama_sampler_chain_add(chain, llama_sampler_init_greedy());
    llama_sampler_apply(chain, &arr);
    llama_sampler_free(chain);
    if (arr.selected < 0 || arr.selected >= static_cast<int64_t>(arr.size)) throw Napi::Error::New(env, "biasedGreedy: the chain selected nothing");

    Napi::Object out = Napi::Object::New(env);
    out.Set("shortcut", Napi::Number::New(env, biasedArgmax(c, logits.Data(), n)));
    out.Set("chain", Napi::Number::New(env, arr.data[arr.selected].id));
    return out;
}

Napi::Value TestHooks::GuardSelect(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    Napi::Object cfg = optionsArg(info, 0);
    Napi::Float32Array logits = float32Arg(info, 1, "logits");
    CandidateGuard guard(intOption(cfg, "guardTopK", 0, 0, 1 << 30), static_cast<float>(numberOption(cfg, "guardMinP", 0.0, 0.0, 1.0)));
    std::vector<llama_token_data> out;
    if (!guard.select(logits.Data(), logits.ElementLength(), out)) return env.Null();
    Napi::Int32Array ids = Napi::Int32Array::New(env, out.size());
    for (size_t i = 0; i < out.size(); i++) {
        if (out[i].logit != logits[static_cast<size_t>(out[i].id)]) throw Napi::Error::New(env, "guardSelect: a survivor's logit changed");
        ids[i] = out[i].id;
    }
    return ids;
}

namespace {

// A context configured as GenerateWorker configures a new one, with the prompt decoded.
ContextPtr decodedContext(Napi::Env env, llama_model * model, const std::vector<llama_token> & prompt, uint32_t n_ctx,
                          uint32_t n_batch, int32_t n_threads) {
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = n_ctx;
    cp.n_batch = n_batch;
    cp.n_ubatch = n_batch;
    cp.n_seq_max = 1;
    cp.n_threads = n_threads;
    cp.n_threads_batch = n_threads;
    cp.no_perf = true;
    LlamaLog::clearThreadErrors();
    ContextPtr ctx(llama_init_from_model(model, cp));
    if (!ctx) throw Napi::Error::New(env, "could not create a context: " + LlamaLog::threadErrors());
    const int32_t n_prompt = static_cast<int32_t>(prompt.size());
    for (int32_t i = 0; i < n_prompt; i += static_cast<int32_t>(n_batch)) {
        const int32_t n = std::min<int32_t>(static_cast<int32_t>(n_batch), n_prompt - i);
        if (llama_decode(ctx.get(), llama_batch_get_one(const_cast<llama_token *>(prompt.data()) + i, n)) != 0) {
            throw Napi::Error::New(env, "llama_decode failed on the prompt: " + LlamaLog::threadErrors());
        }
    }
    return ctx;
}

}  // namespace

Napi::Value TestHooks::ChainStep(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    std::shared_ptr<ModelHandle> h = AddonModel::HandleOf(env, info[0], "model");
    const int32_t n_vocab = llama_vocab_n_tokens(h->vocab());
    Napi::Int32Array toks = int32Arg(info, 1, "prompt tokens");
    Napi::Object opts = optionsArg(info, 2);
    const uint32_t n_ctx = static_cast<uint32_t>(intOption(opts, "contextSize", 2048, 16, 1 << 20));
    const uint32_t n_batch = static_cast<uint32_t>(intOption(opts, "batchSize", 512, 1, static_cast<int32_t>(n_ctx)));
    const int32_t n_threads = intOption(opts, "threads", 1, 1, 1024);
    if (toks.ElementLength() == 0 || toks.ElementLength() >= n_ctx) throwRange(env, "prompt tokens must be 1 to contextSize - 1 tokens");
    for (size_t i = 0; i < toks.ElementLength(); i++) {
        if (toks[i] < 0 || toks[i] >= n_vocab) throwRange(env, "prompt token " + std::to_string(i) + " is not a token id");
    }
    SamplerChainParams params;
    SamplerOptions::parse(env, opts, n_vocab, n_ctx, params);
    const std::vector<llama_token> prompt(toks.Data(), toks.Data() + toks.ElementLength());
    ContextPtr ctx = decodedContext(env, h->model(), prompt, n_ctx, n_batch, n_threads);
    SamplerPtr chain = SamplerChain::build(params, n_vocab, prompt);

    // As llama_sampler_sample builds the candidates (every id, in id order) and applies the chain.
    const float * logits = llama_get_logits_ith(ctx.get(), -1);
    if (!logits) throw Napi::Error::New(env, "no logits after the prompt");
    std::vector<llama_token_data> cur(static_cast<size_t>(n_vocab));
    for (llama_token t = 0; t < n_vocab; t++) cur[static_cast<size_t>(t)] = llama_token_data{t, logits[t], 0.0f};
    llama_token_data_array arr{cur.data(), cur.size(), -1, false};
    Napi::Float32Array before = Napi::Float32Array::New(env, static_cast<size_t>(n_vocab));
    std::copy(logits, logits + n_vocab, before.Data());
    llama_sampler_apply(chain.get(), &arr);

    Napi::Object out = Napi::Object::New(env);
    Napi::Int32Array ids = Napi::Int32Array::New(env, arr.size);
    Napi::Float32Array after = Napi::Float32Array::New(env, arr.size);
    for (size_t i = 0; i < arr.size; i++) {
        ids[i] = arr.data[i].id;
        after[i] = arr.data[i].logit;
    }
    Napi::Array stages = Napi::Array::New(env);
    for (int32_t i = 0; i < llama_sampler_chain_n(chain.get()); i++) {
        stages.Set(static_cast<uint32_t>(i), Napi::String::New(env, llama_sampler_name(llama_sampler_chain_get(chain.get(), i))));
    }
    out.Set("before", before);
    out.Set("ids", ids);
    out.Set("after", after);
    out.Set("selected", arr.selected >= 0 && static_cast<size_t>(arr.selected) < arr.size
                            ? Napi::Number::New(env, arr.data[arr.selected].id)
                            : Napi::Number::New(env, -1));
    out.Set("stages", stages);
    return out;
}

Napi::Value TestHooks::ConcurrentScores(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const MatrixUserArgs a = matrixUserArgs(info, 3);
    if (!info[2].IsNumber()) throwRange(env, "callers must be a number from 1 to 64");
    const int callers = info[2].As<Napi::Number>().Int32Value();
    if (callers < 1 || callers > 64) throwRange(env, "callers must be a number from 1 to 64");
    const std::shared_ptr<VocabMatrixData> & matrix = a.matrix;
    const BiasReference reference = a.reference;

    const std::vector<float> u(a.user.Data(), a.user.Data() + a.user.ElementLength());
    std::vector<std::shared_ptr<const BiasScores>> got(static_cast<size_t>(callers));
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    const size_t before = matrix->scoreComputations();
    std::vector<std::thread> threads;
    for (int i = 0; i < callers; i++) {
        threads.emplace_back([&, i] {
            ready.fetch_add(1);
            while (!go.load()) std::this_thread::yield();
            try {
                got[static_cast<size_t>(i)] = matrix->scoresFor(u.data(), reference);
            } catch (...) {
                // left null: sameScores is false
            }
        });
    }
    while (ready.load() < callers) std::this_thread::yield();
    go.store(true);
    for (auto & t : threads) t.join();
    bool same = true;
    for (const auto & g : got) same = same && g && g == got[0];
    Napi::Object out = Napi::Object::New(env);
    out.Set("computations", Napi::Number::New(env, static_cast<double>(matrix->scoreComputations() - before)));
    out.Set("sameScores", Napi::Boolean::New(env, same));
    return out;
}

Napi::Value TestHooks::EventJson(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        throwType(env, "bytes must be a Uint8Array");
    }
    Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
    const std::string raw(reinterpret_cast<const char *>(bytes.Data()), bytes.ElementLength());
    std::string json;
    EventSocket::appendJsonString(json, raw);
    Napi::Object out = Napi::Object::New(env);
    out.Set("json", Napi::String::New(env, json));
    out.Set("decoded", Napi::String::New(env, raw));
    return out;
}

}  // namespace persona
