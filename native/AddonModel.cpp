#include "AddonModel.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include "AddonState.h"
#include "AddonVocabMatrix.h"
#include "EngineDriver.h"
#include "EventSocket.h"
#include "ScoresWorker.h"
#include "GenerationChannel.h"
#include "LoadModelWorker.h"
#include "NapiArgs.h"
#include "SamplerOptions.h"
#include "TokenEmbeddingWorker.h"
#include "VectorMath.h"

namespace persona {
namespace {

constexpr uint64_t kMaxContextCells = 1u << 22;  // KV cells of one engine context, all sequences

// An integer of the model's GGUF metadata, or `fallback` when the key is absent or not a number.
int64_t metaInt(const llama_model * m, const std::string & key, int64_t fallback) {
    char buf[64] = {0};
    if (llama_model_meta_val_str(m, key.c_str(), buf, sizeof buf) < 0) return fallback;
    char * end = nullptr;
    const long long v = std::strtoll(buf, &end, 10);
    return end != buf && *end == '\0' && v > 0 ? static_cast<int64_t>(v) : fallback;
}

// Bytes of one KV cell over all layers in the engine's f16 cache: n_layer x n_head_kv x
// (key_length + value_length) x 2. An estimate: models whose layers differ (sliding-window
// layers, per-layer head counts) use less. Recurrent models keep a fixed state per sequence: 0.
double kvCellBytes(const llama_model * m, const std::string & arch) {
    if (llama_model_is_recurrent(m)) return 0.0;
    const int64_t heads = std::max<int64_t>(1, llama_model_n_head(m));
    const int64_t head_dim = llama_model_n_embd(m) / heads;
    const int64_t k = metaInt(m, arch + ".attention.key_length", head_dim);
    const int64_t v = metaInt(m, arch + ".attention.value_length", k);
    return static_cast<double>(llama_model_n_layer(m)) * static_cast<double>(llama_model_n_head_kv(m)) *
           static_cast<double>(k + v) * 2.0;
}

}  // namespace

Napi::Function AddonModel::Init(Napi::Env env) {
    return DefineClass(env, "AddonModel",
                       {
                           InstanceMethod<&AddonModel::Info>("info"),
                           InstanceMethod<&AddonModel::Tokenize>("tokenize"),
                           InstanceMethod<&AddonModel::Detokenize>("detokenize"),
                           InstanceMethod<&AddonModel::TokenPieces>("tokenPieces"),
                           InstanceMethod<&AddonModel::TokenAttributes>("tokenAttributes"),
                           InstanceMethod<&AddonModel::ApplyChatTemplate>("applyChatTemplate"),
                           InstanceMethod<&AddonModel::TokenEmbeddingRows>("tokenEmbeddingRows"),
                           InstanceMethod<&AddonModel::Generate>("generate"),
                           InstanceMethod<&AddonModel::EngineStatsJs>("engineStats"),
                           InstanceMethod<&AddonModel::HoldEngine>("holdEngine"),
                           InstanceMethod<&AddonModel::ReleaseEngine>("releaseEngine"),
                           InstanceMethod<&AddonModel::Dispose>("dispose"),
                           StaticMethod<&AddonModel::Load>("load"),
                       });
}

Napi::Value AddonModel::Load(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    LoadModelParams params;
    params.path = stringArg(info, 0, "path");
    if (params.path.empty()) throwType(env, "path must be a non-empty string");
    if (params.path.find('\0') != std::string::npos) throwType(env, "path must not contain NUL characters");
    Napi::Object opts = optionsArg(info, 1);
    params.gpu_layers = intOption(opts, "gpuLayers", 0, -1, 100000);
    params.use_mmap = boolOption(opts, "useMmap", true);
    // The batch engine: parallel sequences of contextSize cells each, in one context.
    EngineSettings & e = params.engine;
    e.n_ctx_seq = static_cast<uint32_t>(intOption(opts, "contextSize", 2048, 16, 1 << 20));
    e.n_parallel = static_cast<uint32_t>(intOption(opts, "parallel", 1, 1, static_cast<int32_t>(kMaxSequences)));
    // One step may read several prompts: at most every sequence's cells.
    const uint64_t all_cells = std::min<uint64_t>(static_cast<uint64_t>(e.n_ctx_seq) * e.n_parallel, kMaxContextCells);
    e.n_batch = static_cast<uint32_t>(intOption(opts, "batchSize", 512, 1, static_cast<int32_t>(all_cells)));
    const int32_t hw = static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
    e.n_threads = intOption(opts, "threads", hw, 1, 1024);
    e.share_prompts = boolOption(opts, "sharePrompts", true);
    e.flash_attention = boolOption(opts, "flashAttention", false);
    if (e.n_parallel > e.n_batch) {
        throwRange(env, "options.parallel (" + std::to_string(e.n_parallel) + ") must not exceed options.batchSize (" +
                            std::to_string(e.n_batch) + "): every running sequence needs a token in each batch");
    }
    if (static_cast<uint64_t>(e.n_ctx_seq) * e.n_parallel > kMaxContextCells) {
        throwRange(env, "options.contextSize x options.parallel (" +
                            std::to_string(static_cast<uint64_t>(e.n_ctx_seq) * e.n_parallel) + " KV cells) must not exceed " +
                            std::to_string(kMaxContextCells));
    }
    return (new LoadModelWorker(env, params))->start();
}

Napi::Object AddonModel::NewInstance(Napi::Env env, std::shared_ptr<ModelHandle> handle) {
    auto * holder = new std::shared_ptr<ModelHandle>(std::move(handle));
    auto ext = Napi::External<std::shared_ptr<ModelHandle>>::New(
        env, holder, [](Napi::Env, std::shared_ptr<ModelHandle> * p) { delete p; });
    return AddonState::get(env).model_ctor.New({ext});
}

std::shared_ptr<ModelHandle> AddonModel::HandleOf(Napi::Env env, const Napi::Value & value, const char * what) {
    if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(AddonState::get(env).model_ctor.Value())) {
        throwType(env, std::string(what) + " must be a Model");
    }
    return Unwrap(value.As<Napi::Object>())->handle(env);
}

