// The emulator's internal state, shared by its runtime's parts (emu_runtime.cpp: launches, blocks, warps, cp.async;
// emu_barriers.cpp: mbarriers, named barriers, bulk tensor copies, clusters). Not for kernels, which see emu.h only.
#pragma once
#include "emu.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace emu::detail {

// Thrown into a kernel's threads once its launch has failed, so that they unwind instead of waiting forever.
struct Abort {};

// A barrier wait longer than this means the block's threads wait at different barriers: a kernel bug, reported.
constexpr auto DEADLOCK = std::chrono::seconds(20);
// Yields of a barrier's waiter before it sleeps.
constexpr int SPINS = 64;
constexpr size_t GUARD = 64;
// The most dynamic shared memory a launch may ask for (an sm_90 block's opt-in maximum).
constexpr size_t MAX_DYNAMIC = 227 * 1024;
// The most blocks of a cluster the emulator runs together (a GPU's portable maximum is 8).
constexpr int MAX_CLUSTER = 8;
// Shared::cluster addresses (mapa): a block's own shared address with its rank + 1 in the bits from here up.
constexpr int RANK_SHIFT = 24;
constexpr int GATHER_WORDS = 8;
constexpr unsigned char GUARD_BYTE = 0x5a;

extern std::mutex lock;  // guards every barrier and the launch's failure state
extern std::string failure;
extern bool failed;

// Records the launch's first failure (with `lock` held).
void fail(std::unique_lock<std::mutex>&, const std::string& why);
// Fails the launch from inside a kernel and unwinds the calling thread.
[[noreturn]] void abort_launch(const std::string& why);
// The calling thread and its block, for messages.
std::string where();

// A barrier whose count shrinks as threads leave the kernel (arrive_and_drop), reset for every block.
class Barrier {
 public:
  void reset(int n) {
    expected_ = n;
    arrived_ = 0;
  }

  // Run by the last thread to arrive, before any is released.
  void on_complete(void (*completion)()) { completion_ = completion; }

  // Returns with `held` unlocked when the barrier completed while this thread spun, locked otherwise.
  void arrive_and_wait(std::unique_lock<std::mutex>& held, const char* what) {
    unsigned long long gen = generation_.load(std::memory_order_relaxed);
    if (++arrived_ == expected_) {
      release();
      return;
    }
    // Yield a while outside the lock before sleeping: the block's threads then leave a barrier one by one as they
    // are scheduled, instead of all waking at once and queueing for the lock.
    held.unlock();
    for (int i = 0; i < SPINS; i++) {
      if (generation_.load(std::memory_order_acquire) != gen) return;
      std::this_thread::yield();
    }
    held.lock();
    auto deadline = std::chrono::steady_clock::now() + DEADLOCK;
    while (generation_.load(std::memory_order_relaxed) == gen) {
      if (failed) throw Abort{};
      if (wake_.wait_for(held, std::chrono::milliseconds(50)) == std::cv_status::timeout &&
          std::chrono::steady_clock::now() > deadline) {
        fail(held, std::string("deadlock: threads of block (") + std::to_string(block_idx.x) + "," +
                       std::to_string(block_idx.y) + "," + std::to_string(block_idx.z) + ") wait at different " +
                       what + " barriers");
        throw Abort{};
      }
    }
  }

  void drop() {
    expected_--;
    if (arrived_ > 0 && arrived_ == expected_) release();
  }

 private:
  void release() {
    if (completion_ != nullptr) completion_();
    arrived_ = 0;
    generation_.fetch_add(1, std::memory_order_release);
    wake_.notify_all();
  }

  int expected_ = 0;
  int arrived_ = 0;
  std::atomic<unsigned long long> generation_{0};
  void (*completion_)() = nullptr;
  std::condition_variable wake_;
};

struct Warp {
  Barrier barrier;
  // Two buffers: a shuffle's writes never meet the previous shuffle's reads. Each value carries the number of the
  // lane's shuffle that wrote it, so a read of a lane that did not take part (it left the kernel) shows.
  uint64_t slots[2][32];
  long long written[2][32];
  // The same for gather, which moves several words a lane; it shares the lanes' shuffle count, so that a gather's
  // buffer too is written again only after a barrier that follows every read of it.
  uint32_t words[2][32 * GATHER_WORDS];
  long long gathered[2][32];
};

extern thread_local int linear_tid;  // within its block

// This thread's cp.async copies not yet complete: committed groups, oldest first, then those not yet committed. A copy
// completes at the latest moment PTX allows, the wait_group that covers it; its destination reads as NaN from the
// issue on, so that a read of it before that wait shows, as does a buffer refilled while another thread still reads it.
struct Copy {
  unsigned char* dst;
  const unsigned char* src;
  int src_bytes;
};
extern thread_local std::deque<std::vector<Copy>> copy_groups;
extern thread_local std::vector<Copy> open_copies;
// The copies land: their bytes from the source, zeros past src_bytes.
void complete(const std::vector<Copy>& copies);
// mbarriers (mbarrier.* on a shared address), kept beside shared memory by address and forgotten between blocks. A
// phase completes when `pending` arrivals have come; cp.async.mbarrier.arrive.noinc hands the thread's copies still in
// flight to the barrier as a deferred arrival, whose copies land, and which then counts, only when a thread waits on
// the barrier (the latest moment PTX allows). Guarded by `lock`.
// A row of a bulk tensor copy: `bytes` at dst, the first `valid` of them from src, the rest zero-filled.
struct BulkRow {
  unsigned char* dst;
  const unsigned char* src;
  int bytes;
  int valid;
};
// Bulk tensor copies (tma_load) complete on their barrier the same way, at a wait, taking their bytes off `tx`, the
// transaction bytes that expect_tx announced: a phase completes when both its arrivals and its bytes are in.
struct MBarrier {
  int expected = 0;
  int pending = 0;
  long long tx = 0;
  unsigned long long phase = 0;
  std::deque<std::vector<Copy>> deferred;
  std::deque<std::vector<BulkRow>> bulk;
};

// Named barriers 1-15 (bar.sync / bar.arrive id, count; 0 is __syncthreads): a generation completes when `count`
// threads have arrived, those that sync waiting for it. Forgotten between blocks. Guarded by `lock`.
struct NamedBarrier {
  int count = 0;
  int arrived = 0;
  unsigned long long generation = 0;
};
extern std::condition_variable named_wake;

// One running block's state: its barrier, warps, dynamic shared memory, mbarriers and named barriers. A launch runs
// its clusters one after another, the blocks of a cluster (one, without clusters) together, block r of it on ctas[r].
struct Cta {
  Barrier block_barrier;
  std::unique_ptr<Warp[]> warps;
  // A static of this library, as the kernels' static __shared__ buffers are: shared-space addresses are offsets from
  // it. Every block of a cluster has its own; static __shared__ buffers are one for all, so cluster kernels use none.
  alignas(128) unsigned char memory[MAX_DYNAMIC + GUARD];
  std::map<uint32_t, MBarrier> mbarriers;
  NamedBarrier named[16];
};
extern Cta ctas[MAX_CLUSTER];
extern size_t shared_bytes;
extern int threads_per_block;
extern int cluster_size;
// barrier.cluster: every thread of the running cluster.
extern Barrier cluster_barrier;

extern thread_local Cta* cta;  // the calling thread's block
extern thread_local int cta_rank;

}  // namespace emu::detail
