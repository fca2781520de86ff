// Sequence: one generation's state inside the batch engine (see the header).
#include "Sequence.h"

#include <algorithm>
#include <stdexcept>

namespace persona {
namespace {

double msBetween(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

Sequence::Sequence(SequenceParams params, std::shared_ptr<GenerationChannel> channel)
    : params_(std::move(params)), channel_(std::move(channel)), stops_(params_.stop), history_(params_.prompt) {
    out_.prompt_tokens = params_.prompt.size();
}

void Sequence::start(const llama_vocab * vocab, int32_t seq_id, size_t reused) {
    t_start_ = Clock::now();
    seq_id_ = seq_id;
    cached_ = reused;
    out_.prompt_tokens_reused = reused;
    detok_ = std::make_unique<Utf8Detokenizer>(vocab);
    n_vocab_ = llama_vocab_n_tokens(vocab);
    chain_ = SamplerChain::build(params_, n_vocab_, params_.prompt);
    shortcut_ = SamplerChain::shortcut(params_);
    if (shortcut_ == SamplerShortcut::Guarded) {
        guard_ = std::make_unique<CandidateGuard>(params_.bias.guard_top_k, params_.bias.guard_min_p);
    }
    out_.tokens.reserve(static_cast<size_t>(params_.max_tokens));
}

void Sequence::decoded(size_t n) { cached_ = std::min(history_.size(), cached_ + n); }

const char * Sequence::sample(llama_context * ctx, int32_t row, uint32_t n_ctx_seq) {
    if (!sampled_) {
        sampled_ = true;
        t_first_ = Clock::now();
        out_.prompt_ms = msBetween(t_start_, t_first_);
    }
    const llama_token tok = pick(ctx, row);
    if (llama_vocab_is_eog(llama_model_get_vocab(llama_get_model(ctx)), tok)) return "eos";
    out_.tokens.push_back(tok);
    const size_t before = out_.text.size();
    out_.text += detok_->push(tok);
    if (stops_.cut(out_.text, before)) {
        detok_->clear();
        return "stop";
    }
    emitText(false);
    if (static_cast<int32_t>(out_.tokens.size()) >= params_.max_tokens) return "maxTokens";
    history_.push_back(tok);
    // The new token would take the last cell this sequence may use.
    if (history_.size() > static_cast<size_t>(n_ctx_seq) - 1) return "contextFull";
    return nullptr;
}

// The chain's pick from logits row `row`, as llama_sampler_sample makes it (apply, then accept
// the token), through the shortcut where there is one (SamplerChain.h).
llama_token Sequence::pick(llama_context * ctx, int32_t row) {
    if (shortcut_ == SamplerShortcut::Chain) return llama_sampler_sample(chain_.get(), ctx, row);
    const float * logits = llama_get_logits_ith(ctx, row);
    if (logits == nullptr) throw std::runtime_error("no logits for this sequence's row");
    llama_token tok = 0;
    if (shortcut_ == SamplerShortcut::Greedy) {
        // Without personalization params_.bias has beta 0: plain greedy. Its dots were filled in by build().
        tok = biasedArgmax(params_.bias, logits, n_vocab_);
    } else {
        if (!guard_->select(logits, static_cast<size_t>(n_vocab_), candidates_)) {
            return llama_sampler_sample(chain_.get(), ctx, row);  // nothing passes: the chain sees every candidate
        }
        llama_token_data_array cur_p = {candidates_.data(), candidates_.size(), -1, false};
        llama_sampler_apply(chain_.get(), &cur_p);
        if (cur_p.selected < 0 || cur_p.selected >= static_cast<int64_t>(cur_p.size)) {
            throw std::runtime_error("the sampler chain selected no token");
        }
        tok = cur_p.data[cur_p.selected].id;
    }
    llama_sampler_accept(chain_.get(), tok);
    return tok;
}

void Sequence::emitText(bool final_flush) {
    if (!channel_->streaming()) return;
    // Hold back what could still become the start of a stop string.
    const size_t hold = final_flush ? 0 : stops_.holdBack();
    const std::string & text = out_.text;
    size_t upto = text.size() > hold ? text.size() - hold : 0;
    // Never split a UTF-8 character.
    while (upto > emitted_ && upto < text.size() && (static_cast<unsigned char>(text[upto]) & 0xC0) == 0x80) upto--;
    if (upto <= emitted_) return;
    channel_->text(text.substr(emitted_, upto - emitted_));
    emitted_ = upto;
}

void Sequence::finish(const std::string & reason) {
    if (done_) return;
    done_ = true;
    const auto now = Clock::now();
    if (!sampled_) out_.prompt_ms = seq_id_ >= 0 ? msBetween(t_start_, now) : 0.0;
    else out_.decode_ms = msBetween(t_first_, now);
    out_.stop_reason = reason;
    if (detok_) out_.text += detok_->flush();  // a cut-off character at the very end is passed on as it is
    emitText(true);
    channel_->resolve(std::move(out_));
    chain_.reset();
}

void Sequence::fail(const std::string & message) {
    if (done_) return;
    done_ = true;
    channel_->reject(message);
    chain_.reset();
}

}  // namespace persona