AddonModel::AddonModel(const Napi::CallbackInfo & info) : Napi::ObjectWrap<AddonModel>(info) {
    if (info.Length() < 1 || !info[0].IsExternal()) {
        throwType(info.Env(), "Model cannot be constructed directly: use loadModel()");
    }
    handle_ = *info[0].As<Napi::External<std::shared_ptr<ModelHandle>>>().Data();
    reported_bytes_ = static_cast<int64_t>(llama_model_size(handle_->model()));
    Napi::MemoryManagement::AdjustExternalMemory(info.Env(), reported_bytes_);
}

AddonModel::~AddonModel() { release(); }

void AddonModel::release() {
    if (!handle_) return;
    handle_->markDisposed();
    handle_.reset();
    if (reported_bytes_ != 0) {
        Napi::MemoryManagement::AdjustExternalMemory(Env(), -reported_bytes_);
        reported_bytes_ = 0;
    }
}

const std::shared_ptr<ModelHandle> & AddonModel::handle(Napi::Env env) const {
    if (!handle_) throw Napi::Error::New(env, "this Model has been disposed");
    return handle_;
}

Napi::Value AddonModel::Info(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & h = handle(env);
    const llama_model * m = h->model();
    const llama_vocab * v = h->vocab();
    Napi::Object out = Napi::Object::New(env);
    out.Set("vocabSize", llama_vocab_n_tokens(v));
    out.Set("embeddingSize", llama_model_n_embd(m));
    out.Set("trainContextSize", llama_model_n_ctx_train(m));
    out.Set("layers", llama_model_n_layer(m));
    out.Set("heads", llama_model_n_head(m));
    out.Set("parameters", static_cast<double>(llama_model_n_params(m)));
    out.Set("sizeBytes", static_cast<double>(llama_model_size(m)));
    char desc[256] = {0};
    llama_model_desc(m, desc, sizeof desc);
    out.Set("description", desc);
    char arch[128] = {0};
    if (llama_model_meta_val_str(m, "general.architecture", arch, sizeof arch) >= 0) out.Set("architecture", arch);
    out.Set("kvCellBytes", kvCellBytes(m, arch));
    out.Set("bos", llama_vocab_bos(v));
    out.Set("eos", llama_vocab_eos(v));
    out.Set("addBos", llama_vocab_get_add_bos(v));
    const char * tmpl = llama_model_chat_template(m, nullptr);
    out.Set("chatTemplate", tmpl ? Napi::Value(Napi::String::New(env, tmpl)) : env.Null());
    return out;
}

