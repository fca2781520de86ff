// BatchEngine: one context, many sequences, one loop (see the header for the design).
#include "BatchEngine.h"

#include <algorithm>
#include <stdexcept>

#include "LlamaLog.h"

namespace persona {
namespace {

const char * const kDisposed = "the model was disposed while this generation was running";
// Fewer shared prompt tokens than this are decoded again rather than copied from another
// stream or waited for, and do not keep another request's kept cells from being taken.
constexpr size_t kWorthCopying = 8;

size_t commonPrefix(const std::vector<llama_token> & a, const std::vector<llama_token> & b, size_t limit) {
    const size_t n = std::min({a.size(), b.size(), limit});
    size_t i = 0;
    while (i < n && a[i] == b[i]) i++;
    return i;
}

}  // namespace

BatchEngine::BatchEngine(llama_model * model, EngineSettings settings)
    : model_(model),
      settings_(settings),
      batch_(llama_batch_init(static_cast<int32_t>(settings.n_batch), 0, 1)),
      slots_(settings.n_parallel),
      retained_(settings.n_parallel),
      admitted_at_(settings.n_parallel, 0),
      retired_at_(settings.n_parallel, 0) {
    can_copy_ = !llama_model_is_recurrent(model) && !llama_model_is_hybrid(model);
    share_prefixes_ = settings.share_prompts && can_copy_;
    // One stream more than slots where compact() may move sequences over kept cells.
    if (share_prefixes_ && settings.n_parallel >= 2 && settings.n_parallel < kMaxSequences) {
        spare_ = static_cast<int32_t>(settings.n_parallel);
    }
}

BatchEngine::~BatchEngine() {
    ctx_.reset();  // before the model (the owner frees the model after the engine)
    llama_batch_free(batch_);
}

bool BatchEngine::submit(std::shared_ptr<Sequence> seq) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_.load()) {
        seq->fail(kDisposed);
        return false;
    }
    waiting_.push_back(std::move(seq));
    return claimLoop();
}

// Under mutex_: true (and a loop is then counted as running) when requests may be admitted and
// no loop runs, so the caller must start one.
bool BatchEngine::claimLoop() {
    if (looping_ || holds_ > 0 || waiting_.empty()) return false;
    looping_ = true;
    return true;
}

void BatchEngine::hold() {
    std::lock_guard<std::mutex> lock(mutex_);
    holds_++;
}

bool BatchEngine::joinHold() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (holds_ == 0) return false;
    holds_++;
    return true;
}

bool BatchEngine::release() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (holds_ > 0) holds_--;
    return claimLoop();
}

void BatchEngine::shutdown() { stopping_.store(true); }

EngineStats BatchEngine::stats() const {
    EngineStats s;
    s.parallel = settings_.n_parallel;
    s.context_cells = context_cells_.load();
    s.steps = steps_.load();
    s.tokens_decoded = tokens_decoded_.load();
    s.prompt_tokens_decoded = prompt_decoded_.load();
    s.prompt_tokens_reused = prompt_reused_.load();
    s.max_batch_sequences = max_batch_seqs_.load();
    s.sequence_moves = moves_.load();
    s.graphs_reused = graphs_reused_.load();
    std::lock_guard<std::mutex> lock(mutex_);
    s.waiting = static_cast<uint32_t>(waiting_.size());
    for (const auto & slot : slots_) s.active += slot ? 1 : 0;
    return s;
}

bool BatchEngine::createContext() {
    llama_context_params cp = llama_context_default_params();
    const uint32_t streams = settings_.n_parallel + (spare_ >= 0 ? 1 : 0);
    cp.n_ctx = settings_.n_ctx_seq * streams;
    cp.n_batch = settings_.n_batch;
    cp.n_ubatch = std::min(settings_.n_batch, kMaxPassTokens);
    cp.n_seq_max = streams;
    cp.n_outputs_max = streams;  // one logits row per sequence and step (llama.cpp reserves one per stream)
    cp.kv_unified = false;  // one KV stream per sequence (see the header)
    cp.flash_attn_type = settings_.flash_attention ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cp.n_threads = settings_.n_threads;
    cp.n_threads_batch = settings_.n_threads;
    cp.no_perf = true;
    cp.abort_callback = [](void * data) { return static_cast<BatchEngine *>(data)->stopping_.load(); };
    cp.abort_callback_data = this;
    LlamaLog::clearThreadErrors();
    ctx_.reset(llama_init_from_model(model_, cp));
    if (!ctx_) return false;
    context_cells_.store(llama_n_ctx(ctx_.get()));
    return true;
}

