#include "BiasSampler.h"

#include <algorithm>
#include <utility>

#include "CandidateGuard.h"

namespace persona {
namespace {

// The sampler's state: the configuration never changes after construction; the guard's
// scratch is reused from step to step so that a step allocates nothing once warm.
struct BiasSamplerState {
    const BiasSamplerConfig config;
    CandidateGuard guard;

    explicit BiasSamplerState(BiasSamplerConfig c)
        : config(std::move(c)), guard(config.guard_top_k, config.guard_min_p) {}
};

const char * biasName(const llama_sampler * /*smpl*/) { return "persona-bias"; }

// The biased logit of one candidate (one expression, shared by addBias and biasedArgmax so that
// both round alike).
inline float biasedLogit(float logit, float beta, float score) { return logit + beta * score; }

// Stage 2: logit += beta * score[id] for every candidate left in the array.
void addBias(const BiasSamplerConfig & cfg, llama_token_data_array * cur_p) {
    const std::vector<float> & dots = *cfg.dots;
    const uint64_t n_vocab = static_cast<uint64_t>(dots.size());
    const float * d = dots.data();
    const float beta = cfg.beta;
    llama_token_data * c = cur_p->data;
    const size_t n = cur_p->size;
    for (size_t i = 0; i < n; i++) {
        // An id outside the vocabulary (never from llama.cpp) gets no bias; no branch on it.
        const bool in_vocab = static_cast<uint64_t>(static_cast<int64_t>(c[i].id)) < n_vocab;
        const float s = d[in_vocab ? c[i].id : 0];
        c[i].logit = biasedLogit(c[i].logit, beta, in_vocab ? s : 0.0f);
    }
}

void biasApply(llama_sampler * smpl, llama_token_data_array * cur_p) {
    auto * state = static_cast<BiasSamplerState *>(smpl->ctx);
    const BiasSamplerConfig & cfg = state->config;
    if (cur_p->size == 0) return;
    const size_t before = cur_p->size;
    state->guard.apply(cur_p);
    if (cfg.beta != 0.0f && cfg.dots && !cfg.dots->empty()) {
        addBias(cfg, cur_p);
        cur_p->sorted = false;
        cur_p->selected = -1;
    } else if (cur_p->size != before) {
        cur_p->selected = -1;
    }
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

llama_token biasedArgmax(const BiasSamplerConfig & config, const float * logits, int32_t n_vocab) {
    const bool biased = config.beta != 0.0f && config.dots && !config.dots->empty();
    const int32_t n_scored = biased ? static_cast<int32_t>(std::min<size_t>(config.dots->size(), static_cast<size_t>(n_vocab))) : 0;
    const float * d = biased ? config.dots->data() : nullptr;
    const float beta = config.beta;
    // The greedy sampler's rule on the biased row. Ids past the scores get addBias's beta * 0,
    // which changes no comparison (beta is finite), so they are compared as they are: without
    // the bias this is plain greedy.
    llama_token best = 0;
    float best_logit = n_scored > 0 ? biasedLogit(logits[0], beta, d[0]) : logits[0];
    for (int32_t i = 1; i < n_scored; i++) {
        const float v = biasedLogit(logits[i], beta, d[i]);
        if (v > best_logit) {
            best = i;
            best_logit = v;
        }
    }
    for (int32_t i = std::max<int32_t>(n_scored, 1); i < n_vocab; i++) {
        if (logits[i] > best_logit) {
            best = i;
            best_logit = logits[i];
        }
    }
    return best;
}

}  // namespace persona