// tokenize(text, addSpecial, parseSpecial) => Int32Array
Napi::Value AddonModel::Tokenize(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & h = handle(env);
    const std::string text = stringArg(info, 0, "text");
    const bool add_special = info.Length() > 1 && info[1].ToBoolean().Value();
    const bool parse_special = info.Length() > 2 && info[2].ToBoolean().Value();
    if (text.size() > static_cast<size_t>(INT32_MAX / 2)) throwRange(env, "text is too long to tokenize");
    std::vector<llama_token> out(text.size() + 8);
    int32_t n = llama_tokenize(h->vocab(), text.data(), static_cast<int32_t>(text.size()), out.data(),
                               static_cast<int32_t>(out.size()), add_special, parse_special);
    if (n < 0) {
        if (n == INT32_MIN) throwRange(env, "text is too long to tokenize");
        out.resize(static_cast<size_t>(-n));
        n = llama_tokenize(h->vocab(), text.data(), static_cast<int32_t>(text.size()), out.data(),
                           static_cast<int32_t>(out.size()), add_special, parse_special);
        if (n < 0) throw Napi::Error::New(env, "tokenization failed");
    }
    Napi::Int32Array arr = Napi::Int32Array::New(env, static_cast<size_t>(n));
    // An empty array has no data pointer, and memcpy from/to null is undefined even for 0 bytes.
    if (n > 0) std::memcpy(arr.Data(), out.data(), static_cast<size_t>(n) * sizeof(llama_token));
    return arr;
}

// detokenize(tokens: Int32Array, removeSpecial, unparseSpecial) => string
Napi::Value AddonModel::Detokenize(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & h = handle(env);
    Napi::Int32Array toks = int32Arg(info, 0, "tokens");
    const bool remove_special = info.Length() > 1 && info[1].ToBoolean().Value();
    const bool unparse_special = info.Length() > 2 && info[2].ToBoolean().Value();
    const int32_t n_vocab = llama_vocab_n_tokens(h->vocab());
    for (size_t i = 0; i < toks.ElementLength(); i++) {
        if (toks[i] < 0 || toks[i] >= n_vocab) {
            throwRange(env, "tokens[" + std::to_string(i) + "] = " + std::to_string(toks[i]) +
                                " is not a token id (the vocabulary has " + std::to_string(n_vocab) + " tokens)");
        }
    }
    if (toks.ElementLength() == 0) return Napi::String::New(env, "");
    if (toks.ElementLength() > static_cast<size_t>(INT32_MAX / 64)) throwRange(env, "too many tokens");
    std::string out(toks.ElementLength() * 8 + 16, '\0');
    int32_t n = llama_detokenize(h->vocab(), toks.Data(), static_cast<int32_t>(toks.ElementLength()), out.data(),
                                 static_cast<int32_t>(out.size()), remove_special, unparse_special);
    if (n < 0) {
        out.resize(static_cast<size_t>(-n));
        n = llama_detokenize(h->vocab(), toks.Data(), static_cast<int32_t>(toks.ElementLength()), out.data(),
                             static_cast<int32_t>(out.size()), remove_special, unparse_special);
        if (n < 0) throw Napi::Error::New(env, "detokenization failed");
    }
    out.resize(static_cast<size_t>(n));
    return Napi::String::New(env, out);
}

