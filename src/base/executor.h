// Executor: runs data-parallel loops on a fixed set of worker threads.
//
// The caller owns the executor and hands it to whatever needs parallel work (the
// simulation step), so thread count is a run setting, never a global. ParallelFor
// splits [0, n) into one contiguous block per thread and returns when all blocks
// are done. Results must not depend on the split: callers write only to disjoint
// per-item outputs. Not re-entrant: one ParallelFor at a time.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cb {

class Executor {
 public:
  // `threads` <= 1 runs everything on the calling thread.
  explicit Executor(int threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  int threads() const { return threads_; }

  // Calls fn(begin, end) on disjoint blocks covering [0, n).
  void ParallelFor(std::size_t n, const std::function<void(std::size_t, std::size_t)>& fn);
  // Same, with the blocks given: worker w runs [cuts[w], cuts[w + 1]).
  // Precondition: cuts.size() == threads() + 1, non-decreasing.
  void ParallelForBlocks(const std::vector<std::size_t>& cuts,
                         const std::function<void(std::size_t, std::size_t)>& fn);

 private:
  void WorkerLoop(int worker);

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  const std::function<void(std::size_t, std::size_t)>* job_ = nullptr;
  std::vector<std::size_t> cuts_;
  unsigned long generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
};

}  // namespace cb
