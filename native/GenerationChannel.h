// The way back from the engine's loop thread to JavaScript for one generation: streamed text
// chunks and, once, the final result or the error. Everything crosses through one
// thread-safe function; the promise is settled on the JavaScript thread.
#pragma once

#include <napi.h>

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
};

class GenerationChannel {
  public:
    // JavaScript thread. `on_text` may be empty (no streaming).
    GenerationChannel(Napi::Env env, Napi::Function on_text);
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
    bool streaming_ = false;
    bool settled_ = false;
};

}  // namespace persona
