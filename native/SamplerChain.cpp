#include "SamplerChain.h"

#include <stdexcept>

namespace persona {
namespace {

bool hasGuard(const BiasSamplerConfig & bias) { return bias.guard_top_k > 0 || bias.guard_min_p > 0.0f; }
bool hasPenalties(const SamplerChainParams & p) { return p.repeat_penalty != 1.0f && p.repeat_last_n != 0; }

std::shared_ptr<const std::vector<float>> scoreVector(std::shared_ptr<const BiasScores> scores) {
    const std::vector<float> * v = &scores->score;
    return std::shared_ptr<const std::vector<float>>(std::move(scores), v);  // keeps the scores alive
}

}  // namespace

SamplerShortcut SamplerChain::shortcut(const SamplerChainParams & params) {
    if (hasPenalties(params)) return SamplerShortcut::Chain;
    if (params.personalize && hasGuard(params.bias)) return SamplerShortcut::Guarded;
    return params.temperature > 0.0f ? SamplerShortcut::Chain : SamplerShortcut::Greedy;
}

bool SamplerChain::needsScores(const SamplerChainParams & params) {
    return params.personalize && params.bias.beta != 0.0f && !params.bias.dots;
}

bool SamplerChain::takeCachedScores(SamplerChainParams & params) {
    if (!needsScores(params)) return true;
    if (!params.matrix || params.user.size() != params.matrix->dims()) return false;  // fillScores says why
    std::shared_ptr<const BiasScores> hit = params.matrix->cachedScores(params.user.data(), params.reference);
    if (!hit) return false;
    params.bias.dots = scoreVector(std::move(hit));
    return true;
}

void SamplerChain::fillScores(SamplerChainParams & params) {
    if (!needsScores(params)) return;
    if (!params.matrix) throw std::invalid_argument("personalization needs a matrix");
    if (params.user.size() != params.matrix->dims()) throw std::invalid_argument("the user vector does not match the matrix");
    params.bias.dots = scoreVector(params.matrix->scoresFor(params.user.data(), params.reference));
}

SamplerPtr SamplerChain::build(SamplerChainParams & params, int32_t n_vocab,
                               const std::vector<llama_token> & prompt) {
    llama_sampler_chain_params sp = llama_sampler_chain_default_params();
    sp.no_perf = true;
    SamplerPtr chain(llama_sampler_chain_init(sp));
    if (hasPenalties(params)) {
        llama_sampler_chain_add(chain.get(), llama_sampler_init_penalties(n_vocab, params.repeat_last_n,
                                                                          params.repeat_penalty, 0.0f, 0.0f));
    }
    if (params.personalize) {
        fillScores(params);
        const BiasSamplerConfig & bias = params.bias;
        if (hasGuard(bias) || bias.beta != 0.0f) llama_sampler_chain_add(chain.get(), makeBiasSampler(bias));
    }
    if (params.temperature <= 0.0f) {
        llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
    } else {
        if (params.top_k > 0) llama_sampler_chain_add(chain.get(), llama_sampler_init_top_k(params.top_k));
        if (params.top_p < 1.0f) llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(params.top_p, 1));
        if (params.min_p > 0.0f) llama_sampler_chain_add(chain.get(), llama_sampler_init_min_p(params.min_p, 1));
        llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(params.temperature));
        llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(params.seed));
    }
    for (llama_token t : prompt) llama_sampler_accept(chain.get(), t);
    return chain;
}

}  // namespace persona
