// In-process ranks for tests (cb::Ranks, base/ranks.h): `size` ranks, one per
// thread, meeting in a shared hub, so the brain's MPI protocol is tested without
// an MPI launcher. Collectives block until every rank has made the same call.
#pragma once

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "base/ranks.h"

namespace cb::testing {

class ThreadRanksHub {
 public:
  explicit ThreadRanksHub(int size) : size_(size), slots_(static_cast<std::size_t>(size)) {}

  void Broadcast(int rank, std::string& bytes, long long& seen) {
    std::unique_lock lock(mutex_);
    if (rank == 0) {
      // The previous message must have been read by every rank first.
      changed_.wait(lock, [&] { return readers_ == 0; });
      message_ = bytes;
      ++broadcasts_;
      readers_ = size_ - 1;
    } else {
      changed_.wait(lock, [&] { return broadcasts_ > seen; });
      bytes = message_;
      --readers_;
    }
    seen = broadcasts_;
    changed_.notify_all();
  }

  void Gather(int rank, const std::string& mine, std::vector<std::string>& all, long long& seen) {
    std::unique_lock lock(mutex_);
    slots_[static_cast<std::size_t>(rank)] = mine;
    ++arrived_;
    changed_.notify_all();
    if (rank == 0) {
      changed_.wait(lock, [&] { return arrived_ == size_; });
      all = slots_;
      arrived_ = 0;
      ++gathers_;
      changed_.notify_all();
    } else {
      changed_.wait(lock, [&] { return gathers_ > seen; });
    }
    seen = gathers_;
  }

  int size() const { return size_; }

 private:
  const int size_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string message_;
  long long broadcasts_ = 0;
  int readers_ = 0;
  std::vector<std::string> slots_;
  int arrived_ = 0;
  long long gathers_ = 0;
};

class ThreadRanks final : public Ranks {
 public:
  ThreadRanks(ThreadRanksHub& hub, int rank) : hub_(hub), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return hub_.size(); }
  void Broadcast(std::string& bytes) override { hub_.Broadcast(rank_, bytes, broadcasts_seen_); }
  void Gather(const std::string& mine, std::vector<std::string>& all) override {
    hub_.Gather(rank_, mine, all, gathers_seen_);
  }
  [[noreturn]] void Abort(int code) override {
    ADD_FAILURE() << "rank " << rank_ << " aborted the run with code " << code;
    std::abort();
  }

 private:
  ThreadRanksHub& hub_;
  const int rank_;
  long long broadcasts_seen_ = 0, gathers_seen_ = 0;
};

}  // namespace cb::testing
