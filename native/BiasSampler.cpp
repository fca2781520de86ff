#include "BiasSampler.h"

#include <algorithm>
#include <cmath>
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

    // The guard's threshold on the unbiased logits.
    float threshold = -INFINITY;
    if (cfg.guard_top_k > 0 && static_cast<size_t>(cfg.guard_top_k) < n) {
        auto & s = state->scratch;
        s.resize(n);
        for (size_t i = 0; i < n; i++) s[i] = cur_p->data[i].logit;
        const size_t k = static_cast<size_t>(cfg.guard_top_k);
        std::nth_element(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(k - 1), s.end(), std::greater<float>());
        threshold = std::max(threshold, s[k - 1]);
    }
    if (cfg.guard_min_p > 0.0f) {
        float max_logit = -INFINITY;
        for (size_t i = 0; i < n; i++) max_logit = std::max(max_logit, cur_p->data[i].logit);
        // p_i >= min_p * p_max  <=>  logit_i >= max_logit + log(min_p)
        threshold = std::max(threshold, max_logit + std::log(cfg.guard_min_p));
    }

    // Candidates that fail the guard are dropped (logit -inf): the bias may reorder the
    // plausible tokens, but it can never pull an implausible one in, not even by pushing
    // every plausible token down.
    for (size_t i = 0; i < n; i++) {
        llama_token_data & c = cur_p->data[i];
        if (!(c.logit >= threshold)) {
            c.logit = -INFINITY;
            continue;
        }
        if (c.id < 0 || c.id >= n_vocab) continue;
        c.logit += cfg.beta * dots[static_cast<size_t>(c.id)];
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
