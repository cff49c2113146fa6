// ReusedBuffer (see reused_buffer.h).
#include "reused_buffer.h"

#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

#include "asan_poison.h"

namespace msirig::sp {
namespace {

// A few per size are enough: one port, with one or two adapters, exists at a time.
constexpr size_t kKeptPerSize = 4;

#if defined(MSIRIG_TSAN_BUILD) && MSIRIG_TSAN_BUILD
constexpr bool kTsanBuild = true;
#else
constexpr bool kTsanBuild = false;
#endif

struct FreeList {
  std::mutex mutex;
  std::vector<std::pair<size_t, uint8_t*>> buffers;  // (size, buffer), poisoned under ASan
};

FreeList& Free() {
  // Never destroyed, so a port that outlives static destruction can still give its buffer back;
  // what it holds stays reachable from here, which LeakSanitizer does not report.
  static FreeList* const list = new FreeList;
  return *list;
}

}  // namespace

ReusedBuffer ReusedBuffer::Zeroed(size_t bytes) {
  ReusedBuffer result;
  result.size_ = bytes;
  // Under ThreadSanitizer nothing is reused: a new allocation starts with no access history,
  // where a reused buffer would carry the last run's fibers' accesses into this run.
  if (!kTsanBuild) {
    FreeList& list = Free();
    std::lock_guard<std::mutex> hold(list.mutex);
    for (auto it = list.buffers.begin(); it != list.buffers.end(); ++it) {
      if (it->first != bytes) continue;
      result.data_ = it->second;
      list.buffers.erase(it);
      break;
    }
  }
  if (result.data_ == nullptr) {
    result.data_ = new uint8_t[bytes]();
  } else {
    UnpoisonRetired(result.data_, bytes);
    std::memset(result.data_, 0, bytes);
  }
  return result;
}

ReusedBuffer& ReusedBuffer::operator=(ReusedBuffer&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void ReusedBuffer::Release() {
  if (data_ == nullptr) return;
  uint8_t* buffer = std::exchange(data_, nullptr);
  const size_t size = std::exchange(size_, 0);
  FreeList& list = Free();
  if (!kTsanBuild) {
    std::lock_guard<std::mutex> hold(list.mutex);
    size_t same = 0;
    for (const auto& entry : list.buffers) same += entry.first == size;
    if (same < kKeptPerSize) {
      PoisonRetired(buffer, size);
      list.buffers.emplace_back(size, buffer);
      return;
    }
  }
  delete[] buffer;
}

}  // namespace msirig::sp