// tokenPieces() => string[]: the surface text of every token id (special tokens rendered).
Napi::Value AddonModel::TokenPieces(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & h = handle(env);
    const int32_t n_vocab = llama_vocab_n_tokens(h->vocab());
    Napi::Array out = Napi::Array::New(env, static_cast<size_t>(n_vocab));
    std::string buf(256, '\0');
    for (int32_t t = 0; t < n_vocab; t++) {
        int32_t n = llama_token_to_piece(h->vocab(), t, buf.data(), static_cast<int32_t>(buf.size()), 0, true);
        if (n < 0) {
            buf.resize(static_cast<size_t>(-n));
            n = llama_token_to_piece(h->vocab(), t, buf.data(), static_cast<int32_t>(buf.size()), 0, true);
        }
        out.Set(static_cast<uint32_t>(t), Napi::String::New(env, buf.data(), static_cast<size_t>(std::max(n, 0))));
    }
    return out;
}

// tokenAttributes() => Uint32Array of llama_token_attr flags, one per token id.
Napi::Value AddonModel::TokenAttributes(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & h = handle(env);
    const int32_t n_vocab = llama_vocab_n_tokens(h->vocab());
    Napi::Uint32Array out = Napi::Uint32Array::New(env, static_cast<size_t>(n_vocab));
    for (int32_t t = 0; t < n_vocab; t++) out[static_cast<size_t>(t)] = llama_vocab_get_attr(h->vocab(), t);
    return out;
}

// applyChatTemplate(messages: {role, content}[], addAssistant: boolean, template?: string) => string | null
Napi::Value AddonModel::ApplyChatTemplate(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & h = handle(env);
    if (info.Length() < 1 || !info[0].IsArray()) throwType(env, "messages must be an array");
    Napi::Array arr = info[0].As<Napi::Array>();
    const bool add_ass = info.Length() < 2 || info[1].ToBoolean().Value();
    std::string tmpl;
    if (info.Length() > 2 && info[2].IsString()) {
        tmpl = info[2].As<Napi::String>().Utf8Value();
    } else {
        const char * t = llama_model_chat_template(h->model(), nullptr);
        if (!t) return env.Null();
        tmpl = t;
    }
    std::vector<std::string> roles, contents;
    size_t total = 0;
    for (uint32_t i = 0; i < arr.Length(); i++) {
        Napi::Value m = arr.Get(i);
        if (!m.IsObject()) throwType(env, "messages[" + std::to_string(i) + "] must be an object");
        Napi::Object o = m.As<Napi::Object>();
        if (!o.Get("role").IsString() || !o.Get("content").IsString()) {
            throwType(env, "messages[" + std::to_string(i) + "] must have string role and content");
        }
        roles.push_back(o.Get("role").As<Napi::String>().Utf8Value());
        contents.push_back(o.Get("content").As<Napi::String>().Utf8Value());
        total += roles.back().size() + contents.back().size();
    }
    std::vector<llama_chat_message> msgs;
    for (size_t i = 0; i < roles.size(); i++) msgs.push_back({roles[i].c_str(), contents[i].c_str()});
    std::string out(2 * total + 1024, '\0');
    int32_t n = llama_chat_apply_template(tmpl.c_str(), msgs.data(), msgs.size(), add_ass, out.data(),
                                          static_cast<int32_t>(out.size()));
    if (n < 0) throw Napi::Error::New(env, "the model's chat template is not one that llama.cpp supports");
    if (static_cast<size_t>(n) > out.size()) {
        out.resize(static_cast<size_t>(n));
        n = llama_chat_apply_template(tmpl.c_str(), msgs.data(), msgs.size(), add_ass, out.data(),
                                      static_cast<int32_t>(out.size()));
    }
    out.resize(static_cast<size_t>(std::max(n, 0)));
    return Napi::String::New(env, out);
}

