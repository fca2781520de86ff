#include "CandidateGuard.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace persona {

// One read-only pass over n logits (logit(i) reads the i-th). The smallest logit that can still
// pass only rises as the pass goes on (the k-th largest logit so far, the maximum so far +
// ln(min_p)), so every candidate that passes at the end was at least that bound when it was
// read: their indices are kept aside (in order), and the final threshold is returned for the
// caller to filter them with. The k largest logits so far sit in a min-heap; a block of 8
// candidates of which none reaches the bound costs eight independent comparisons and nothing
// else, which is nearly every block.
template <class Logit>
float CandidateGuard::scan(size_t n, Logit logit) {
    const size_t k = top_k_ > 0 && static_cast<size_t>(top_k_) < n ? static_cast<size_t>(top_k_) : 0;
    const bool use_min_p = min_p_ > 0.0f;
    const float log_min_p = use_min_p ? std::log(min_p_) : 0.0f;
    heap_.clear();
    kept_.clear();
    float max_logit = -INFINITY;
    const auto bound = [&]() {
        float b = k > 0 && heap_.size() == k ? heap_.front() : -INFINITY;
        if (use_min_p) b = std::max(b, max_logit + log_min_p);
        return b;
    };
    const auto visit = [&](size_t i) {
        const float x = logit(i);
        max_logit = std::max(max_logit, x);
        if (k > 0) {
            if (heap_.size() < k) {
                heap_.push_back(x);
                std::push_heap(heap_.begin(), heap_.end(), std::greater<float>());
            } else if (x > heap_.front()) {
                std::pop_heap(heap_.begin(), heap_.end(), std::greater<float>());
                heap_.back() = x;
                std::push_heap(heap_.begin(), heap_.end(), std::greater<float>());
            }
        }
        if (x >= bound()) kept_.push_back(i);
    };
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float b = bound();
        // Eight independent comparisons (a NaN fails its own only). When none reaches the bound,
        // none can raise the maximum or enter the heap either.
        const bool any = (logit(i) >= b) | (logit(i + 1) >= b) | (logit(i + 2) >= b) | (logit(i + 3) >= b) |
                         (logit(i + 4) >= b) | (logit(i + 5) >= b) | (logit(i + 6) >= b) | (logit(i + 7) >= b);
        if (!any) continue;
        for (size_t j = i; j < i + 8; j++) visit(j);
    }
    for (; i < n; i++) visit(i);
    return bound();
}

bool CandidateGuard::filters(size_t n) const {
    const size_t k = top_k_ > 0 && static_cast<size_t>(top_k_) < n ? static_cast<size_t>(top_k_) : 0;
    return k > 0 || min_p_ > 0.0f;  // top-k alone with k >= n: every candidate passes
}

void CandidateGuard::apply(llama_token_data_array * cur_p) {
    if (!active() || cur_p->size == 0 || !filters(cur_p->size)) return;
    llama_token_data * c = cur_p->data;
    const float t = scan(cur_p->size, [c](size_t i) { return c[i].logit; });
    size_t w = 0;
    for (size_t i : kept_) {
        if (c[i].logit >= t) c[w++] = c[i];  // w <= i: nothing unread is overwritten
    }
    if (w == 0) return;  // nothing passed (NaN logits): the array was not touched
    cur_p->size = w;
    if (cur_p->selected >= static_cast<int64_t>(w)) cur_p->selected = -1;
}

bool CandidateGuard::select(const float * logits, size_t n, std::vector<llama_token_data> & out) {
    out.clear();
    if (!active() || n == 0 || !filters(n)) return false;
    const float t = scan(n, [logits](size_t i) { return logits[i]; });
    for (size_t i : kept_) {
        if (logits[i] >= t) out.push_back(llama_token_data{static_cast<llama_token>(i), logits[i], 0.0f});
    }
    return !out.empty();
}

}  // namespace persona
