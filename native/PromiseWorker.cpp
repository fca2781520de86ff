// The one async-worker-plus-promise of the addon (see PromiseWorker.h).
#include "PromiseWorker.h"

#include <exception>
#include <utility>

namespace persona {

PromiseWorker::PromiseWorker(Napi::Env env, const char * name, std::string what)
    : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)), what_(std::move(what)) {}

Napi::Promise PromiseWorker::start() {
    Napi::Promise p = deferred_.Promise();
    Queue();
    return p;
}

void PromiseWorker::Execute() {
    try {
        work();
    } catch (const std::exception & e) {
        SetError(errorMessage(e.what()));
    } catch (...) {
        SetError(errorMessage("unknown native error while " + what_));
    }
}

void PromiseWorker::OnOK() {
    Napi::Env env = Env();
    try {
        deferred_.Resolve(result(env));
    } catch (const Napi::Error & e) {
        deferred_.Reject(e.Value());
    } catch (const std::exception & e) {
        deferred_.Reject(Napi::Error::New(env, errorMessage(e.what())).Value());
    }
}

void PromiseWorker::OnError(const Napi::Error & error) { deferred_.Reject(error.Value()); }

}  // namespace persona
