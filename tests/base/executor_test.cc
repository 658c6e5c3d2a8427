#include "base/executor.h"

#include <gtest/gtest.h>

#include <vector>

namespace cb {
namespace {

TEST(Executor, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 3, 8}) {
    Executor executor(threads);
    for (std::size_t n : {0u, 1u, 63u, 64u, 1000u, 4097u}) {
      std::vector<int> hits(n, 0);
      executor.ParallelFor(n, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) ++hits[i];
      });
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_EQ(hits[i], 1) << "threads " << threads << " n " << n << " i " << i;
    }
  }
}

TEST(Executor, RunsManyRoundsWithoutDeadlock) {
  Executor executor(2);
  std::vector<long> sums(1000, 0);
  for (int round = 0; round < 2000; ++round) {
    executor.ParallelFor(sums.size(), [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) sums[i] += static_cast<long>(i);
    });
  }
  EXPECT_EQ(sums[999], 999L * 2000);
}

}  // namespace
}  // namespace cb
