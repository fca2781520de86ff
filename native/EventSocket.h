// A generation's streamed text written by the engine's loop thread straight to an HTTP/1.1
// connection as server-sent events, each event one chunk of chunked transfer encoding:
//   <hex byte count>\r\ndata: <before><the text as a JSON string><after>\n\n\r\n
// byte for byte what the server's JavaScript would write for it (JSON.stringify of the text as
// N-API hands it to JavaScript). This takes the JavaScript thread out of the per-token path of
// a streamed response: no wake-up, no event object, no stream bookkeeping per token.
//
// It writes to its own duplicate of the socket's descriptor, so the descriptor stays the same
// connection until this object is gone even when the server closes its own first (a closed and
// reused descriptor number can never receive another connection's events). The caller must not
// write to the connection itself while the generation streams, and must only hand over a
// connection with nothing left in its own write queue. POSIX only (port::dupStreamSocket).
#pragma once

#include <string>

namespace persona {

class EventSocket {
  public:
    // JavaScript thread: takes a duplicate of `fd`, which must be a connected stream socket.
    // Throws std::invalid_argument saying what `fd` is instead.
    EventSocket(int fd, std::string before, std::string after);
    ~EventSocket();
    EventSocket(const EventSocket &) = delete;
    EventSocket & operator=(const EventSocket &) = delete;

    // The whole chunk of one event holding `text` (UTF-8, possibly ill-formed).
    std::string frame(const std::string & text) const;
    // Loop thread: writes what the socket takes of `bytes` now (never blocks) and returns how
    // many bytes that was: all of them, or fewer when its send buffer is full or the connection
    // failed. After a short write nothing more is written (0 from then on: the rest of this
    // event and every later one are the caller's to send).
    size_t write(const std::string & bytes);

    // Appends `utf8` as JSON.stringify writes the JavaScript string that V8 decodes from those
    // bytes: each maximal ill-formed subsequence becomes U+FFFD (as the WHATWG decoder does);
    // '"', '\\' and C0 controls are escaped (\b \t \n \f \r, else \u00xx); all else is copied.
    static void appendJsonString(std::string & out, const std::string & utf8);

  private:
    int fd_;
    const std::string before_;
    const std::string after_;
    bool failed_ = false;
};

}  // namespace persona
