#include "LeakCheck.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace persona {

Napi::Value LeakCheck(const Napi::CallbackInfo & info) {
#if defined(__SANITIZE_ADDRESS__)
    return Napi::Boolean::New(info.Env(), __lsan_do_recoverable_leak_check() != 0);
#else
    return info.Env().Null();
#endif
}

}  // namespace persona
