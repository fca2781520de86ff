// Compiler and operating-system specifics, in one place, so that the rest of native/ compiles
// unchanged with GCC, Clang, MinGW-w64 and MSVC:
//   - PERSONA_TARGET("avx2,fma"): one function compiled for an instruction set above the build's
//     baseline (GCC/Clang target attribute; MSVC needs none, it emits any intrinsic);
//   - cpuFeatures(): what the CPU runs, from CPUID and XGETBV (the register state the OS saves),
//     through <cpuid.h> on GCC/Clang and __cpuidex/_xgetbv on MSVC;
//   - files named by UTF-8 paths (what N-API hands us): on Windows through the wide-character
//     APIs (_wfopen, _wstat64, MoveFileExW), since the narrow ones read the ANSI code page;
//     64-bit offsets everywhere (fseeko/ftello, _fseeki64/_ftelli64);
//   - connected stream sockets named by a POSIX descriptor (dupStreamSocket, sendSome,
//     closeSocket); on Windows, whose sockets are not descriptors, they report ENOTSUP.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#define PERSONA_X86 1
#endif

#if defined(_MSC_VER) && !defined(__clang__)
#define PERSONA_TARGET(isa)
#else
#define PERSONA_TARGET(isa) __attribute__((target(isa)))
#endif

namespace persona::port {

/** x86 instruction sets this CPU runs and the OS enables (all false elsewhere). */
struct CpuFeatures {
    bool sse42 = false;
    bool avx = false;       // with the YMM state saved by the OS
    bool avx2 = false;
    bool fma = false;
    bool f16c = false;
    bool bmi2 = false;
    bool avx512f = false;   // with the opmask/ZMM state saved by the OS
    bool avx512dq = false;
    bool avx512cd = false;
    bool avx512bw = false;
    bool avx512vl = false;
    bool avx512vnni = false;
};

/** The CPU's features, read once. */
const CpuFeatures & cpuFeatures();

/** What stat says about a path. */
struct PathInfo {
    bool exists = false;
    bool regular = false;
    bool directory = false;
    uint64_t size = 0;
    int error = 0;  // errno when !exists
};

/** stat() of a UTF-8 path. */
PathInfo statPath(const std::string & path);
/** fopen() of a UTF-8 path; nullptr and errno set on failure. */
FILE * openFile(const std::string & path, const char * mode);
/** Seeks to an absolute 64-bit offset; 0 on success. */
int seekFile(FILE * f, uint64_t offset);
/** The 64-bit position of a stream, or -1. */
int64_t tellFile(FILE * f);
/** Renames a UTF-8 path over an existing target (as POSIX rename does); 0 on success, errno set. */
int renameFile(const std::string & from, const std::string & to);
/** Removes a UTF-8 path; 0 on success. */
int removeFile(const std::string & path);
/** The folder part of a path ("." when there is none), with '\\' a separator on Windows too. */
std::string parentDir(const std::string & path);

/**
 * A new descriptor for the connected stream socket `fd` (dup), or -1 with errno set: EBADF
 * (not open), ENOTSOCK (not a socket), EPROTOTYPE (not a stream socket), ENOTCONN (not
 * connected), ENOTSUP (Windows).
 */
int dupStreamSocket(int fd);
/**
 * Sends what socket `fd` takes of `len` bytes now, without blocking and without SIGPIPE. Returns
 * the bytes sent (0 when its buffer is full), or -1 with errno set when the connection failed.
 */
int64_t sendSome(int fd, const char * data, size_t len);
/** Closes a descriptor from dupStreamSocket. */
void closeSocket(int fd);

}  // namespace persona::port
