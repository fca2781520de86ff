// The per-model batch engine: one llama.cpp context holding up to `parallel` sequences, each
// in its own KV stream (kv_unified = false: a token attends over its own sequence's cells
// only), and one loop that advances all of them together (continuous batching, as llama.cpp's
// server does with its slots).
//
// Each step packs the next token of every generating sequence, then chunks of the prompts
// still being read, into ONE llama_batch of at most n_batch tokens (ordered by sequence id),
// calls llama_decode once, and samples every sequence whose last token was in the batch from
// its own logits row with its own sampler chain. Requests wait in a queue until a sequence
// slot is free; a finished, aborted or failed sequence leaves between steps and its KV cells
// are freed (llama_memory_seq_rm), so the slot takes the next request. llama.cpp decodes one
// run of consecutive sequence ids in one pass over the weights, so the engine keeps the
// running sequences in the lowest slots: when one leaves a gap below others, the highest one
// moves down (its stream is copied, llama_memory_seq_cp); where the free slot kept cells, the
// two streams are swapped through one spare stream, so the kept cells move up instead of going.
//
// Shared prompts: a finished sequence's slot keeps its cells until the slot is taken. A request
// whose prompt starts with tokens a slot holds (a running sequence, or a free slot's kept
// cells) takes that free slot and keeps the shared prefix, or copies the running sequence's
// stream and trims it to the prefix, instead of decoding the prefix again (llama.cpp's server
// keeps its slots' prompt caches the same way); its last prompt token is always decoded, so it
// gets its own logits row. Requests with the same prompt that arrive together wait one step
// for the first of them to read it (when that saves 8 tokens or more). Other requests take the
// lowest free slot that keeps nothing, else the free slot whose kept cells are the oldest.
//
// Exactness: flash attention is off unless asked for (EngineSettings::flash_attention): with
// it, llama.cpp's CPU kernels take different paths for one query and for a tile of them, so a
// token's logits could depend on what else was in its batch. Without it every operation
// computes each sequence's values the same way whatever shares the step, and greedy outputs
// equal one-at-a-time decoding.
//
// Memory: the context has contextSize * (parallel + 1) KV cells (contextSize per sequence
// stream, plus the spare stream where parallel >= 2 and prompts are shared) and room for one logits row per sequence (n_outputs_max = parallel), created on first use
// and kept until dispose.
//
// Failures stay per request: if llama_decode fails for a batch, the batch's cells are removed
// and it is retried in halves (by sequence); a sequence that still fails alone is rejected with
// llama.cpp's message and the others go on. Disposing the model aborts the running decode
// (abort callback) and rejects every queued and running request.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "Handles.h"
#include "Sequence.h"

namespace persona {

// Most sequences one llama.cpp context holds (llama.cpp's LLAMA_MAX_SEQ, which llama.h does not
// export): loadModel's largest `parallel`, and the engine's spare stream needs one below it.
constexpr uint32_t kMaxSequences = 256;

// Most tokens llama.cpp computes in one pass over the weights (n_ubatch, its own default): a
// larger batch is split into passes of this size, so its compute buffers stay the same size.
constexpr uint32_t kMaxPassTokens = 512;

struct EngineSettings {
    uint32_t n_ctx_seq = 2048;  // KV cells one sequence may use (loadModel's contextSize)
    uint32_t n_batch = 512;     // tokens per llama_decode (at most n_ctx_seq * n_parallel)
    int32_t n_threads = 4;
    uint32_t n_parallel = 4;    // sequence slots (n_seq_max)
    bool share_prompts = true;  // copy shared prompt prefixes' KV cells instead of decoding them
    bool flash_attention = false;  // faster on some machines, but batch composition may then change rounding
};

struct EngineStats {
    uint32_t parallel = 0;
    uint32_t context_cells = 0;        // KV cells of the context (0 before the first generation)
    uint32_t active = 0;               // sequences holding a slot
    uint32_t waiting = 0;              // requests queued for a slot
    uint64_t steps = 0;                // successful llama_decode calls
    uint64_t tokens_decoded = 0;       // tokens through llama_decode (prompt and generated)
    uint64_t prompt_tokens_decoded = 0;
    uint64_t prompt_tokens_reused = 0;  // prompt tokens copied from another sequence's cells
    uint64_t max_batch_sequences = 0;  // most sequences in one llama_decode
    uint64_t sequence_moves = 0;       // running sequences moved to a lower slot (compact())
    uint64_t graphs_reused = 0;        // steps whose compute graph llama.cpp reused from the step before
};

class BatchEngine {
  public:
    BatchEngine(llama_model * model, EngineSettings settings);
    ~BatchEngine();
    BatchEngine(const BatchEngine &) = delete;
    BatchEngine & operator=(const BatchEngine &) = delete;

