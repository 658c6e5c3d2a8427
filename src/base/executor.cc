#include "base/executor.h"

namespace cb {

Executor::Executor(int threads) : threads_(threads < 1 ? 1 : threads) {
  for (int w = 1; w < threads_; ++w) workers_.emplace_back([this, w] { WorkerLoop(w); });
}

Executor::~Executor() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  start_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void Executor::ParallelFor(std::size_t n, BlockFn fn) {
  if (n == 0) return;
  if (threads_ == 1 || n < 64) {
    fn(0, n);
    return;
  }
  even_cuts_.resize(threads_ + 1);
  for (int w = 0; w <= threads_; ++w) even_cuts_[w] = n * w / threads_;
  ParallelForBlocks(even_cuts_, fn);
}

void Executor::ParallelForBlocks(const std::vector<std::size_t>& cuts, BlockFn fn) {
  if (threads_ == 1) {
    if (cuts.front() < cuts.back()) fn(cuts.front(), cuts.back());
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    cuts_ = cuts;
    pending_ = threads_ - 1;
    ++generation_;
  }
  start_cv_.notify_all();
  // The calling thread takes block 0.
  if (cuts[0] < cuts[1]) fn(cuts[0], cuts[1]);
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [this] { return pending_ == 0; });
  job_ = nullptr;
}

void Executor::WorkerLoop(int worker) {
  unsigned long seen = 0;
  for (;;) {
    const BlockFn* job;
    std::size_t begin, end;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      start_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      job = job_;
      begin = cuts_[worker];
      end = cuts_[worker + 1];
    }
    if (begin < end) (*job)(begin, end);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }
}

}  // namespace cb
