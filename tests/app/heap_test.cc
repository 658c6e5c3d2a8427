// Tests of UseHugePagesForHeap (apps/citybrain/heap.h): after it, blocks up to
// 32 MiB come from the heap proper (not from mmap of their own), and, where the
// kernel offers transparent huge pages, the heap where they land may take them.
#include "heap.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace cb::app {
namespace {

struct Mapping {
  bool found = false;
  std::string name;       // "[heap]", a file, or "" (anonymous)
  int thp_eligible = -1;  // -1: the kernel does not say
};

// The mapping of /proc/self/smaps holding `address`.
Mapping MappingOf(const void* address) {
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  Mapping m;
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    std::uintptr_t from = 0, to = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> from >> dash >> to && dash == '-') {
      if (inside) break;
      inside = from <= at && at < to;
      if (inside) {
        m.found = true;
        const std::size_t bracket = line.find('[');
        m.name = bracket == std::string::npos ? "" : line.substr(bracket);
      }
      continue;
    }
    if (inside && line.rfind("THPeligible:", 0) == 0) m.thp_eligible = std::atoi(line.c_str() + 12);
  }
  return m;
}

bool KernelOffersHugePages() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  std::getline(f, modes);
  return modes.find("[always]") != std::string::npos || modes.find("[madvise]") != std::string::npos;
}

// One test, alone in its binary (heap_tests): UseHugePagesForHeap is meant for a
// fresh process, first thing in main.
TEST(Heap, LargeBlocksComeFromTheHeapAndMayTakeHugePages) {
  constexpr std::size_t kSize = std::size_t{8} << 20;
  // Before: glibc's default maps a block this large on its own (the contrast that
  // makes the checks below mean something).
  {
    std::unique_ptr<char, decltype(&std::free)> block(static_cast<char*>(std::malloc(kSize)), &std::free);
    ASSERT_NE(block, nullptr);
    const Mapping m = MappingOf(block.get() + kSize / 2);
    ASSERT_TRUE(m.found);
    ASSERT_NE(m.name, "[heap]");
  }
  UseHugePagesForHeap();
  std::unique_ptr<char, decltype(&std::free)> block(static_cast<char*>(std::malloc(kSize)), &std::free);
  ASSERT_NE(block, nullptr);
  std::memset(block.get(), 1, kSize);
  const Mapping m = MappingOf(block.get() + kSize / 2);
  ASSERT_TRUE(m.found);
  EXPECT_EQ(m.name, "[heap]");
  if (!KernelOffersHugePages() || m.thp_eligible < 0) GTEST_SKIP() << "no transparent huge pages here";
  EXPECT_EQ(m.thp_eligible, 1);
}

}  // namespace
}  // namespace cb::app
