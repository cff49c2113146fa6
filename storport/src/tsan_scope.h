// ThreadSanitizer hooks for the rig's own code, which TSan builds compile uninstrumented
// (cmake/MsirigOptions.cmake). TsanIgnoreScope hides the copies the rig makes of memory the
// miniport also touches (device DMA, request buffers handed out and taken back): the interceptors
// of memcpy would otherwise charge them to whichever virtual CPU happens to be current.
#ifndef MSIRIG_STORPORT_SRC_TSAN_SCOPE_H_
#define MSIRIG_STORPORT_SRC_TSAN_SCOPE_H_

#ifndef MSIRIG_TSAN_BUILD
#define MSIRIG_TSAN_BUILD 0
#endif

#if MSIRIG_TSAN_BUILD
#include <sanitizer/tsan_interface.h>
extern "C" {
void AnnotateIgnoreReadsBegin(const char* file, int line);
void AnnotateIgnoreReadsEnd(const char* file, int line);
void AnnotateIgnoreWritesBegin(const char* file, int line);
void AnnotateIgnoreWritesEnd(const char* file, int line);
}
#endif

namespace msirig::sp {

class [[maybe_unused]] TsanIgnoreScope {
 public:
#if MSIRIG_TSAN_BUILD
  TsanIgnoreScope() {
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
  }
  ~TsanIgnoreScope() {
    AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
  }
#else
  TsanIgnoreScope() = default;
#endif
  TsanIgnoreScope(const TsanIgnoreScope&) = delete;
  TsanIgnoreScope& operator=(const TsanIgnoreScope&) = delete;
};

// Opens TSan's view for the miniport's own code: the port calls this right before a miniport
// callback and TsanHideAgain right after, when the executor runs the rig inside ignore scopes
// (PortOptions::tsan_sees_only_miniport).
inline void TsanShowMiniport() {
#if MSIRIG_TSAN_BUILD
  AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
  AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
#endif
}
inline void TsanHideAgain() {
#if MSIRIG_TSAN_BUILD
  AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
  AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
#endif
}

// Happens-before edges that Storport itself provides (its PnP and I/O machinery), for TSan.
inline void TsanRelease([[maybe_unused]] void* sync) {
#if MSIRIG_TSAN_BUILD
  __tsan_release(sync);
#endif
}
inline void TsanAcquire([[maybe_unused]] void* sync) {
#if MSIRIG_TSAN_BUILD
  __tsan_acquire(sync);
#endif
}

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SRC_TSAN_SCOPE_H_
