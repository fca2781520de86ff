#include "GenerateWorker.h"

#include <algorithm>
#include <stdexcept>

#include "ComputeThreads.h"
#include "Handles.h"
#include "LlamaLog.h"

namespace persona {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Length of the longest prefix of `s` that ends on a complete UTF-8 character.
size_t completeUtf8Prefix(const std::string & s) {
    const size_t n = s.size();
    for (size_t back = 1; back <= 4 && back <= n; back++) {
        const unsigned char c = static_cast<unsigned char>(s[n - back]);
        if ((c & 0xC0) == 0x80) continue;  // continuation byte: look further back
        size_t need = 1;
        if ((c & 0xE0) == 0xC0) need = 2;
        else if ((c & 0xF0) == 0xE0) need = 3;
        else if ((c & 0xF8) == 0xF0) need = 4;
        return back >= need ? n : n - back;
    }
    return n;  // only continuation bytes (invalid UTF-8): pass them on as they are
}


}  // namespace

GenerateWorker::GenerateWorker(Napi::Env env, std::shared_ptr<ModelHandle> model, GenerateParams params,
                               std::shared_ptr<GenerationControl> control, Napi::Function on_text)
    : Napi::AsyncWorker(env, "persona-gen:generate"),
      model_(std::move(model)),
      params_(std::move(params)),
      control_(std::move(control)),
      deferred_(Napi::Promise::Deferred::New(env)) {
    if (!on_text.IsEmpty() && on_text.IsFunction()) {
        tsfn_ = Napi::ThreadSafeFunction::New(env, on_text, "persona-gen:stream", 0, 1);
        streaming_ = true;
    }
}

GenerateWorker::~GenerateWorker() { releaseStream(); }

void GenerateWorker::releaseStream() {
    if (streaming_) {
        tsfn_.Release();
        streaming_ = false;
    }
}

void GenerateWorker::Execute() {
    try {
        // On a compute thread, not on libuv's: see ComputeThreads.h (OpenMP teams).
        ComputeThreads::run([this] { run(); });
        if (control_->model_disposed.load()) {
            SetError("the model was disposed while this generation was running");
        }
    } catch (const std::exception & e) {
        SetError(e.what());
    } catch (...) {
        SetError("unknown native error during generation");
    }
}

void GenerateWorker::emitText(bool final_flush) {
    if (!streaming_) return;
    // Hold back what could still become the start of a stop string.
    size_t hold = 0;
    if (!final_flush) {
        for (const auto & s : params_.stop) hold = std::max(hold, s.size() > 0 ? s.size() - 1 : 0);
    }
    size_t upto = text_.size() > hold ? text_.size() - hold : 0;
    // Never split a UTF-8 character.
    while (upto > emitted_ && upto < text_.size() && (static_cast<unsigned char>(text_[upto]) & 0xC0) == 0x80) upto--;
    if (upto <= emitted_) return;
    auto * chunk = new std::string(text_, emitted_, upto - emitted_);
    emitted_ = upto;
    const napi_status st = tsfn_.BlockingCall(chunk, [](Napi::Env env, Napi::Function fn, std::string * data) {
        std::unique_ptr<std::string> owned(data);
        if (env != nullptr && fn != nullptr) {
            try {
                fn.Call({Napi::String::New(env, *owned)});
            } catch (...) {
                // An exception thrown by the listener must not take the process down.
            }
        }
    });
    if (st != napi_ok) delete chunk;
}

