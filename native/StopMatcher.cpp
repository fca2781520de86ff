// StopMatcher: stop strings in growing text (see the header).
#include "StopMatcher.h"

#include <algorithm>

namespace persona {

StopMatcher::StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {
    for (const auto & s : stops_) hold_ = std::max(hold_, s.empty() ? 0 : s.size() - 1);
}

bool StopMatcher::cut(std::string & text, size_t before) const {
    size_t first = std::string::npos;
    for (const auto & s : stops_) {
        if (s.empty()) continue;
        // Only an occurrence that ends in the new bytes is new.
        const size_t from = before >= s.size() ? before - s.size() + 1 : 0;
        const size_t at = text.find(s, from);
        if (at != std::string::npos) first = std::min(first, at);
    }
    if (first == std::string::npos) return false;
    text.resize(first);
    return true;
}

}  // namespace persona
