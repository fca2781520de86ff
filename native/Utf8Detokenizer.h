// Turns a sequence's sampled tokens into UTF-8 text, one token at a time, never splitting a
// character: the bytes of a character whose token has not all arrived yet are held back
// until it completes (a multi-byte character can span several byte tokens).
#pragma once

#include <string>

#include "llama.h"

namespace persona {

class Utf8Detokenizer {
  public:
    explicit Utf8Detokenizer(const llama_vocab * vocab) : vocab_(vocab) {}

    // The text that token `token` completes (possibly empty).
    std::string push(llama_token token);
    // What is still held back (a character cut off at the end), passed on as it is.
    std::string flush();
    // Drops what is held back (the text was cut, e.g. by a stop string).
    void clear() { pending_.clear(); }

    // Length of the longest prefix of `s` that ends on a complete UTF-8 character.
    static size_t completePrefix(const std::string & s);

  private:
    const llama_vocab * vocab_;
    std::string pending_;  // bytes of a character not yet complete
};

}  // namespace persona
