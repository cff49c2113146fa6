// ReusedBuffer: a zeroed buffer of an exact size that goes back to a process-wide free list when
// released, for the big per-run allocations of the port driver (the uncached extension: about
// 400 KB for msirig's miniport). A fresh one every run came from the allocator's mmap path:
// hundreds of page faults, a memset and a munmap per execution, a quarter of the time of a short
// scenario under ASan. Reused, it costs one memset.
//
// Nothing a run can observe changes: the buffer has the exact size asked for (ASan's redzones
// and its bounds stay where they were), it is zero when handed out, as a new one was, and
// physical addresses come from PhysicalMemory's mapping order, never from host addresses. While
// a buffer waits on the free list, ASan keeps it poisoned, so a stale pointer kept from an
// earlier run (a miniport global) is still reported when it is used.
#ifndef MSIRIG_STORPORT_SRC_REUSED_BUFFER_H_
#define MSIRIG_STORPORT_SRC_REUSED_BUFFER_H_

#include <cstddef>
#include <cstdint>

namespace msirig::sp {

class ReusedBuffer {
 public:
  ReusedBuffer() = default;
  // A zeroed buffer of `bytes` bytes (> 0), from the free list when one of that size waits there.
  static ReusedBuffer Zeroed(size_t bytes);
  ~ReusedBuffer() { Release(); }
  ReusedBuffer(ReusedBuffer&& other) noexcept : data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
    other.size_ = 0;
  }
  ReusedBuffer& operator=(ReusedBuffer&& other) noexcept;
  ReusedBuffer(const ReusedBuffer&) = delete;
  ReusedBuffer& operator=(const ReusedBuffer&) = delete;

  uint8_t* get() const { return data_; }
  size_t size() const { return size_; }
  explicit operator bool() const { return data_ != nullptr; }
  bool operator==(std::nullptr_t) const { return data_ == nullptr; }
  bool operator!=(std::nullptr_t) const { return data_ != nullptr; }

 private:
  // Back to the free list (or freed, when the list for that size is full).
  void Release();

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace msirig::sp

#endif  // MSIRIG_STORPORT_SRC_REUSED_BUFFER_H_
