// A test hook for the sanitizer run: asks LeakSanitizer for a leak check now (Node never runs
// its exit-time check once an addon is loaded). Exported as `testing.leakCheck()`.
#pragma once

#include <napi.h>

namespace persona {

// leakCheck() => null in a build without AddressSanitizer; otherwise true when LeakSanitizer
// found leaks (its report, with stacks, goes to stderr) and false when it found none. Needs
// ASAN_OPTIONS=detect_leaks=1 to report anything.
Napi::Value LeakCheck(const Napi::CallbackInfo & info);

}  // namespace persona
