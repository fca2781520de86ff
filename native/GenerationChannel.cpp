// GenerationChannel: loop thread -> JavaScript for one generation (see the header).
#include "GenerationChannel.h"

#include <algorithm>

#include "EventSocket.h"

namespace persona {

struct GenerationChannel::Context {
    Napi::Promise::Deferred deferred;
    Napi::FunctionReference on_text;
    Napi::FunctionReference on_fallback;  // with an EventSocket
};

struct GenerationChannel::Event {
    enum class Kind { Text, Bytes, Done, Failed } kind;
    std::string text;  // the chunk, the bytes for on_fallback, or the error message
    GenerationOutcome outcome;
};

namespace {

Napi::Object outcomeToJs(Napi::Env env, const GenerationOutcome & r) {
    Napi::Object out = Napi::Object::New(env);
    out.Set("text", Napi::String::New(env, r.text));
    Napi::Int32Array toks = Napi::Int32Array::New(env, r.tokens.size());
    std::copy(r.tokens.begin(), r.tokens.end(), toks.Data());
    out.Set("tokens", toks);
    out.Set("stopReason", Napi::String::New(env, r.stop_reason));
    out.Set("promptTokens", Napi::Number::New(env, static_cast<double>(r.prompt_tokens)));
    out.Set("promptTokensReused", Napi::Number::New(env, static_cast<double>(r.prompt_tokens_reused)));
    out.Set("promptMs", Napi::Number::New(env, r.prompt_ms));
    out.Set("decodeMs", Napi::Number::New(env, r.decode_ms));
    out.Set("firstTextMs", Napi::Number::New(env, r.first_text_ms));
    return out;
}

}  // namespace

GenerationChannel::GenerationChannel(Napi::Env env, Napi::Function on_text, std::unique_ptr<EventSocket> socket,
                                     Napi::Function on_fallback)
    : socket_(std::move(socket)) {
    auto * context = new Context{Napi::Promise::Deferred::New(env), Napi::FunctionReference(), Napi::FunctionReference()};
    promise_ = context->deferred.Promise();
    if (socket_) {
        if (!on_fallback.IsEmpty() && on_fallback.IsFunction()) context->on_fallback = Napi::Persistent(on_fallback);
        streaming_ = true;
    } else if (!on_text.IsEmpty() && on_text.IsFunction()) {
        context->on_text = Napi::Persistent(on_text);
        streaming_ = true;
    }
    tsfn_ = Tsfn::New(env, "persona-gen:generation", 0, 1, context,
                      [](Napi::Env, void *, Context * ctx) { delete ctx; });
}

GenerationChannel::~GenerationChannel() {
    // A channel dropped unsettled (the engine went away first) still lets go of its function.
    if (!settled_) {
        settled_ = true;
        tsfn_.Release();
    }
}

void GenerationChannel::callJs(Napi::Env env, Napi::Function, Context * context, Event * event) {
    std::unique_ptr<Event> owned(event);
    if (env == nullptr || context == nullptr || !owned) return;  // the environment is going away
    switch (owned->kind) {
        case Event::Kind::Text:
            if (!context->on_text.IsEmpty()) {
                try {
                    context->on_text.Call({Napi::String::New(env, owned->text)});
                } catch (...) {
                    // An exception thrown by the listener must not take the process down.
                }
            }
            break;
        case Event::Kind::Bytes:
            if (!context->on_fallback.IsEmpty()) {
                try {
                    context->on_fallback.Call({Napi::Buffer<char>::Copy(env, owned->text.data(), owned->text.size())});
                } catch (...) {
                    // As for on_text.
                }
            }
            break;
        case Event::Kind::Done:
            context->deferred.Resolve(outcomeToJs(env, owned->outcome));
            break;
        case Event::Kind::Failed:
            context->deferred.Reject(Napi::Error::New(env, owned->text).Value());
            break;
    }
}

void GenerationChannel::send(Event * event, bool last) {
    if (settled_) {
        delete event;
        return;
    }
    if (tsfn_.BlockingCall(event) != napi_ok) delete event;
    if (last) {
        settled_ = true;
        tsfn_.Release();
    }
}

void GenerationChannel::text(std::string chunk) {
    if (!streaming_ || chunk.empty()) return;
    if (first_text_ms_ < 0) {
        first_text_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - created_).count();
    }
    if (!socket_) {
        send(new Event{Event::Kind::Text, std::move(chunk), {}}, false);
        return;
    }
    std::string bytes = socket_->frame(chunk);
    const size_t sent = socket_->write(bytes);
    if (sent == bytes.size()) return;
    bytes.erase(0, sent);
    send(new Event{Event::Kind::Bytes, std::move(bytes), {}}, false);
}

void GenerationChannel::resolve(GenerationOutcome outcome) {
    outcome.first_text_ms = first_text_ms_;
    socket_.reset();  // the connection is the caller's again once the promise settles
    send(new Event{Event::Kind::Done, {}, std::move(outcome)}, true);
}

void GenerationChannel::reject(std::string message) {
    socket_.reset();
    send(new Event{Event::Kind::Failed, std::move(message), {}}, true);
}

}  // namespace persona