Napi::Value AddonModel::TokenEmbeddingRows(const Napi::CallbackInfo & info) {
    const auto & h = handle(info.Env());
    return (new TokenEmbeddingWorker(info.Env(), h->path()))->start();
}

namespace {

// One request's options (prompt aside), checked against the engine's sizes: the sampling and
// personalization options (SamplerOptions, shared with the chain-step test hook), maxTokens, stop.
void readRequestOptions(Napi::Env env, const Napi::Object & opts, int32_t n_vocab, uint32_t n_ctx_seq,
                        SequenceParams & p) {
    SamplerOptions::parse(env, opts, n_vocab, n_ctx_seq, p);
    p.max_tokens = intOption(opts, "maxTokens", 256, 1, static_cast<int32_t>(n_ctx_seq));
    if (hasOption(opts, "stop")) {
        Napi::Value sv = opts.Get("stop");
        if (!sv.IsArray()) throwType(env, "options.stop must be an array of strings");
        Napi::Array sa = sv.As<Napi::Array>();
        for (uint32_t i = 0; i < sa.Length(); i++) {
            if (!sa.Get(i).IsString()) throwType(env, "options.stop[" + std::to_string(i) + "] must be a string");
            std::string s = sa.Get(i).As<Napi::String>().Utf8Value();
            if (s.empty()) throwRange(env, "options.stop[" + std::to_string(i) + "] must not be empty");
            p.stop.push_back(std::move(s));
        }
    }
}

// options.eventSocket = { fd, before, after, onFallback }: streamed text goes to the connected
// socket `fd` as server-sent events (EventSocket), whose rest goes to onFallback(bytes) from the
// first event the socket does not take whole on. Null when the option is absent.
std::unique_ptr<EventSocket> readEventSocket(Napi::Env env, const Napi::Object & opts, Napi::Function & on_fallback) {
    if (!hasOption(opts, "eventSocket")) return nullptr;
    Napi::Value v = opts.Get("eventSocket");
    if (!v.IsObject()) throwType(env, "options.eventSocket must be an object");
    Napi::Object o = v.As<Napi::Object>();
    Napi::Value fd = o.Get("fd");
    if (!fd.IsNumber()) throwType(env, "options.eventSocket.fd must be a number");
    const double d = fd.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= 2147483647.0) || std::floor(d) != d) {
        throwRange(env, "options.eventSocket.fd must be a descriptor (an integer from 0), got " + fd.ToString().Utf8Value());
    }
    const Napi::Value before = o.Get("before");
    const Napi::Value after = o.Get("after");
    const Napi::Value fallback = o.Get("onFallback");
    if (!before.IsString()) throwType(env, "options.eventSocket.before must be a string");
    if (!after.IsString()) throwType(env, "options.eventSocket.after must be a string");
    if (!fallback.IsFunction()) throwType(env, "options.eventSocket.onFallback must be a function");
    on_fallback = fallback.As<Napi::Function>();
    try {
        return std::make_unique<EventSocket>(static_cast<int>(d), before.As<Napi::String>().Utf8Value(),
                                             after.As<Napi::String>().Utf8Value());
    } catch (const std::invalid_argument & e) {
        throwRange(env, std::string("options.eventSocket.fd: ") + e.what());
    }
}

}  // namespace

