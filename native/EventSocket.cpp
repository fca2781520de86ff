// EventSocket: server-sent events written from the loop thread (see the header).
#include "EventSocket.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "Portability.h"

namespace persona {

namespace {

const char kHex[] = "0123456789abcdef";

// The length of the well-formed UTF-8 character starting at s[i] (Unicode Table 3-7), or the
// length of the maximal ill-formed subpart starting there (negated, at least 1).
int utf8Step(const std::string & s, size_t i) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    int need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) need = 1;
    else if (b == 0xE0) need = 2, lo = 0xA0;
    else if (b == 0xED) need = 2, hi = 0x9F;
    else if (b >= 0xE1 && b <= 0xEF) need = 2;
    else if (b == 0xF0) need = 3, lo = 0x90;
    else if (b == 0xF4) need = 3, hi = 0x8F;
    else if (b >= 0xF1 && b <= 0xF3) need = 3;
    else return -1;  // a continuation byte or C0, C1, F5..FF: never a lead byte
    size_t j = i + 1;
    for (int k = 0; k < need; k++, j++) {
        if (j >= s.size()) return -static_cast<int>(j - i);
        const unsigned char c = static_cast<unsigned char>(s[j]);
        if (c < (k == 0 ? lo : 0x80) || c > (k == 0 ? hi : 0xBF)) return -static_cast<int>(j - i);
    }
    return need + 1;
}

void appendAscii(std::string & out, unsigned char c) {
    switch (c) {
        case '"': out += "\\\""; return;
        case '\\': out += "\\\\"; return;
        case '\b': out += "\\b"; return;
        case '\t': out += "\\t"; return;
        case '\n': out += "\\n"; return;
        case '\f': out += "\\f"; return;
        case '\r': out += "\\r"; return;
        default: break;
    }
    if (c < 0x20) {
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    } else {
        out += static_cast<char>(c);
    }
}

}  // namespace

EventSocket::EventSocket(int fd, std::string before, std::string after)
    : fd_(port::dupStreamSocket(fd)), before_(std::move(before)), after_(std::move(after)) {
    if (fd_ < 0) {
        const int e = errno;
        std::string why = e == EBADF      ? "is not an open descriptor"
                          : e == ENOTSUP  ? "cannot be written from native code on this platform"
                                          : "is not a connected stream socket";
        throw std::invalid_argument("descriptor " + std::to_string(fd) + " " + why + " (" + std::strerror(e) + ")");
    }
}

EventSocket::~EventSocket() { port::closeSocket(fd_); }

void EventSocket::appendJsonString(std::string & out, const std::string & utf8) {
    out += '"';
    for (size_t i = 0; i < utf8.size();) {
        const unsigned char b = static_cast<unsigned char>(utf8[i]);
        if (b < 0x80) {
            appendAscii(out, b);
            i++;
            continue;
        }
        const int step = utf8Step(utf8, i);
        if (step > 0) {
            out.append(utf8, i, static_cast<size_t>(step));
            i += static_cast<size_t>(step);
        } else {
            out += "\xEF\xBF\xBD";  // U+FFFD
            i += static_cast<size_t>(-step);
        }
    }
    out += '"';
}

std::string EventSocket::frame(const std::string & text) const {
    std::string event = "data: ";
    event.reserve(6 + before_.size() + text.size() + 2 + after_.size() + 2);
    event += before_;
    appendJsonString(event, text);
    event += after_;
    event += "\n\n";
    char size[24];
    std::snprintf(size, sizeof size, "%llx\r\n", static_cast<unsigned long long>(event.size()));
    std::string chunk;
    chunk.reserve(sizeof size + event.size() + 2);
    chunk += size;
    chunk += event;
    chunk += "\r\n";
    return chunk;
}

size_t EventSocket::write(const std::string & bytes) {
    if (failed_) return 0;
    size_t done = 0;
    while (done < bytes.size()) {
        const int64_t n = port::sendSome(fd_, bytes.data() + done, bytes.size() - done);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
    }
    if (done < bytes.size()) failed_ = true;
    return done;
}

}  // namespace persona