    const EngineSettings & settings() const { return settings_; }

    // Queues a request (any thread). Returns true when no loop is running: the caller must then
    // start one (a thread that calls run()).
    bool submit(std::shared_ptr<Sequence> seq);
    // Holds admission (any thread): requests submitted until the matching release() wait
    // unadmitted, so that requests submitted together (one generateMany call) are admitted in the
    // same step and read their prompts together, instead of the loop starting on the first of them
    // while the others are still being submitted. Holds nest.
    void hold();
    // Joins the open hold, if any (any thread): returns true, and the caller must release() too,
    // when a hold is open. A request whose bias scores are computed first (ScoresWorker) keeps
    // the hold of the call that submitted it open until it is submitted itself.
    bool joinHold();
    // Ends a hold. Returns true when the caller must start a loop (requests wait and none runs).
    bool release();
    // Stops the engine for good (any thread): the running decode aborts, every request is
    // rejected with "the model was disposed while this generation was running".
    void shutdown();
    // The loop (a compute thread): steps until no request is running or waiting.
    void run();
    EngineStats stats() const;

  private:
    struct Admission {  // a request given a slot, and where its prompt's first `reused` cells come from
        std::shared_ptr<Sequence> seq;
        int32_t slot;
        int32_t source;  // a slot (maybe `slot` itself), or -1
        size_t reused;
    };
    struct Part {  // the not yet decoded tail (or the next chunk of it) of one sequence
        std::shared_ptr<Sequence> seq;
        int32_t n;
    };

    bool claimLoop();
    void loop();
    void abandon(const std::string & message);
    bool createContext();
    bool admit();
    int32_t chooseSlot(int32_t source, size_t reused) const;
    void startSequence(const Admission & a);
    size_t sharedCells(const Sequence & seq, int32_t & source) const;
    bool waitsForPrefix(const Sequence & seq, size_t reusable) const;
    void dropAborted();
    void compact();
    void moveSequence(int32_t from, int32_t to);
    void swapStreams(int32_t a, int32_t b);
    std::vector<Part> planStep() const;
    void decodeParts(const std::vector<Part> & parts, size_t begin, size_t end);
    bool fillBatch(const std::vector<Part> & parts, size_t begin, size_t end, std::vector<int32_t> & rows);
    void afterDecode(const std::vector<Part> & parts, size_t begin, size_t end, const std::vector<int32_t> & rows);
    void rollback(const std::vector<Part> & parts, size_t begin, size_t end);
    void release(int32_t slot);
    void retire(int32_t slot);
    std::shared_ptr<Sequence> vacate(int32_t slot);
    void failAll(const std::string & message);
    void failWaiting(const std::string & message);

    llama_model * model_;
    const EngineSettings settings_;
    ContextPtr ctx_;              // loop thread only
    llama_batch batch_;           // loop thread only
    bool can_copy_ = true;        // not for recurrent/hybrid models (no partial copies of their state)
    bool share_prefixes_ = true;  // settings' share_prompts, and only where cells can be copied
    int32_t spare_ = -1;          // a KV stream of no slot, through which compact() swaps two streams (-1: none)

    mutable std::mutex mutex_;
    std::deque<std::shared_ptr<Sequence>> waiting_;
    std::vector<std::shared_ptr<Sequence>> slots_;  // index = KV sequence id; written by the loop under mutex_
    std::vector<std::vector<llama_token>> retained_;  // per free slot: the tokens whose cells it kept (loop thread)
    std::vector<uint64_t> admitted_at_;             // admission order of each slot (prompt chunks go FIFO)
    std::vector<uint64_t> retired_at_;              // when each slot's kept cells were kept (the oldest go first)
    uint64_t retirements_ = 0;
    uint64_t admissions_ = 0;
    bool looping_ = false;
    uint32_t holds_ = 0;  // open hold() calls (under mutex_)
    std::atomic<bool> stopping_{false};

    std::atomic<uint64_t> steps_{0};
    std::atomic<uint64_t> tokens_decoded_{0};
    std::atomic<uint64_t> prompt_decoded_{0};
    std::atomic<uint64_t> prompt_reused_{0};
    std::atomic<uint64_t> max_batch_seqs_{0};
    std::atomic<uint64_t> moves_{0};
    std::atomic<uint64_t> graphs_reused_{0};
    std::atomic<uint32_t> context_cells_{0};
};

}  // namespace persona
