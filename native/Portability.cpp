// The compiler- and OS-specific code behind Portability.h.
#include "Portability.h"

#include <cerrno>
#include <sys/stat.h>
#include <sys/types.h>

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#else
#include <sys/socket.h>
#include <unistd.h>
#endif

#if defined(PERSONA_X86)
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

namespace persona::port {

namespace {

#if defined(PERSONA_X86)
// regs = {eax, ebx, ecx, edx} of CPUID(leaf, subleaf).
void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) {
#if defined(_MSC_VER) && !defined(__clang__)
    int r[4];
    __cpuidex(r, static_cast<int>(leaf), static_cast<int>(subleaf));
    for (int i = 0; i < 4; i++) regs[i] = static_cast<uint32_t>(r[i]);
#else
    __cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
#endif
}

// XCR0: which register states the OS saves and restores. Only call when CPUID says OSXSAVE.
uint64_t xcr0() {
#if defined(_MSC_VER) && !defined(__clang__)
    return _xgetbv(0);
#else
    uint32_t eax = 0, edx = 0;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (static_cast<uint64_t>(edx) << 32) | eax;
#endif
}

bool bit(uint32_t reg, int n) { return ((reg >> n) & 1u) != 0; }
#endif

CpuFeatures detect() {
    CpuFeatures f;
#if defined(PERSONA_X86)
    uint32_t r[4];
    cpuid(0, 0, r);
    const uint32_t max_leaf = r[0];
    if (max_leaf < 1) return f;
    cpuid(1, 0, r);
    const uint32_t ecx1 = r[2];
    f.sse42 = bit(ecx1, 20);
    const bool osxsave = bit(ecx1, 27);
    const uint64_t xcr = osxsave ? xcr0() : 0;
    const bool os_avx = (xcr & 0x6) == 0x6;       // SSE and AVX (YMM) state
    const bool os_avx512 = (xcr & 0xE6) == 0xE6;  // + opmask, ZMM_Hi256, Hi16_ZMM state
    f.avx = os_avx && bit(ecx1, 28);
    f.fma = f.avx && bit(ecx1, 12);
    f.f16c = f.avx && bit(ecx1, 29);
    if (max_leaf < 7) return f;
    cpuid(7, 0, r);
    const uint32_t ebx7 = r[1];
    const uint32_t ecx7 = r[2];
    f.avx2 = f.avx && bit(ebx7, 5);
    f.bmi2 = bit(ebx7, 8);
    const bool z = f.avx && os_avx512;
    f.avx512f = z && bit(ebx7, 16);
    f.avx512dq = z && bit(ebx7, 17);
    f.avx512cd = z && bit(ebx7, 28);
    f.avx512bw = z && bit(ebx7, 30);
    f.avx512vl = z && bit(ebx7, 31);
    f.avx512vnni = z && bit(ecx7, 11);
#endif
    return f;
}

#if defined(_WIN32)
// UTF-8 -> UTF-16; an invalid sequence gives an empty string (and the call fails with EINVAL).
std::wstring wide(const std::string & s) {
    if (s.empty()) return std::wstring();
    const int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s.data(), static_cast<int>(s.size()), nullptr, 0);
    if (n <= 0) return std::wstring();
    std::wstring w(static_cast<size_t>(n), L'\0');
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s.data(), static_cast<int>(s.size()), &w[0], n);
    return w;
}
#endif

}  // namespace

const CpuFeatures & cpuFeatures() {
    static const CpuFeatures features = detect();
    return features;
}

PathInfo statPath(const std::string & path) {
    PathInfo info;
#if defined(_WIN32)
    const std::wstring w = wide(path);
    struct _stat64 st {};
    if (w.empty() || _wstat64(w.c_str(), &st) != 0) {
        info.error = w.empty() ? EINVAL : errno;
        return info;
    }
    info.regular = (st.st_mode & _S_IFMT) == _S_IFREG;
    info.directory = (st.st_mode & _S_IFMT) == _S_IFDIR;
#else
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
        info.error = errno;
        return info;
    }
    info.regular = S_ISREG(st.st_mode);
    info.directory = S_ISDIR(st.st_mode);
#endif
    info.exists = true;
    info.size = static_cast<uint64_t>(st.st_size);
    return info;
}

FILE * openFile(const std::string & path, const char * mode) {
#if defined(_WIN32)
    const std::wstring w = wide(path);
    const std::wstring m = wide(mode);
    if (w.empty() || m.empty()) {
        errno = EINVAL;
        return nullptr;
    }
    return _wfopen(w.c_str(), m.c_str());
#else
    return std::fopen(path.c_str(), mode);
#endif
}

int seekFile(FILE * f, uint64_t offset) {
#if defined(_WIN32)
    return _fseeki64(f, static_cast<__int64>(offset), SEEK_SET);
#else
    return fseeko(f, static_cast<off_t>(offset), SEEK_SET);
#endif
}

int64_t tellFile(FILE * f) {
#if defined(_WIN32)
    return static_cast<int64_t>(_ftelli64(f));
#else
    return static_cast<int64_t>(ftello(f));
#endif
}

int renameFile(const std::string & from, const std::string & to) {
#if defined(_WIN32)
    const std::wstring a = wide(from);
    const std::wstring b = wide(to);
    if (a.empty() || b.empty()) {
        errno = EINVAL;
        return -1;
    }
    if (MoveFileExW(a.c_str(), b.c_str(), MOVEFILE_REPLACE_EXISTING) == 0) {
        errno = GetLastError() == ERROR_ACCESS_DENIED ? EACCES : ENOENT;
        return -1;
    }
    return 0;
#else
    return std::rename(from.c_str(), to.c_str());
#endif
}

int removeFile(const std::string & path) {
#if defined(_WIN32)
    const std::wstring w = wide(path);
    return w.empty() ? -1 : _wremove(w.c_str());
#else
    return std::remove(path.c_str());
#endif
}

std::string parentDir(const std::string & path) {
#if defined(_WIN32)
    const size_t slash = path.find_last_of("/\\");
#else
    const size_t slash = path.find_last_of('/');
#endif
    if (slash == std::string::npos) return ".";
    std::string dir = slash == 0 ? path.substr(0, 1) : path.substr(0, slash);
#if defined(_WIN32)
    if (dir.size() == 2 && dir[1] == ':') dir += '\\';  // "C:" alone is the drive's current folder
#endif
    return dir;
}

#if defined(_WIN32)
int dupStreamSocket(int) {
    errno = ENOTSUP;
    return -1;
}

int64_t sendSome(int, const char *, size_t) {
    errno = ENOTSUP;
    return -1;
}

void closeSocket(int) {}
#else
int dupStreamSocket(int fd) {
    int type = 0;
    socklen_t len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) return -1;  // EBADF, ENOTSOCK
    if (type != SOCK_STREAM) {
        errno = EPROTOTYPE;
        return -1;
    }
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr *>(&peer), &peer_len) != 0) return -1;  // ENOTCONN
    return dup(fd);
}

int64_t sendSome(int fd, const char * data, size_t len) {
#if defined(MSG_NOSIGNAL)
    const int flags = MSG_DONTWAIT | MSG_NOSIGNAL;
#else
    const int flags = MSG_DONTWAIT;  // macOS: Node ignores SIGPIPE
#endif
    for (;;) {
        const ssize_t n = send(fd, data, len, flags);
        if (n >= 0) return static_cast<int64_t>(n);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        return -1;
    }
}

void closeSocket(int fd) {
    if (fd >= 0) close(fd);
}
#endif

}  // namespace persona::port
