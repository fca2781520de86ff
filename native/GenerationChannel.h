// The way back from the engine's loop thread to JavaScript for one generation: streamed text
// chunks and, once, the final result or the error. Everything crosses through one
// thread-safe function; the promise is settled on the JavaScript thread. With an EventSocket,
// streamed text goes straight to its connection instead, and only what the connection does not
// take at once (and everything after it) crosses to JavaScript, as bytes to write.
#pragma once

#include <napi.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "llama.h"

namespace persona {

// The result of one finished generation.
struct GenerationOutcome {
    std::string text;
    std::vector<llama_token> tokens;
    std::string stop_reason = "maxTokens";
    size_t prompt_tokens = 0;
    size_t prompt_tokens_reused = 0;  // prompt tokens whose KV cells were copied from another sequence
    double prompt_ms = 0.0;
    double decode_ms = 0.0;
    double first_text_ms = -1.0;  // from the channel's creation to the first streamed text; -1: none
};

class EventSocket;

class GenerationChannel {
  public:
    // JavaScript thread. `on_text` may be empty (no streaming). With `socket`, text is streamed
    // to it instead of `on_text`, and `on_fallback` gets, as a Buffer, the bytes of every event
    // from the first one the socket did not take whole (its rest) on.
    GenerationChannel(Napi::Env env, Napi::Function on_text, std::unique_ptr<EventSocket> socket = nullptr,
                      Napi::Function on_fallback = Napi::Function());
    ~GenerationChannel();
    GenerationChannel(const GenerationChannel &) = delete;
    GenerationChannel & operator=(const GenerationChannel &) = delete;

    Napi::Promise promise() const { return promise_; }
    bool streaming() const { return streaming_; }

    // Any thread. Calls after the channel was settled are ignored.
    void text(std::string chunk);
    void resolve(GenerationOutcome outcome);
    void reject(std::string message);

  private:
    struct Context;
    struct Event;
    static void callJs(Napi::Env env, Napi::Function fn, Context * context, Event * event);
    using Tsfn = Napi::TypedThreadSafeFunction<Context, Event, callJs>;

    void send(Event * event, bool last);

    Napi::Promise promise_;
    Tsfn tsfn_;
    std::unique_ptr<EventSocket> socket_;
    const std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
    double first_text_ms_ = -1.0;
    bool streaming_ = false;
    bool settled_ = false;
};

}  // namespace persona