void GenerateWorker::run() {
    llama_model * model = model_->model();
    const llama_vocab * vocab = model_->vocab();
    LlamaLog::clearThreadErrors();

    const int32_t n_prompt = static_cast<int32_t>(params_.prompt.size());
    if (n_prompt <= 0) throw std::runtime_error("the prompt has no tokens");
    if (static_cast<uint32_t>(n_prompt) >= params_.n_ctx) {
        throw std::runtime_error("the prompt has " + std::to_string(n_prompt) +
                                 " tokens, which does not fit the context size of " + std::to_string(params_.n_ctx) +
                                 " tokens (loadModel's contextSize)");
    }

    // A context of these sizes from the model's idle one, or a new one. It goes back to the
    // model only when the generation ends without an error (see ContextLease).
    ContextLease ctx(*model_, params_.n_ctx, params_.n_batch);
    if (!ctx.get()) {
        llama_context_params cp = llama_context_default_params();
        cp.n_ctx = params_.n_ctx;
        cp.n_batch = params_.n_batch;
        cp.n_ubatch = params_.n_batch;
        cp.n_seq_max = 1;
        cp.n_threads = params_.n_threads;
        cp.n_threads_batch = params_.n_threads;
        cp.no_perf = true;
        ctx.reset(llama_init_from_model(model, cp));
        if (!ctx.get()) {
            throw std::runtime_error("could not create a context of " + std::to_string(params_.n_ctx) +
                                     " tokens: " + LlamaLog::threadErrors());
        }
    }
    llama_set_n_threads(ctx.get(), params_.n_threads, params_.n_threads);
    llama_set_abort_callback(
        ctx.get(), [](void * data) { return static_cast<GenerationControl *>(data)->abort.load(); },
        control_.get());

    // The sampler chain (SamplerChain.h); it owns every sampler in it.
    SamplerPtr chain = SamplerChain::build(params_, llama_vocab_n_tokens(vocab), params_.prompt);

    tokens_.reserve(static_cast<size_t>(params_.max_tokens));

    // Prompt processing, in batches.
    const auto t_prompt = Clock::now();
    for (int32_t i = 0; i < n_prompt; i += static_cast<int32_t>(params_.n_batch)) {
        const int32_t n = std::min<int32_t>(static_cast<int32_t>(params_.n_batch), n_prompt - i);
        const int32_t rc = llama_decode(ctx.get(), llama_batch_get_one(params_.prompt.data() + i, n));
        if (rc == 2 || control_->abort.load()) {
            stop_reason_ = "abort";
            prompt_ms_ = msSince(t_prompt);
            ctx.giveBack();
            return;
        }
        if (rc != 0) {
            throw std::runtime_error("llama_decode failed on the prompt (code " + std::to_string(rc) +
                                     "): " + LlamaLog::threadErrors());
        }
    }
    prompt_ms_ = msSince(t_prompt);

    // The token loop.
    const auto t_decode = Clock::now();
    int32_t n_past = n_prompt;
    char piece[256];
    stop_reason_ = "maxTokens";
    while (static_cast<int32_t>(tokens_.size()) < params_.max_tokens) {
        if (control_->abort.load()) {
            stop_reason_ = "abort";
            break;
        }
        llama_token tok = llama_sampler_sample(chain.get(), ctx.get(), -1);
        if (llama_vocab_is_eog(vocab, tok)) {
            stop_reason_ = "eos";
            break;
        }
        tokens_.push_back(tok);
        int32_t len = llama_token_to_piece(vocab, tok, piece, sizeof piece, 0, false);
        if (len < 0) {
            std::string big(static_cast<size_t>(-len), '\0');
            len = llama_token_to_piece(vocab, tok, big.data(), -len, 0, false);
            pending_bytes_.append(big.data(), static_cast<size_t>(std::max(len, 0)));
        } else {
            pending_bytes_.append(piece, static_cast<size_t>(len));
        }
        const size_t complete = completeUtf8Prefix(pending_bytes_);
        const size_t before = text_.size();
        text_.append(pending_bytes_, 0, complete);
        pending_bytes_.erase(0, complete);

        bool stopped = false;
        for (const auto & s : params_.stop) {
            if (s.empty()) continue;
            const size_t from = before >= s.size() ? before - s.size() + 1 : 0;
            const size_t at = text_.find(s, from);
            if (at != std::string::npos) {
                text_.resize(at);
                stopped = true;
            }
        }
        if (stopped) {
            stop_reason_ = "stop";
            pending_bytes_.clear();
            break;
        }
        emitText(false);
        if (static_cast<int32_t>(tokens_.size()) >= params_.max_tokens) break;
        if (static_cast<uint32_t>(n_past) + 1 > params_.n_ctx - 1) {
            stop_reason_ = "contextFull";
            break;
        }
        const int32_t rc = llama_decode(ctx.get(), llama_batch_get_one(&tok, 1));
        if (rc == 2 || control_->abort.load()) {
            stop_reason_ = "abort";
            break;
        }
        if (rc != 0) {
            throw std::runtime_error("llama_decode failed at token " + std::to_string(tokens_.size()) + " (code " +
                                     std::to_string(rc) + "): " + LlamaLog::threadErrors());
        }
        n_past++;
    }
    decode_ms_ = msSince(t_decode);
    ctx.giveBack();
    text_ += pending_bytes_;  // a cut-off character at the very end is passed on as it is
    pending_bytes_.clear();
    emitText(true);
}

void GenerateWorker::OnOK() {
    releaseStream();
    Napi::Env env = Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("text", Napi::String::New(env, text_));
    Napi::Int32Array toks = Napi::Int32Array::New(env, tokens_.size());
    std::copy(tokens_.begin(), tokens_.end(), toks.Data());
    out.Set("tokens", toks);
    out.Set("stopReason", Napi::String::New(env, stop_reason_));
    out.Set("promptTokens", Napi::Number::New(env, static_cast<double>(params_.prompt.size())));
    out.Set("promptMs", Napi::Number::New(env, prompt_ms_));
    out.Set("decodeMs", Napi::Number::New(env, decode_ms_));
    deferred_.Resolve(out);
}

void GenerateWorker::OnError(const Napi::Error & error) {
    releaseStream();
    deferred_.Reject(error.Value());
}

}  // namespace persona
