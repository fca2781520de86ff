#include "CandidateGuard.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace persona {

// One read-only pass over the candidates. The smallest logit that can still pass only rises as
// the pass goes on (the k-th largest logit so far, the maximum so far + ln(min_p)), so every
// candidate that passes at the end was at least that bound when it was read: those are copied
// aside (in array order), and filtered with the final threshold at the end. The k largest
// logits so far sit in a min-heap; a block of 8 candidates of which none reaches the bound costs
// eight independent comparisons and nothing else, which is nearly every block.
void CandidateGuard::apply(llama_token_data_array * cur_p) {
    if (!active() || cur_p->size == 0) return;
    const size_t n = cur_p->size;
    const size_t k = top_k_ > 0 && static_cast<size_t>(top_k_) < n ? static_cast<size_t>(top_k_) : 0;
    const bool use_min_p = min_p_ > 0.0f;
    if (k == 0 && !use_min_p) return;  // top-k alone with k >= n: every candidate passes
    const float log_min_p = use_min_p ? std::log(min_p_) : 0.0f;
    const llama_token_data * c = cur_p->data;
    heap_.clear();
    kept_.clear();
    float max_logit = -INFINITY;
    const auto bound = [&]() {
        float b = k > 0 && heap_.size() == k ? heap_.front() : -INFINITY;
        if (use_min_p) b = std::max(b, max_logit + log_min_p);
        return b;
    };
    const auto visit = [&](const llama_token_data & d) {
        const float x = d.logit;
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
        if (x >= bound()) kept_.push_back(d);
    };
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float b = bound();
        // Eight independent comparisons (a NaN fails its own only). When none reaches the bound,
        // none can raise the maximum or enter the heap either.
        const bool any = (c[i].logit >= b) | (c[i + 1].logit >= b) | (c[i + 2].logit >= b) | (c[i + 3].logit >= b) |
                         (c[i + 4].logit >= b) | (c[i + 5].logit >= b) | (c[i + 6].logit >= b) | (c[i + 7].logit >= b);
        if (!any) continue;
        for (size_t j = i; j < i + 8; j++) visit(c[j]);
    }
    for (; i < n; i++) visit(c[i]);

    const float t = bound();
    size_t w = 0;
    for (const llama_token_data & d : kept_) {
        if (d.logit >= t) cur_p->data[w++] = d;
    }
    if (w == 0) return;  // nothing passed (NaN logits): the array was not touched
    cur_p->size = w;
    if (cur_p->selected >= static_cast<int64_t>(w)) cur_p->selected = -1;
}

}  // namespace persona