void BatchEngine::run() {
    try {
        loop();
    } catch (const std::exception & e) {
        abandon(std::string("the batch engine failed: ") + e.what());
    } catch (...) {
        abandon("the batch engine failed with an unknown native error");
    }
}

// After an unexpected exception: every request ends with `message`, and the next request
// starts a new loop.
void BatchEngine::abandon(const std::string & message) {
    failAll(message);
    std::deque<std::shared_ptr<Sequence>> doomed;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        doomed.swap(waiting_);
        looping_ = false;
    }
    for (auto & s : doomed) s->fail(message);
}

void BatchEngine::loop() {
    for (;;) {
        if (stopping_.load()) {
            failAll(kDisposed);
            ctx_.reset();
            std::lock_guard<std::mutex> lock(mutex_);
            for (auto & s : waiting_) s->fail(kDisposed);
            waiting_.clear();
            looping_ = false;
            return;
        }
        if (!ctx_ && !createContext()) {
            failWaiting("could not create a context of " + std::to_string(settings_.n_ctx_seq) + " x " +
                        std::to_string(settings_.n_parallel) + " tokens (loadModel's contextSize x parallel): " +
                        LlamaLog::threadErrors());
        }
        if (!admit()) return;
        dropAborted();
        compact();
        const std::vector<Part> parts = planStep();
        if (!parts.empty()) decodeParts(parts, 0, parts.size());
    }
}

// Gives free slots to waiting requests; false (and the loop ends) when nothing is left to do.
bool BatchEngine::admit() {
    std::vector<Admission> admitted;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const bool any_active = std::any_of(slots_.begin(), slots_.end(), [](const auto & s) { return s != nullptr; });
        // While held, waiting requests stay where they are; release() starts a loop for them.
        if ((waiting_.empty() || holds_ > 0) && !any_active) {
            looping_ = false;
            return false;
        }
        if (!ctx_) return true;  // its requests were failed above; the next round ends the loop
        for (auto it = waiting_.begin(); holds_ == 0 && it != waiting_.end();) {
            if (std::find(slots_.begin(), slots_.end(), nullptr) == slots_.end()) break;
            Admission a{*it, -1, -1, 0};
            a.reused = sharedCells(**it, a.source);
            if (!(*it)->aborted() && waitsForPrefix(**it, a.reused)) {
                ++it;  // its prefix is being decoded by another sequence: copy it next step
                continue;
            }
            a.slot = chooseSlot(a.source, a.reused);
            if (a.slot != a.source && a.reused < kWorthCopying) {
                a.source = -1;  // a stream copy for a few tokens: decode them
                a.reused = 0;
            }
            slots_[static_cast<size_t>(a.slot)] = *it;
            admitted_at_[static_cast<size_t>(a.slot)] = ++admissions_;
            admitted.push_back(a);
            it = waiting_.erase(it);
        }
    }
    for (const auto & a : admitted) startSequence(a);
    return true;
}

// A free slot for a request whose best prefix source is `source` (`reused` tokens): that slot
// itself when it is a free slot that kept a finished sequence's cells and the prefix is worth
// keeping; else the lowest free slot that keeps nothing; else the free slot whose kept cells are
// the oldest (as llama.cpp's server, which takes its least recently used slot).
int32_t BatchEngine::chooseSlot(int32_t source, size_t reused) const {
    if (source >= 0 && !slots_[static_cast<size_t>(source)] && reused >= kWorthCopying) return source;
    int32_t oldest = -1;
    for (size_t i = 0; i < slots_.size(); i++) {
        if (slots_[i]) continue;
        if (retained_[i].empty()) return static_cast<int32_t>(i);
        if (oldest < 0 || retired_at_[i] < retired_at_[static_cast<size_t>(oldest)]) oldest = static_cast<int32_t>(i);
    }
    return oldest;
}

