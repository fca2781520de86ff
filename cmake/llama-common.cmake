# What the addon's build (CMakeLists.txt) and the benchmark anchors' build
# (scripts/anchors/CMakeLists.txt) both do around llama.cpp, written once so that the two
# compile llama.cpp the same way (and ccache serves one's objects to the other).

# C++17, position-independent code (the objects go into a shared library), Release unless a
# build type is given: the settings every compile command of both builds starts from.
macro(persona_gen_compile_defaults)
  set(CMAKE_CXX_STANDARD 17)
  set(CMAKE_CXX_STANDARD_REQUIRED ON)
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  if(NOT CMAKE_BUILD_TYPE)
    set(CMAKE_BUILD_TYPE Release)
  endif()
endmacro()

# The llama.cpp source below the repository root `root` in LLAMA_DIR; a fatal error naming the
# fix when it has not been fetched.
macro(persona_gen_llama_dir root)
  set(LLAMA_DIR ${root}/deps/llama.cpp)
  if(NOT EXISTS ${LLAMA_DIR}/include/llama.h)
    message(FATAL_ERROR "llama.cpp source is missing in deps/llama.cpp: run `npm run fetch-llama` first")
  endif()
endmacro()

# ccache as the compiler launcher when installed (and PERSONA_GEN_NO_CCACHE is not set), with
# paths made relative to the repository root `root` so that another clone of the repository
# (CI's) hits the same cache entries. `label` starts the status line.
macro(persona_gen_use_ccache root label)
  find_program(PERSONA_GEN_CCACHE ccache)
  if(PERSONA_GEN_CCACHE AND NOT DEFINED ENV{PERSONA_GEN_NO_CCACHE})
    set(_launcher ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${root} CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=pch_defines,time_macros ${PERSONA_GEN_CCACHE})
    set(CMAKE_C_COMPILER_LAUNCHER ${_launcher})
    set(CMAKE_CXX_COMPILER_LAUNCHER ${_launcher})
    message(STATUS "${label}: using ccache at ${PERSONA_GEN_CCACHE}")
  endif()
endmacro()

# Call after llama.cpp is added, for -march=native builds. With -march=native on a CPU that has
# AVX512-FP16 (Sapphire Rapids and later), ggml's f16 vector loops (the attention's K.Q dot
# products and V sums) step 128 values at a time, so a head dimension of 64 (Qwen2.5, Llama 3.2)
# runs entirely in their scalar tail: decoding was ~7% slower than llama.cpp's own prebuilt CPU
# variants, which leave AVX512-FP16 out. Leave it out of ggml-cpu too.
macro(persona_gen_no_avx512fp16)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    include(CheckCCompilerFlag)
    check_c_compiler_flag(-mno-avx512fp16 PERSONA_GEN_CC_HAS_NO_AVX512FP16)
    if(PERSONA_GEN_CC_HAS_NO_AVX512FP16 AND TARGET ggml-cpu)
      target_compile_options(ggml-cpu PRIVATE -mno-avx512fp16)
    endif()
  endif()
endmacro()
