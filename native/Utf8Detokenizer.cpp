// Utf8Detokenizer: token pieces to whole UTF-8 characters (see the header).
#include "Utf8Detokenizer.h"

#include <algorithm>

namespace persona {

size_t Utf8Detokenizer::completePrefix(const std::string & s) {
    const size_t n = s.size();
    for (size_t back = 1; back <= 4 && back <= n; back++) {
        const unsigned char c = static_cast<unsigned char>(s[n - back]);
        if ((c & 0xC0) == 0x80) continue;  // continuation byte: look further back
        size_t need = 1;
        if ((c & 0xE0) == 0xC0) need = 2;
        else if ((c & 0xF0) == 0xE0) need = 3;
        else if ((c & 0xF8) == 0xF0) need = 4;
        return back >= need ? n : n - back;
    }
    return n;  // only continuation bytes (invalid UTF-8): pass them on as they are
}

std::string Utf8Detokenizer::push(llama_token token) {
    char piece[256];
    int32_t len = llama_token_to_piece(vocab_, token, piece, sizeof piece, 0, false);
    if (len < 0) {
        std::string big(static_cast<size_t>(-len), '\0');
        len = llama_token_to_piece(vocab_, token, big.data(), -len, 0, false);
        pending_.append(big.data(), static_cast<size_t>(std::max(len, 0)));
    } else {
        pending_.append(piece, static_cast<size_t>(len));
    }
    const size_t complete = completePrefix(pending_);
    std::string out(pending_, 0, complete);
    pending_.erase(0, complete);
    return out;
}

std::string Utf8Detokenizer::flush() {
    std::string out;
    out.swap(pending_);
    return out;
}

}  // namespace persona
