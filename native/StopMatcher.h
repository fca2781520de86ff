// A sequence's stop strings: finds the first one in newly grown text and says how much of the
// end of the text must be held back from streaming because it could still become one.
#pragma once

#include <string>
#include <vector>

namespace persona {

class StopMatcher {
  public:
    explicit StopMatcher(std::vector<std::string> stops);

    // `text` grew from `before` bytes: if a stop string now occurs in it, cuts `text` at the
    // earliest occurrence and returns true.
    bool cut(std::string & text, size_t before) const;
    // Bytes at the end of unfinished text that could be the start of a stop string.
    size_t holdBack() const { return hold_; }

  private:
    std::vector<std::string> stops_;
    size_t hold_ = 0;
};

}  // namespace persona
