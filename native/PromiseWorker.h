// The one async-worker-plus-promise of the addon: slow work runs off the JavaScript thread and
// settles a promise. Execute() turns any C++ exception into the rejection message; the result is
// built on the JavaScript thread, and an error there rejects too. Every promise-returning native
// call (model load, token embeddings, matrix build, and the dev tools) derives from it.
#pragma once

#include <napi.h>

#include <string>

namespace persona {

class PromiseWorker : public Napi::AsyncWorker {
  public:
    // Queues the worker (which then owns itself, as every Napi::AsyncWorker) and returns its promise.
    Napi::Promise start();

  protected:
    // `name`: the async resource name; `what`: the work, for the message of an unknown exception
    // ("unknown native error while <what>").
    PromiseWorker(Napi::Env env, const char * name, std::string what);

    // Worker thread: does the work; throws std::exception to reject with its message.
    virtual void work() = 0;
    // JavaScript thread: the value the promise resolves with.
    virtual Napi::Value result(Napi::Env env) = 0;
    // The rejection message for an exception's message (default: the message as it is).
    virtual std::string errorMessage(const std::string & message) const { return message; }

  private:
    void Execute() final;
    void OnOK() final;
    void OnError(const Napi::Error & error) final;

    Napi::Promise::Deferred deferred_;
    std::string what_;
};

}  // namespace persona
