// AddressSanitizer poisoning for memory the port keeps after the miniport is done with it
// (retired SRBs and their buffers, freed pool): any later touch is a use-after-poison report,
// and since the memory is never handed out again within a run, a late or double completion is
// reported the same way in every build. The guard after each pool block is poisoned the same
// way, so an overrun of a pool block is a use-after-poison report too. No-ops where ASan is off.
#ifndef MSIRIG_STORPORT_SRC_ASAN_POISON_H_
#define MSIRIG_STORPORT_SRC_ASAN_POISON_H_

#include <cstddef>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MSIRIG_ASAN_BUILD 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(MSIRIG_ASAN_BUILD)
#define MSIRIG_ASAN_BUILD 1
#endif

#ifdef MSIRIG_ASAN_BUILD
#include <sanitizer/asan_interface.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#endif

namespace msirig::sp {

inline void PoisonRetired([[maybe_unused]] const void* address, [[maybe_unused]] size_t bytes) {
#ifdef MSIRIG_ASAN_BUILD
  if (address != nullptr && bytes > 0) ASAN_POISON_MEMORY_REGION(address, bytes);
#endif
}

// The guard after a pool block (PortState::kPoolGuardBytes): poisoned the same way, for as long
// as the block exists.
inline void PoisonGuard(const void* address, size_t bytes) { PoisonRetired(address, bytes); }

// A retired buffer this large or larger gives its whole pages back (ReleaseRetiredPages).
inline constexpr size_t kRetiredReleaseBytes = 64 * 1024;

// Gives the whole pages of a retired buffer of at least kRetiredReleaseBytes back to the OS
// (madvise MADV_DONTNEED) while it keeps its address and its poison: a touch is still a
// use-after-poison report (ASan checks the shadow before the access), but a run's memory no
// longer grows with the bytes of the requests it has retired, only with their number (a few
// hundred 256 KiB reads held about 100 MB: bench/RESULTS.md, stop 17). The pages read as zeros
// if the allocator hands them out again after the run. ASan builds only: elsewhere nothing
// reports a touch, and a stale read keeps seeing the old contents.
inline void ReleaseRetiredPages([[maybe_unused]] const void* address,
                                [[maybe_unused]] size_t bytes) {
#ifdef MSIRIG_ASAN_BUILD
  if (address == nullptr || bytes < kRetiredReleaseBytes) return;
  const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto start = reinterpret_cast<uintptr_t>(address);
  const uintptr_t begin = (start + page - 1) / page * page;
  const uintptr_t end = (start + bytes) / page * page;
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
#endif
}

inline void UnpoisonRetired([[maybe_unused]] const void* address, [[maybe_unused]] size_t bytes) {
#ifdef MSIRIG_ASAN_BUILD
  if (address != nullptr && bytes > 0) ASAN_UNPOISON_MEMORY_REGION(address, bytes);
#endif
}

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SRC_ASAN_POISON_H_