// The number of this request's prompt tokens whose cells a slot holds: a running sequence, or
// a free slot that kept the cells of the sequence that finished in it (never the last prompt
// token: that one is decoded for the request's own logits row). `source` = that slot.
size_t BatchEngine::sharedCells(const Sequence & seq, int32_t & source) const {
    size_t best = 0;
    if (!share_prefixes_) return 0;
    const size_t limit = seq.prompt().size() - 1;
    for (size_t i = 0; i < slots_.size(); i++) {
        const auto & other = slots_[i];
        size_t n = 0;
        if (other && other->seqId() >= 0) n = commonPrefix(seq.prompt(), other->history(), std::min(other->cached(), limit));
        else if (!other) n = commonPrefix(seq.prompt(), retained_[i], limit);
        if (n > best) {
            best = n;
            source = static_cast<int32_t>(i);
        }
    }
    return best;
}

// Whether a sequence still reading its prompt will soon hold more of this request's prefix
// than can be copied now, by kWorthCopying tokens or more (requests with the same prompt then
// wait one step, not decode it twice; a few tokens are not worth a step's wait).
bool BatchEngine::waitsForPrefix(const Sequence & seq, size_t reusable) const {
    if (!share_prefixes_) return false;
    for (const auto & other : slots_) {
        if (!other || !other->prefilling()) continue;
        if (commonPrefix(seq.prompt(), other->prompt(), seq.prompt().size() - 1) >= reusable + kWorthCopying) return true;
    }
    return false;
}

void BatchEngine::startSequence(const Admission & a) {
    llama_memory_t mem = llama_get_memory(ctx_.get());
    const auto slot = a.slot;
    try {
        if (a.source != slot) {
            llama_memory_seq_rm(mem, slot, -1, -1);  // what the slot kept is not wanted
            // Another stream: llama.cpp copies streams whole (at the next decode, before its
            // compute); the copy is then trimmed to the shared prefix.
            if (a.reused > 0) llama_memory_seq_cp(mem, a.source, slot, -1, -1);
        }
        llama_memory_seq_rm(mem, slot, static_cast<llama_pos>(a.reused), -1);
        retained_[static_cast<size_t>(slot)].clear();
        a.seq->start(llama_model_get_vocab(model_), slot, a.reused);
    } catch (const std::exception & e) {
        release(slot);
        a.seq->fail(e.what());
        return;
    }
    prompt_reused_ += a.reused;
}

// Keeps the running sequences in the lowest slots (one run of consecutive sequence ids is one
// pass over the weights): the highest one moves into the lowest free slot while one is below it.
void BatchEngine::compact() {
    if (!can_copy_) return;
    for (;;) {
        const auto free_slot = std::find(slots_.begin(), slots_.end(), nullptr);
        auto last = std::find_if(slots_.rbegin(), slots_.rend(), [](const auto & s) { return s != nullptr; });
        if (free_slot == slots_.end() || last == slots_.rend()) return;
        const auto from = static_cast<int32_t>(slots_.rend() - last - 1);
        const auto to = static_cast<int32_t>(free_slot - slots_.begin());
        if (to > from) return;
        moveSequence(from, to);
    }
}

