// Argument checks shared by the addon's entry points: every value is validated here, with
// an error that names the argument and what was expected, before it can reach llama.cpp
// (whose asserts would abort the whole process).
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace persona {

[[noreturn]] inline void throwType(Napi::Env env, const std::string & msg) { throw Napi::TypeError::New(env, msg); }
[[noreturn]] inline void throwRange(Napi::Env env, const std::string & msg) {
    throw Napi::RangeError::New(env, msg);
}

inline bool hasOption(const Napi::Object & opts, const char * key) {
    if (!opts.Has(key)) return false;
    const Napi::Value v = opts.Get(key);
    return !v.IsUndefined() && !v.IsNull();
}

inline double numberOption(const Napi::Object & opts, const char * key, double fallback, double min, double max,
                           bool integer = false) {
    Napi::Env env = opts.Env();
    if (!hasOption(opts, key)) return fallback;
    const Napi::Value v = opts.Get(key);
    if (!v.IsNumber()) throwType(env, std::string("options.") + key + " must be a number");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d)) throwRange(env, std::string("options.") + key + " must be finite, got " + std::to_string(d));
    if (integer && std::floor(d) != d) throwRange(env, std::string("options.") + key + " must be an integer");
    if (d < min || d > max) {
        throwRange(env, std::string("options.") + key + " must be between " + std::to_string(min) + " and " +
                            std::to_string(max) + ", got " + std::to_string(d));
    }
    return d;
}

inline int32_t intOption(const Napi::Object & opts, const char * key, int32_t fallback, int32_t min, int32_t max) {
    return static_cast<int32_t>(numberOption(opts, key, fallback, min, max, true));
}

inline bool boolOption(const Napi::Object & opts, const char * key, bool fallback) {
    if (!hasOption(opts, key)) return fallback;
    const Napi::Value v = opts.Get(key);
    if (!v.IsBoolean()) throwType(opts.Env(), std::string("options.") + key + " must be a boolean");
    return v.As<Napi::Boolean>().Value();
}

inline Napi::Object optionsArg(const Napi::CallbackInfo & info, size_t index) {
    if (info.Length() <= index || info[index].IsUndefined() || info[index].IsNull()) {
        return Napi::Object::New(info.Env());
    }
    if (!info[index].IsObject()) throwType(info.Env(), "options must be an object");
    return info[index].As<Napi::Object>();
}

inline Napi::Float32Array float32Arg(const Napi::CallbackInfo & info, size_t index, const char * name) {
    if (info.Length() <= index || !info[index].IsTypedArray() ||
        info[index].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
        throwType(info.Env(), std::string(name) + " must be a Float32Array");
    }
    return info[index].As<Napi::Float32Array>();
}

inline Napi::Int32Array int32Arg(const Napi::CallbackInfo & info, size_t index, const char * name) {
    if (info.Length() <= index || !info[index].IsTypedArray() ||
        info[index].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
        throwType(info.Env(), std::string(name) + " must be an Int32Array");
    }
    return info[index].As<Napi::Int32Array>();
}

inline std::string stringArg(const Napi::CallbackInfo & info, size_t index, const char * name) {
    if (info.Length() <= index || !info[index].IsString()) throwType(info.Env(), std::string(name) + " must be a string");
    return info[index].As<Napi::String>().Utf8Value();
}

// The whole number at argument `index`, within [min, max]: a TypeError "<name> must be a number"
// when it is missing or not a number, a RangeError "<name> must be an integer between <min> and
// <max>" when it is out of range, not whole, or NaN.
inline int64_t intArg(const Napi::CallbackInfo & info, size_t index, const char * name, int64_t min, int64_t max) {
    if (info.Length() <= index || !info[index].IsNumber()) throwType(info.Env(), std::string(name) + " must be a number");
    const double d = info[index].As<Napi::Number>().DoubleValue();
    if (!(d >= static_cast<double>(min) && d <= static_cast<double>(max) && std::floor(d) == d)) {
        throwRange(info.Env(), std::string(name) + " must be an integer between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return static_cast<int64_t>(d);
}

// Every value of `data` is finite; else a RangeError naming `name` and the first bad index.
inline void requireFinite(Napi::Env env, const float * data, size_t n, const char * name) {
    for (size_t i = 0; i < n; i++) {
        if (!std::isfinite(data[i])) {
            throwRange(env, std::string(name) + " must hold only finite numbers; index " + std::to_string(i) +
                                " is " + std::to_string(data[i]));
        }
    }
}

}  // namespace persona
