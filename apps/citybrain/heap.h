// How the citybrain command asks the C library's allocator for its memory (main.cc
// calls UseHugePagesForHeap first thing; citybrain-serve, long-running, does not).
//
// On a machine where a page fault is dear (this project's 2-core virtual machine:
// about 11 us for each 4 KiB page touched for the first time, against 0.25 us per
// 4 KiB when the kernel hands out a 2 MiB transparent huge page), a run's first
// touch of its memory costs more than reading its files: a whole jinan_real run
// touched about 3,500 pages (about 40 ms of its 190 ms). UseHugePagesForHeap asks
// for the heap in one block backed by transparent huge pages where the kernel
// offers them (THP "madvise" or "always"); elsewhere it changes nothing but how
// glibc grows and trims its heap. Results never depend on it (no result depends on
// where memory lies).
//
// Call once, first thing in main, before threads start. It sets, for the life of
// the process: allocations under 32 MiB come from the heap, not from mmap of their
// own; the heap grows in steps of 64 MiB of address space (memory is only used
// when touched, in 2 MiB pages where granted); freed memory is kept for reuse, not
// returned to the system. The resident size grows by up to a few MiB (whole 2 MiB
// pages); heap growth beyond the first 64 MiB is in ordinary pages.
#pragma once

namespace cb::app {

void UseHugePagesForHeap();

}  // namespace cb::app