void BatchEngine::moveSequence(int32_t from, int32_t to) {
    llama_memory_t mem = llama_get_memory(ctx_.get());
    if (spare_ >= 0 && !retained_[static_cast<size_t>(to)].empty()) {
        swapStreams(from, to);  // the free slot's kept cells go up to `from`, not away
    } else {
        llama_memory_seq_rm(mem, to, -1, -1);
        retained_[static_cast<size_t>(to)].clear();
        llama_memory_seq_cp(mem, from, to, -1, -1);  // done at the next llama_decode, before its compute
        llama_memory_seq_rm(mem, from, -1, -1);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    slots_[static_cast<size_t>(to)].swap(slots_[static_cast<size_t>(from)]);
    std::swap(admitted_at_[static_cast<size_t>(to)], admitted_at_[static_cast<size_t>(from)]);
    slots_[static_cast<size_t>(to)]->moveTo(to);
    moves_++;
}

// Swaps the KV streams of slots a and b (and what they kept) through the spare stream.
// llama.cpp queues stream copies and runs them in order at the next llama_decode; the cells'
// bookkeeping moves at once.
void BatchEngine::swapStreams(int32_t a, int32_t b) {
    llama_memory_t mem = llama_get_memory(ctx_.get());
    llama_memory_seq_rm(mem, spare_, -1, -1);
    llama_memory_seq_cp(mem, b, spare_, -1, -1);
    llama_memory_seq_rm(mem, b, -1, -1);
    llama_memory_seq_cp(mem, a, b, -1, -1);
    llama_memory_seq_rm(mem, a, -1, -1);
    llama_memory_seq_cp(mem, spare_, a, -1, -1);
    llama_memory_seq_rm(mem, spare_, -1, -1);
    retained_[static_cast<size_t>(a)].swap(retained_[static_cast<size_t>(b)]);
    std::swap(retired_at_[static_cast<size_t>(a)], retired_at_[static_cast<size_t>(b)]);
}

void BatchEngine::dropAborted() {
    for (size_t slot = 0; slot < slots_.size(); slot++) {
        const std::shared_ptr<Sequence> seq = slots_[slot];
        if (seq && seq->aborted()) {
            release(static_cast<int32_t>(slot));
            seq->finish("abort");
        }
    }
}

// The step's batch: every generating sequence's next token, then prompt chunks (oldest first)
// while there is room.
std::vector<BatchEngine::Part> BatchEngine::planStep() const {
    std::vector<Part> parts;
    int32_t room = static_cast<int32_t>(settings_.n_batch);
    std::vector<size_t> reading;
    for (size_t slot = 0; slot < slots_.size(); slot++) {
        const auto & seq = slots_[slot];
        if (!seq || seq->pending() == 0) continue;
        if (seq->prefilling()) {
            reading.push_back(slot);
        } else {
            parts.push_back({seq, 1});
            room--;
        }
    }
    std::sort(reading.begin(), reading.end(), [this](size_t a, size_t b) { return admitted_at_[a] < admitted_at_[b]; });
    for (size_t slot : reading) {
        if (room <= 0) break;
        const int32_t n = std::min<int32_t>(room, static_cast<int32_t>(slots_[slot]->pending()));
        parts.push_back({slots_[slot], n});
        room -= n;
    }
    // In sequence id order: llama.cpp splits a batch of separate KV streams into passes of
    // consecutive sequence ids, taken in batch order.
    std::sort(parts.begin(), parts.end(), [](const Part & a, const Part & b) { return a.seq->seqId() < b.seq->seqId(); });
    return parts;
}

// Puts parts [begin, end) into the batch; rows[i] = the batch index of part i's logits row, or -1.
bool BatchEngine::fillBatch(const std::vector<Part> & parts, size_t begin, size_t end, std::vector<int32_t> & rows) {
    batch_.n_tokens = 0;
    for (size_t i = begin; i < end; i++) {
        rows[i] = -1;
        if (parts[i].seq->done()) continue;  // failed while an earlier half was retried
        const Sequence & seq = *parts[i].seq;
        const size_t first = seq.cached();
        const auto & history = seq.history();
        for (int32_t j = 0; j < parts[i].n; j++) {
            const int32_t k = batch_.n_tokens++;
            const size_t at = first + static_cast<size_t>(j);
            batch_.token[k] = history[at];
            batch_.pos[k] = static_cast<llama_pos>(at);
            batch_.n_seq_id[k] = 1;
            batch_.seq_id[k][0] = seq.seqId();
            batch_.logits[k] = at + 1 == history.size();
            if (batch_.logits[k]) rows[i] = k;
        }
    }
    return batch_.n_tokens > 0;
}

void BatchEngine::decodeParts(const std::vector<Part> & parts, size_t begin, size_t end) {
    std::vector<int32_t> rows(parts.size(), -1);
    if (!fillBatch(parts, begin, end, rows)) return;
    LlamaLog::clearThreadErrors();
    const int32_t rc = llama_decode(ctx_.get(), batch_);
    if (rc == 0) {
        afterDecode(parts, begin, end, rows);
        return;
    }
    if (rc == 2 || stopping_.load()) {
        rollback(parts, begin, end);
        return;  // the loop fails everything on its next round
    }
    const std::string why = "llama_decode failed (code " + std::to_string(rc) + "): " + LlamaLog::threadErrors();
    rollback(parts, begin, end);
    if (end - begin > 1) {
        // Retry in halves: a smaller batch may fit; a sequence that fails alone fails alone.
        const size_t mid = begin + (end - begin) / 2;
        decodeParts(parts, begin, mid);
        decodeParts(parts, mid, end);
        return;
    }
    const auto & seq = parts[begin].seq;
    release(seq->seqId());
    seq->fail(why);
}

void BatchEngine::afterDecode(const std::vector<Part> & parts, size_t begin, size_t end,
                              const std::vector<int32_t> & rows) {
    steps_++;
    graphs_reused_.store(static_cast<uint64_t>(llama_perf_context(ctx_.get()).n_reused));
    tokens_decoded_ += static_cast<uint64_t>(batch_.n_tokens);
    const uint64_t n_seqs = end - begin;
    if (n_seqs > max_batch_seqs_.load()) max_batch_seqs_.store(n_seqs);
    for (size_t i = begin; i < end; i++) {
        const auto & seq = parts[i].seq;
        if (seq->done()) continue;
        if (seq->prefilling()) {
            prompt_decoded_ += static_cast<uint64_t>(
                std::min<size_t>(static_cast<size_t>(parts[i].n), seq->prompt().size() - seq->cached()));
        }
        seq->decoded(static_cast<size_t>(parts[i].n));
        if (rows[i] < 0) continue;
        // A sequence that ends leaves its slot before its result is sent, so that a caller who
        // sees the result sees the slot free.
        try {
            const char * reason = seq->sample(ctx_.get(), rows[i], settings_.n_ctx_seq);
            if (reason == nullptr) continue;
            retire(seq->seqId());
            seq->finish(reason);
        } catch (const std::exception & e) {
            release(seq->seqId());
            seq->fail(e.what());
        }
    }
}

// Removes what a failed or aborted llama_decode may have left in the cells of these sequences.
void BatchEngine::rollback(const std::vector<Part> & parts, size_t begin, size_t end) {
    llama_memory_t mem = llama_get_memory(ctx_.get());
    for (size_t i = begin; i < end; i++) {
        const auto & seq = parts[i].seq;
        if (seq->done()) continue;
        if (!llama_memory_seq_rm(mem, seq->seqId(), static_cast<llama_pos>(seq->cached()), -1)) {
            // A partial removal is not possible (recurrent state): the sequence cannot go on.
            release(seq->seqId());
            seq->fail("llama_decode failed and the sequence's state could not be rolled back");
        }
    }
}

void BatchEngine::release(int32_t slot) {
    if (slot < 0 || static_cast<size_t>(slot) >= slots_.size()) return;
    if (ctx_) llama_memory_seq_rm(llama_get_memory(ctx_.get()), slot, -1, -1);
    retained_[static_cast<size_t>(slot)].clear();
    vacate(slot);
}

// Frees the slot of a sequence that finished, keeping its cells (its decoded tokens) for a
// later request that starts with the same tokens, until the slot is taken.
void BatchEngine::retire(int32_t slot) {
    if (slot < 0 || static_cast<size_t>(slot) >= slots_.size()) return;
    const std::shared_ptr<Sequence> gone = vacate(slot);
    if (!share_prefixes_ || !gone) {
        if (ctx_) llama_memory_seq_rm(llama_get_memory(ctx_.get()), slot, -1, -1);
        return;
    }
    const auto & h = gone->history();
    retained_[static_cast<size_t>(slot)].assign(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(gone->cached()));
    retired_at_[static_cast<size_t>(slot)] = ++retirements_;
}

// Empties the slot (under the lock that stats() reads it with); returns who was in it.
std::shared_ptr<Sequence> BatchEngine::vacate(int32_t slot) {
    std::shared_ptr<Sequence> gone;
    std::lock_guard<std::mutex> lock(mutex_);
    gone.swap(slots_[static_cast<size_t>(slot)]);
    return gone;
}

void BatchEngine::failAll(const std::string & message) {
    for (size_t slot = 0; slot < slots_.size(); slot++) {
        const std::shared_ptr<Sequence> seq = slots_[slot];
        if (!seq) continue;
        release(static_cast<int32_t>(slot));
        seq->fail(message);
    }
}

void BatchEngine::failWaiting(const std::string & message) {
    std::deque<std::shared_ptr<Sequence>> doomed;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        doomed.swap(waiting_);
    }
    for (auto & s : doomed) s->fail(message);
}

}  // namespace persona
