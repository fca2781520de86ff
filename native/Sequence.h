// One generation inside the batch engine: its request (prompt and sampling settings), its own
// sampler chain, the tokens whose KV cells it holds, its text so far (detokenized and checked
// for stop strings) and the channel its text and result go back through. The engine's loop
// thread owns it from admission on; only the abort flag is touched from other threads.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "GenerationChannel.h"
#include "Handles.h"
#include "CandidateGuard.h"
#include "SamplerChain.h"
#include "StopMatcher.h"
#include "Utf8Detokenizer.h"

namespace persona {

// What a request asks for; every value was validated on the JavaScript thread.
struct SequenceParams : SamplerChainParams {
    std::vector<llama_token> prompt;
    int32_t max_tokens = 256;
    std::vector<std::string> stop;
};

class Sequence {
  public:
    Sequence(SequenceParams params, std::shared_ptr<GenerationChannel> channel);

    // Any thread.
    void abort() { abort_.store(true); }
    bool aborted() const { return abort_.load(); }

    // Before submit(), on one thread: whether the sampler chain still needs its bias scores
    // (not in the matrix's cache), and computing them (SamplerChain::fillScores), so that the
    // engine's loop does not stop every running sequence for it.
    bool scoresPending() { return !SamplerChain::takeCachedScores(params_); }
    void prepareScores() { SamplerChain::fillScores(params_); }

    // Loop thread: the sequence takes KV sequence id `seq_id`; its first `reused` prompt tokens
    // are already in the cache (copied from another sequence). Builds the sampler chain.
    void start(const llama_vocab * vocab, int32_t seq_id, size_t reused);
    int32_t seqId() const { return seq_id_; }
    // Loop thread: the sequence's cells were copied to KV sequence id `seq_id` (BatchEngine::compact).
    void moveTo(int32_t seq_id) { seq_id_ = seq_id; }
    const std::vector<llama_token> & prompt() const { return params_.prompt; }

    // Prompt + sampled tokens; the first cached() of them are in the KV cache.
    const std::vector<llama_token> & history() const { return history_; }
    size_t cached() const { return cached_; }
    size_t pending() const { return history_.size() - cached_; }
    bool prefilling() const { return cached_ < params_.prompt.size(); }
    // `n` more tokens of history() were decoded.
    void decoded(size_t n);

    // Samples from logits row `row` of the last decode and takes the token. Returns null when
    // the sequence goes on (its new token waits to be decoded), else why it ends ('eos', 'stop',
    // 'maxTokens', 'contextFull'): the caller frees its cells, then calls finish().
    const char * sample(llama_context * ctx, int32_t row, uint32_t n_ctx_seq);

    // Ends the generation with the text so far and `reason` ('abort', ...), or with an error.
    void finish(const std::string & reason);
    void fail(const std::string & message);
    // Whether finish() or fail() was called: the sequence takes no further part in batches.
    bool done() const { return done_; }

  private:
    llama_token pick(llama_context * ctx, int32_t row);
    void emitText(bool final_flush);

    using Clock = std::chrono::steady_clock;

    SequenceParams params_;
    std::shared_ptr<GenerationChannel> channel_;
    std::atomic<bool> abort_{false};
    int32_t seq_id_ = -1;
    SamplerPtr chain_;
    SamplerShortcut shortcut_ = SamplerShortcut::Chain;
    std::unique_ptr<CandidateGuard> guard_;  // with the Guarded shortcut: the chain's guard, run on the logits row
    std::vector<llama_token_data> candidates_;  // its survivors (capacity kept from step to step)
    int32_t n_vocab_ = 0;
    std::unique_ptr<Utf8Detokenizer> detok_;
    StopMatcher stops_;
    std::vector<llama_token> history_;
    size_t cached_ = 0;
    GenerationOutcome out_;
    size_t emitted_ = 0;  // bytes of out_.text already streamed
    Clock::time_point t_start_;
    Clock::time_point t_first_;
    bool sampled_ = false;
    bool done_ = false;
};

}  // namespace persona
