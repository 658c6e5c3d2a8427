#include "heap.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace cb::app {
namespace {

// The spacer below, held for the life of the process (volatile: the store must stay,
// or the compiler may drop an allocation nobody reads).
void* volatile g_heap_spacer = nullptr;

}  // namespace

void UseHugePagesForHeap() {
  constexpr std::size_t kHugePage = std::size_t{2} << 20;
  constexpr std::size_t kGrowth = std::size_t{64} << 20;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest: big buffers too come from the heap
  mallopt(M_TRIM_THRESHOLD, 1 << 30);   // keep what was freed
  mallopt(M_TOP_PAD, static_cast<int>(kGrowth));
  // The next growth of the heap reserves kGrowth more than asked: force it now with a
  // block larger than what is left at the top.
  constexpr std::size_t kProbe = std::size_t{1} << 20;
  void* probe = std::malloc(kProbe);
  if (probe == nullptr) return;
  const auto begin = reinterpret_cast<std::uintptr_t>(probe);
  const auto end = reinterpret_cast<std::uintptr_t>(sbrk(0));
  std::free(probe);
  // Only when the block came from the heap proper (sbrk), as glibc does unless brk fails.
  if (end <= begin || end - begin < kGrowth / 2 || end - begin > 2 * kGrowth) return;
  // A 2 MiB page is granted only where no small page was touched in its 2 MiB, and
  // glibc wrote a header just past the probe: the huge pages start after it.
  const std::uintptr_t first = (begin + kProbe + 64 + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t last = end & ~(kHugePage - 1);
  if (last <= first) return;
  // A spacer keeps later blocks out of the small pages below `first` (address space
  // only: its pages are never touched, and it is never freed).
  g_heap_spacer = std::malloc(first - begin - 64);
  // Where the kernel has no transparent huge pages this fails, and nothing changes.
  madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

}  // namespace cb::app
