// ComputeThreads: one kept compute thread, and short-lived ones for overlapping jobs (see the header).
#include "ComputeThreads.h"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <system_error>
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

    // Hands `job` over if the thread is idle, or whatever it is doing when `queue` (it then
    // runs after the jobs before it); false when it is busy and `queue` is false.
    bool offer(std::function<void()> & job, bool queue) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (busy_ && !queue) return false;
        busy_ = true;
        jobs_.push_back(std::move(job));
        cv_.notify_one();
        return true;
    }

  private:
    void loop() {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            cv_.wait(lock, [this] { return !jobs_.empty(); });
            std::function<void()> job = std::move(jobs_.front());
            jobs_.pop_front();
            lock.unlock();
            runQuietly(job);
            lock.lock();
            busy_ = !jobs_.empty();
        }
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    bool busy_ = false;
    std::thread thread_;  // last: starts after the members it uses
};

}  // namespace

void ComputeThreads::start(std::function<void()> job) {
    static KeptThread * kept = new KeptThread();  // constructed once, thread-safely
    if (kept->offer(job, false)) return;
    // A second concurrent loop (another model's): a thread of its own, whose exit frees its team.
    auto shared = std::make_shared<std::function<void()>>(std::move(job));
    try {
        std::thread([shared] { runQuietly(*shared); }).detach();
    } catch (const std::system_error &) {
        // No thread to be had (the system's limit): the job waits its turn on the kept thread,
        // rather than leave its engine believing a loop runs.
        kept->offer(*shared, true);
    }
}

}  // namespace persona
