#include "BiasSampler.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

namespace persona {
namespace {

// The sampler's state: the configuration never changes after construction; the scratch
// buffer is reused from step to step so that a step allocates nothing once warm.
struct BiasSamplerState {
    const BiasSamplerConfig config;
    std::vector<float> scratch;

    explicit BiasSamplerState(BiasSamplerConfig c) : config(std::move(c)) {}
};

const char * biasName(const llama_sampler * /*smpl*/) { return "persona-bias"; }

void biasApply(llama_sampler * smpl, llama_token_data_array * cur_p) {
    auto * state = static_cast<BiasSamplerState *>(smpl->ctx);
    const BiasSamplerConfig & cfg = state->config;
    const size_t n = cur_p->size;
    if (n == 0 || !cfg.dots || cfg.beta == 0.0f) {
        // beta == 0 adds nothing: leave the array exactly as it came.
        return;
    }
    const std::vector<float> & dots = *cfg.dots;
    const int64_t n_vocab = static_cast<int64_t>(dots.size());

    // The guard's threshold on the unbiased logits, in one read-only pass: the k largest
    // logits seen so far sit in a min-heap (k is small, so nearly every block of candidates
    // costs one predictable comparison; nth_element over a copy of all n logits cost ~1 ms a
    // step at n = 151,936), and the maximum for min-p.
    float threshold = -INFINITY;
    const size_t k = cfg.guard_top_k > 0 && static_cast<size_t>(cfg.guard_top_k) < n ? static_cast<size_t>(cfg.guard_top_k) : 0;
    if (k > 0 || cfg.guard_min_p > 0.0f) {
        auto & heap = state->scratch;  // capacity kept from step to step
        heap.clear();
        float max_logit = -INFINITY;
        size_t i = 0;
        for (; i < k; i++) {
            heap.push_back(cur_p->data[i].logit);
            max_logit = std::max(max_logit, cur_p->data[i].logit);
        }
        std::make_heap(heap.begin(), heap.end(), std::greater<float>());
        const auto offer = [&heap](float x) {
            if (x > heap.front()) {
                std::pop_heap(heap.begin(), heap.end(), std::greater<float>());
                heap.back() = x;
                std::push_heap(heap.begin(), heap.end(), std::greater<float>());
            }
        };
        // Blocks of 8: a tree of maxima (no long dependency chain), and the heap is only
        // consulted for a block whose maximum beats its smallest member.
        const llama_token_data * c = cur_p->data;
        for (; i + 8 <= n; i += 8) {
            const float m = std::max(std::max(std::max(c[i].logit, c[i + 1].logit), std::max(c[i + 2].logit, c[i + 3].logit)),
                                     std::max(std::max(c[i + 4].logit, c[i + 5].logit), std::max(c[i + 6].logit, c[i + 7].logit)));
            max_logit = std::max(max_logit, m);
            if (k > 0 && m > heap.front()) {
                for (size_t j = i; j < i + 8; j++) offer(c[j].logit);
            }
        }
        for (; i < n; i++) {
            max_logit = std::max(max_logit, c[i].logit);
            if (k > 0) offer(c[i].logit);
        }
        if (k > 0) threshold = heap.front();  // the k-th largest logit
        if (cfg.guard_min_p > 0.0f) {
            // p_i >= min_p * p_max  <=>  logit_i >= max_logit + log(min_p)
            threshold = std::max(threshold, max_logit + std::log(cfg.guard_min_p));
        }
    }

    // Candidates that fail the guard are dropped (logit -inf): the bias may reorder the
    // plausible tokens, but it can never pull an implausible one in, not even by pushing
    // every plausible token down. Without branches on the guard (how many candidates pass
    // depends on the logits, which would make a branch unpredictable): a bit mask selects.
    const float * d = dots.data();
    constexpr uint32_t kMinusInf = 0xff800000u;
    for (size_t i = 0; i < n; i++) {
        llama_token_data & c = cur_p->data[i];
        const bool in_vocab = static_cast<uint64_t>(static_cast<int64_t>(c.id)) < static_cast<uint64_t>(n_vocab);
        const float biased = c.logit + cfg.beta * (in_vocab ? d[in_vocab ? c.id : 0] : 0.0f);
        const uint32_t keep = 0u - static_cast<uint32_t>(c.logit >= threshold);
        uint32_t bits;
        std::memcpy(&bits, &biased, sizeof bits);
        bits = (bits & keep) | (kMinusInf & ~keep);
        std::memcpy(&c.logit, &bits, sizeof bits);
    }
    cur_p->sorted = false;
}

llama_sampler * biasClone(const llama_sampler * smpl) {
    const auto * state = static_cast<const BiasSamplerState *>(smpl->ctx);
    return makeBiasSampler(state->config);
}

void biasFree(llama_sampler * smpl) {
    delete static_cast<BiasSamplerState *>(smpl->ctx);
    smpl->ctx = nullptr;
}

// Positional, in the order of the pinned llama.cpp's llama_sampler_i; every member is
// named so that a new member in a later release is noticed at the version bump. The
// backend (GPU sampling) members stay null: this sampler runs on the CPU only.
llama_sampler_i g_bias_iface = {
    /* .name              = */ biasName,
    /* .accept            = */ nullptr,
    /* .apply             = */ biasApply,
    /* .reset             = */ nullptr,
    /* .clone             = */ biasClone,
    /* .free              = */ biasFree,
    /* .backend_init      = */ nullptr,
    /* .backend_accept    = */ nullptr,
    /* .backend_apply     = */ nullptr,
    /* .backend_set_input = */ nullptr,
    /* .backend_reset     = */ nullptr,
    /* .copy_state        = */ nullptr,
};

}  // namespace

llama_sampler * makeBiasSampler(const BiasSamplerConfig & config) {
    return llama_sampler_init(&g_bias_iface, new BiasSamplerState(config));
}

}  // namespace persona
