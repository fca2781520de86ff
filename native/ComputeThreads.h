// The threads that run llama.cpp's token loops.
//
// ggml's CPU backend is built with OpenMP, whose thread team belongs to the thread that
// starts a parallel region. Run from libuv's worker threads, every worker that ever
// generated keeps a team of its own; libgomp counts all of their threads, and once there
// are more than CPUs it stops spinning at barriers ("throttled" spin), which made decoding
// ~35% slower from the second generation of a process on. So token loops run here instead:
// one long-lived compute thread serves them one after another (one OpenMP team, no thread
// start-up per loop), and a loop that starts while another runs gets a thread of its own that
// exits when it is done, freeing its team with it (or, where no thread can be started, waits its
// turn on the kept one).
//
// start() hands the job over and returns at once: the caller (the JavaScript thread) wakes
// the compute thread directly, with no libuv pool thread in between to wait for it.
#pragma once

#include <functional>

namespace persona {

class ComputeThreads {
  public:
    // Runs `job` on a compute thread and returns without waiting for it. `job` must not throw
    // (an exception escaping it is swallowed: the engine's loop catches per request). The job is
    // destroyed on the compute thread as soon as it returns, so what it captures is let go then.
    static void start(std::function<void()> job);
};

}  // namespace persona
