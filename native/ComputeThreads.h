// The threads that run llama.cpp's token loops.
//
// ggml's CPU backend is built with OpenMP, whose thread team belongs to the thread that
// starts a parallel region. Run from libuv's worker threads, every worker that ever
// generated keeps a team of its own; libgomp counts all of their threads, and once there
// are more than CPUs it stops spinning at barriers ("throttled" spin), which made decoding
// ~35% slower from the second generation of a process on. So generations run here instead:
// one long-lived compute thread serves generations one after another (one OpenMP team, no
// thread start-up per generation), and a generation that starts while another runs gets a
// thread of its own that exits when it is done, freeing its team with it.
#pragma once

#include <functional>

namespace persona {

class ComputeThreads {
  public:
    // Runs `job` on a compute thread and waits for it; an exception it throws is rethrown here.
    static void run(const std::function<void()> & job);
};

}  // namespace persona
