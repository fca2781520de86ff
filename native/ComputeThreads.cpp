#include "ComputeThreads.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace persona {
namespace {

// One compute thread: runs the jobs handed to it, one at a time, until told to exit.
class Worker {
  public:
    Worker() : thread_([this] { loop(); }) {}

    // Runs `job` on this worker's thread and waits for it.
    void run(const std::function<void()> & job) {
        std::unique_lock<std::mutex> lock(mutex_);
        job_ = &job;
        failure_ = nullptr;
        cv_.notify_all();
        cv_.wait(lock, [this] { return job_ == nullptr; });
        if (failure_) std::rethrow_exception(failure_);
    }

    // Ends the thread (after its current job) and waits for it.
    void stop() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            exit_ = true;
            cv_.notify_all();
        }
        thread_.join();
    }

  private:
    void loop() {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            cv_.wait(lock, [this] { return job_ != nullptr || exit_; });
            if (job_ == nullptr) return;  // exit_ and nothing to do
            const std::function<void()> * job = job_;
            lock.unlock();
            std::exception_ptr failure;
            try {
                (*job)();
            } catch (...) {
                failure = std::current_exception();
            }
            lock.lock();
            failure_ = failure;
            job_ = nullptr;
            cv_.notify_all();
        }
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    const std::function<void()> * job_ = nullptr;
    std::exception_ptr failure_;
    bool exit_ = false;
    std::thread thread_;  // last: starts after the members it uses
};

std::mutex g_mutex;
Worker * g_idle = nullptr;  // the kept compute thread when it has nothing to do (never freed: lives for the process)

}  // namespace

void ComputeThreads::run(const std::function<void()> & job) {
    Worker * worker = nullptr;
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        worker = g_idle;
        g_idle = nullptr;
    }
    if (worker == nullptr) worker = new Worker();
    std::exception_ptr failure;
    try {
        worker->run(job);
    } catch (...) {
        failure = std::current_exception();
    }
    bool keep = false;
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        if (g_idle == nullptr) {
            g_idle = worker;
            keep = true;
        }
    }
    if (!keep) {
        worker->stop();  // a second concurrent thread: exiting frees its OpenMP team
        delete worker;
    }
    if (failure) std::rethrow_exception(failure);
}

}  // namespace persona
