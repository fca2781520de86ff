// ComputeThreads: one kept compute thread, and short-lived ones for overlapping jobs (see the header).
#include "ComputeThreads.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

namespace persona {
namespace {

void runQuietly(std::function<void()> & job) {
    try {
        job();
    } catch (...) {
        // the engine's loop catches per request; nothing is left to tell here
    }
    job = nullptr;  // let go of what the job captured (the model) on this thread, now
}

// The kept compute thread: runs the jobs handed to it, one at a time, for the life of the
// process (never freed: a thread still waiting at exit is harmless).
class KeptThread {
  public:
    KeptThread() : thread_([this] { loop(); }) { thread_.detach(); }

    // Hands `job` over if the thread is idle; false when it is busy.
    bool offer(std::function<void()> & job) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (busy_) return false;
        busy_ = true;
        job_ = std::move(job);
        cv_.notify_one();
        return true;
    }

  private:
    void loop() {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            cv_.wait(lock, [this] { return static_cast<bool>(job_); });
            std::function<void()> job = std::move(job_);
            job_ = nullptr;
            lock.unlock();
            runQuietly(job);
            lock.lock();
            busy_ = false;
        }
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    std::function<void()> job_;
    bool busy_ = false;
    std::thread thread_;  // last: starts after the members it uses
};

}  // namespace

void ComputeThreads::start(std::function<void()> job) {
    static KeptThread * kept = new KeptThread();  // constructed once, thread-safely
    if (kept->offer(job)) return;
    // A second concurrent loop (another model's): a thread of its own, whose exit frees its team.
    std::thread([job = std::move(job)]() mutable { runQuietly(job); }).detach();
}

}  // namespace persona