// generate(tokens: Int32Array, options, onText?: (text) => void) => { promise, abort }
// (options.eventSocket: see readEventSocket). Queues the request on the model's batch engine
// (starting its loop if it is idle); a personalized one whose bias scores are not cached gets
// them computed first (ScoresWorker).
Napi::Value AddonModel::Generate(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & h = handle(env);
    const int32_t n_vocab = llama_vocab_n_tokens(h->vocab());
    const uint32_t n_ctx_seq = h->engine().settings().n_ctx_seq;
    Napi::Int32Array toks = int32Arg(info, 0, "prompt tokens");
    if (toks.ElementLength() == 0) throwRange(env, "prompt must not be empty");
    for (size_t i = 0; i < toks.ElementLength(); i++) {
        if (toks[i] < 0 || toks[i] >= n_vocab) {
            throwRange(env, "prompt token " + std::to_string(i) + " = " + std::to_string(toks[i]) + " is not a token id");
        }
    }
    if (toks.ElementLength() >= n_ctx_seq) {
        throwRange(env, "the prompt has " + std::to_string(toks.ElementLength()) +
                            " tokens, which does not fit the context size of " + std::to_string(n_ctx_seq) +
                            " tokens (loadModel's contextSize)");
    }
    SequenceParams p;
    p.prompt.assign(toks.Data(), toks.Data() + toks.ElementLength());
    const Napi::Object opts = optionsArg(info, 1);
    readRequestOptions(env, opts, n_vocab, n_ctx_seq, p);
    Napi::Function on_text;
    if (info.Length() > 2 && info[2].IsFunction()) on_text = info[2].As<Napi::Function>();
    Napi::Function on_fallback;
    std::unique_ptr<EventSocket> socket = readEventSocket(env, opts, on_fallback);  // last: it takes a descriptor

    auto channel = std::make_shared<GenerationChannel>(env, on_text, std::move(socket), on_fallback);
    auto seq = std::make_shared<Sequence>(std::move(p), channel);
    Napi::Object out = Napi::Object::New(env);
    out.Set("promise", channel->promise());
    std::weak_ptr<Sequence> weak = seq;
    out.Set("abort", Napi::Function::New(
                         env,
                         [weak](const Napi::CallbackInfo & ci) {
                             if (auto s = weak.lock()) s->abort();
                             return ci.Env().Undefined();
                         },
                         "abort"));
    if (seq->scoresPending()) {
        // Inside a holdEngine() (generateMany's first requests) the hold lasts until the scores
        // are ready and the request is submitted, so that it is admitted with the others.
        const bool held = h->engine().joinHold();
        (new ScoresWorker(env, h, std::move(seq), held))->Queue();  // it submits the request when the scores are ready
    } else {
        EngineDriver::submit(h, std::move(seq));
    }
    return out;
}

// engineStats() => what the batch engine did so far (see BatchEngine.h).
Napi::Value AddonModel::EngineStatsJs(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const EngineStats s = handle(env)->engine().stats();
    Napi::Object out = Napi::Object::New(env);
    out.Set("parallel", static_cast<double>(s.parallel));
    out.Set("contextCells", static_cast<double>(s.context_cells));
    out.Set("active", static_cast<double>(s.active));
    out.Set("waiting", static_cast<double>(s.waiting));
    out.Set("steps", static_cast<double>(s.steps));
    out.Set("tokensDecoded", static_cast<double>(s.tokens_decoded));
    out.Set("promptTokensDecoded", static_cast<double>(s.prompt_tokens_decoded));
    out.Set("promptTokensReused", static_cast<double>(s.prompt_tokens_reused));
    out.Set("maxBatchSequences", static_cast<double>(s.max_batch_sequences));
    out.Set("sequenceMoves", static_cast<double>(s.sequence_moves));
    out.Set("graphsReused", static_cast<double>(s.graphs_reused));
    return out;
}

// holdEngine(): requests submitted until releaseEngine() are admitted together (BatchEngine::hold).
Napi::Value AddonModel::HoldEngine(const Napi::CallbackInfo & info) {
    handle(info.Env())->engine().hold();
    return info.Env().Undefined();
}

// releaseEngine(): ends a holdEngine(), starting the engine's loop for the requests it held.
Napi::Value AddonModel::ReleaseEngine(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    EngineDriver::release(handle(env));
    return env.Undefined();
}

Napi::Value AddonModel::Dispose(const Napi::CallbackInfo & info) {
    release();
    return info.Env().Undefined();
}

}  // namespace persona
