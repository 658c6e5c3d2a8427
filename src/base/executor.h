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
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace cb {

// A non-owning reference to a callable `void(std::size_t begin, std::size_t end)`:
// unlike std::function it never allocates, so the simulation step can hand
// lambdas to the executor without touching the heap. The callable must outlive
// the call it is passed to (a lambda written in the call's argument list does).
class BlockFn {
 public:
  template <class F>
  requires(!std::is_same_v<std::decay_t<F>, BlockFn>) BlockFn(F&& fn)  // NOLINT: implicit by design
      : object_(const_cast<void*>(static_cast<const void*>(&fn))),
        call_([](void* object, std::size_t begin, std::size_t end) {
          (*static_cast<std::remove_reference_t<F>*>(object))(begin, end);
        }) {}
  void operator()(std::size_t begin, std::size_t end) const { call_(object_, begin, end); }

 private:
  void* object_;
  void (*call_)(void*, std::size_t, std::size_t);
};

class Executor {
 public:
  // `threads` <= 1 runs everything on the calling thread.
  explicit Executor(int threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  int threads() const { return threads_; }

  // Calls fn(begin, end) on disjoint blocks covering [0, n).
  void ParallelFor(std::size_t n, BlockFn fn);
  // Same, with the blocks given: worker w runs [cuts[w], cuts[w + 1]).
  // Precondition: cuts.size() == threads() + 1, non-decreasing.
  void ParallelForBlocks(const std::vector<std::size_t>& cuts, BlockFn fn);

 private:
  void WorkerLoop(int worker);

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  const BlockFn* job_ = nullptr;
  std::vector<std::size_t> cuts_;       // the blocks of the job under way
  std::vector<std::size_t> even_cuts_;  // ParallelFor's blocks, reused between calls
  unsigned long generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
};

}  // namespace cb
