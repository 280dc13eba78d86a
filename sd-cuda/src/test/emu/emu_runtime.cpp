// The emulator's launch machinery (see emu.h for what it models): the kernel registry, one host thread per CUDA thread
// of a block, block and warp barriers, shuffles and other warp-collective operations (mma, ldmatrix), shared memory and
// its 32-bit addresses, cp.async, and the C entry points the tests call. The wgmma model is in emu_wgmma.cpp.
#include "emu.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace emu {

thread_local uint3 thread_idx;
thread_local uint3 block_idx;
dim3 block_dim;
dim3 grid_dim;

namespace {

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
constexpr int MAX_CLUSTER = 4;
// Shared::cluster addresses (mapa): a block's own shared address with its rank + 1 in the bits from here up.
constexpr int RANK_SHIFT = 24;
constexpr int GATHER_WORDS = 8;
constexpr unsigned char GUARD_BYTE = 0x5a;

struct Kernel {
  Trampoline call;
  std::string signature;
};

std::map<std::string, Kernel>& registry() {
  static std::map<std::string, Kernel> kernels;
  return kernels;
}

std::mutex lock;  // guards every barrier and the launch's failure state
std::string failure;
bool failed = false;
std::mutex launches;  // one launch at a time: __shared__ statics and the globals above belong to it
std::string last_error;

void fail(std::unique_lock<std::mutex>&, const std::string& why) {
  if (!failed) {
    failed = true;
    failure = why;
  }
}

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

thread_local int linear_tid;  // within its block
thread_local long long shuffles;  // this thread's shuffles in the current block

// This thread's cp.async copies not yet complete: committed groups, oldest first, then those not yet committed. A copy
// completes at the latest moment PTX allows, the wait_group that covers it; its destination reads as NaN from the
// issue on, so that a read of it before that wait shows, as does a buffer refilled while another thread still reads it.
struct Copy {
  unsigned char* dst;
  const unsigned char* src;
  int src_bytes;
};
thread_local std::deque<std::vector<Copy>> copy_groups;
thread_local std::vector<Copy> open_copies;

void complete(const std::vector<Copy>& copies) {
  for (const Copy& c : copies) {
    std::memcpy(c.dst, c.src, (size_t)c.src_bytes);
    std::memset(c.dst + c.src_bytes, 0, 16 - (size_t)c.src_bytes);
  }
}

// What a thread leaves in flight when its block's kernel returns lands before the next block starts.
void complete_all_copies() {
  while (!copy_groups.empty()) {
    complete(copy_groups.front());
    copy_groups.pop_front();
  }
  complete(open_copies);
  open_copies.clear();
}

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
std::condition_variable named_wake;

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
Cta ctas[MAX_CLUSTER];
size_t shared_bytes = 0;
int threads_per_block = 0;
int cluster_size = 1;
// The end of a cluster's blocks (every thread of the cluster), and barrier.cluster.
Barrier cluster_end;
Barrier cluster_barrier;

thread_local Cta* cta;  // the calling thread's block
thread_local int cta_rank;

// Fails the launch from inside a kernel and unwinds the calling thread.
[[noreturn]] void abort_launch(const std::string& why) {
  std::unique_lock<std::mutex> held(lock);
  fail(held, why);
  throw Abort{};
}

std::string where() {
  return "thread " + std::to_string(linear_tid) + " of block (" + std::to_string(block_idx.x) + "," +
         std::to_string(block_idx.y) + "," + std::to_string(block_idx.z) + ")";
}

int block_threads() { return (int)(block_dim.x * block_dim.y * block_dim.z); }

std::string block_name(uint3 b) {
  return "block (" + std::to_string(b.x) + "," + std::to_string(b.y) + "," + std::to_string(b.z) + ")";
}

// Between clusters (every thread waits at cluster_end): everyone counts again, shared memory reads as NaN until
// written.
void prepare_cta(Cta& c) {
  c.block_barrier.reset(threads_per_block);
  int nwarps = (threads_per_block + 31) / 32;
  for (int w = 0; w < nwarps; w++) {
    int lanes = std::min(32, threads_per_block - 32 * w);
    c.warps[w].barrier.reset(lanes);
    for (int l = 0; l < 32; l++) {
      c.warps[w].written[0][l] = c.warps[w].written[1][l] = -1;
      c.warps[w].gathered[0][l] = c.warps[w].gathered[1][l] = -1;
    }
  }
  std::memset(c.memory, 0xff, shared_bytes);
  c.mbarriers.clear();
  for (NamedBarrier& b : c.named) b = NamedBarrier{};
}

void prepare_cluster() {
  for (int r = 0; r < cluster_size; r++) prepare_cta(ctas[r]);
  cluster_barrier.reset(cluster_size * threads_per_block);
}

bool guard_intact(const Cta& c) {
  for (size_t i = 0; i < GUARD; i++) {
    if (c.memory[shared_bytes + i] != GUARD_BYTE) return false;
  }
  return true;
}

// The blocks of the cluster that just finished, by rank (set by their threads).
uint3 finished[MAX_CLUSTER];

// cluster_end's completion: each block just finished stayed inside its dynamic shared memory and left no named
// barrier half-arrived, and the next cluster starts afresh.
void between_clusters() {
  for (int r = 0; r < cluster_size; r++) {
    const Cta& c = ctas[r];
    for (int id = 1; id < 16; id++) {
      if (c.named[id].arrived != 0 && !failed) {
        failed = true;
        failure = block_name(finished[r]) + " ended with " + std::to_string(c.named[id].arrived) + " of " +
                  std::to_string(c.named[id].count) + " threads arrived at named barrier " + std::to_string(id);
      }
    }
    if (!guard_intact(c)) {
      failed = true;
      failure = block_name(finished[r]) + " wrote past its dynamic shared memory";
    }
  }
  prepare_cluster();
}

// Thread `tid` of the launch: thread tid % threads_per_block of block tid / threads_per_block of each cluster in turn
// (clusters of cluster_size blocks along x; a launch without clusters has clusters of one).
void run_thread(Trampoline call, void** args, int tid, long long clusters) {
  cta_rank = tid / threads_per_block;
  cta = &ctas[cta_rank];
  linear_tid = tid % threads_per_block;
  thread_idx = uint3{(unsigned)(linear_tid % block_dim.x), (unsigned)(linear_tid / block_dim.x % block_dim.y),
                     (unsigned)(linear_tid / (block_dim.x * block_dim.y))};
  const long long across = grid_dim.x / cluster_size;
  try {
    for (long long c = 0; c < clusters; c++) {
      block_idx = uint3{(unsigned)(c % across * cluster_size + cta_rank), (unsigned)(c / across % grid_dim.y),
                        (unsigned)(c / (across * grid_dim.y))};
      finished[cta_rank] = block_idx;
      shuffles = 0;
      try {
        call(args);
        complete_all_copies();
        wgmma_block_end();
      } catch (Abort&) {
        throw;
      } catch (std::exception& e) {
        std::unique_lock<std::mutex> held(lock);
        fail(held, std::string("exception in kernel: ") + e.what());
        throw Abort{};
      }
      std::unique_lock<std::mutex> held(lock);
      cta->block_barrier.drop();
      cta->warps[linear_tid / 32].barrier.drop();
      cluster_end.arrive_and_wait(held, "end-of-block");
    }
  } catch (Abort&) {
    // The failure is recorded; this thread just stops.
  }
}

}  // namespace

Registration::Registration(const char* name, Trampoline call, const char* signature) {
  registry()[name] = Kernel{call, signature};
}

void sync_block() {
  std::unique_lock<std::mutex> held(lock);
  cta->block_barrier.arrive_and_wait(held, "__syncthreads");
}

void sync_warp() {
  std::unique_lock<std::mutex> held(lock);
  cta->warps[linear_tid / 32].barrier.arrive_and_wait(held, "__syncwarp");
}

uint64_t exchange(uint64_t mine, int lane) {
  Warp& w = cta->warps[linear_tid / 32];
  long long seq = shuffles++;
  int slot = (int)(seq & 1);
  w.slots[slot][linear_tid % 32] = mine;
  w.written[slot][linear_tid % 32] = seq;
  {
    std::unique_lock<std::mutex> held(lock);
    w.barrier.arrive_and_wait(held, "warp shuffle");
    if (w.written[slot][lane] != seq) {
      if (!held.owns_lock()) held.lock();
      fail(held, "lane " + std::to_string(linear_tid % 32) + " of warp " + std::to_string(linear_tid / 32) +
                     " shuffles from lane " + std::to_string(lane) +
                     ", which has left the kernel, does not exist, or is at another shuffle");
      throw Abort{};
    }
  }
  return w.slots[slot][lane];
}

void* dynamic_shared() { return cta->memory; }

unsigned dynamic_shared_size() { return (unsigned)shared_bytes; }

const uint32_t* gather(const uint32_t* mine, int words) {
  Warp& w = cta->warps[linear_tid / 32];
  long long seq = shuffles++;
  int slot = (int)(seq & 1);
  int lane = linear_tid % 32;
  std::memcpy(&w.words[slot][lane * GATHER_WORDS], mine, sizeof(uint32_t) * (size_t)words);
  w.gathered[slot][lane] = seq;
  std::unique_lock<std::mutex> held(lock);
  w.barrier.arrive_and_wait(held, "warp-collective");
  for (int l = 0; l < 32; l++) {
    if (w.gathered[slot][l] != seq) {
      if (!held.owns_lock()) held.lock();
      fail(held, "lane " + std::to_string(lane) + " of warp " + std::to_string(linear_tid / 32) +
                     " is at a warp-collective operation (mma, ldmatrix, vote) without lane " + std::to_string(l) +
                     ", which has left the kernel, does not exist, or is elsewhere");
      throw Abort{};
    }
  }
  return w.words[slot];
}

unsigned ballot(bool pred) {
  uint32_t mine = pred ? 1u : 0u;
  const uint32_t* all = gather(&mine, 1);
  unsigned bits = 0;
  for (int l = 0; l < 32; l++) bits |= all[l * GATHER_WORDS] << l;
  return bits;
}

size_t shared_address(const void* p) {
  long long offset = static_cast<const unsigned char*>(p) - cta->memory;
  if (offset < INT32_MIN || offset > INT32_MAX) {
    abort_launch(where() + " takes the shared-space address of a pointer that is not in shared memory");
  }
  return (size_t)(long long)(int32_t)(offset + SHARED_ORIGIN);
}

unsigned char* shared_pointer(uint32_t address) { return cta->memory + dynamic_offset(address); }

float f16_bits(uint32_t bits) {
  __half_raw raw;
  raw.x = (unsigned short)bits;
  return __half2float(__half(raw));
}

uint32_t ex2_f16x2(uint32_t x) {
  auto one = [](uint32_t bits) -> uint32_t { return __half_raw(__float2half_rn(exp2f(f16_bits(bits)))).x; };
  return one(x & 0xffffu) | one(x >> 16) << 16;
}

float bf16_bits(uint32_t bits) {
  uint32_t f = bits << 16;
  float x;
  std::memcpy(&x, &f, sizeof x);
  return x;
}

namespace {

// One m16n8k16 product over the warp. Lane L = 4g + t holds A's rows g and g + 8 at columns 2t, 2t + 1 (registers 0
// and 1) and 2t + 8, 2t + 9 (registers 2 and 3), B's column g at rows 2t, 2t + 1 (b0) and 2t + 8, 2t + 9 (b1), and C's
// rows g and g + 8 at columns 2t, 2t + 1; the low half of a register is the lower column (A) or row (B).
void mma(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1, float (*element)(uint32_t)) {
  const uint32_t mine[6] = {a[0], a[1], a[2], a[3], b0, b1};
  const uint32_t* all = gather(mine, 6);
  // Element (row, k) of A and (k, col) of B: the lane and register holding it, and which half.
  auto a_at = [&](int row, int k) {
    int lane = (row % 8) * 4 + (k % 8) / 2;
    int reg = (row / 8) + 2 * (k / 8);
    return element(all[lane * GATHER_WORDS + reg] >> (16 * (k % 2)));
  };
  auto b_at = [&](int k, int col) {
    int lane = col * 4 + (k % 8) / 2;
    int reg = 4 + k / 8;
    return element(all[lane * GATHER_WORDS + reg] >> (16 * (k % 2)));
  };
  int lane = (int)(linear_tid % 32);
  int g = lane / 4;
  int t = lane % 4;
  for (int i = 0; i < 4; i++) {
    int row = g + 8 * (i / 2);
    int col = 2 * t + i % 2;
    float sum = 0.f;
    for (int k = 0; k < 16; k++) sum += a_at(row, k) * b_at(k, col);
    c[i] += sum;
  }
}

}  // namespace

void mma_f16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) { mma(c, a, b0, b1, f16_bits); }
void mma_bf16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) { mma(c, a, b0, b1, bf16_bits); }

// Lanes 8i .. 8i + 7 address rows 0-7 of matrix i; lane 4g + t receives, in register i, elements 2t and 2t + 1 of row
// g (.trans: rows 2t and 2t + 1 of column g), the first in the low half.
void ldmatrix_x4(uint32_t (&r)[4], uint32_t address, bool trans) {
  if (address % 16 != 0) {
    abort_launch(where() + ": ldmatrix row address " + std::to_string(address) + " is not 16-byte aligned");
  }
  const uint32_t* all = gather(&address, 1);
  auto row = [&](int i, int j) { return shared_pointer(all[(8 * i + j) * GATHER_WORDS]); };
  int lane = (int)(linear_tid % 32);
  int g = lane / 4;
  int t = lane % 4;
  for (int i = 0; i < 4; i++) {
    if (trans) {
      uint16_t lo, hi;
      std::memcpy(&lo, row(i, 2 * t) + 2 * g, 2);
      std::memcpy(&hi, row(i, 2 * t + 1) + 2 * g, 2);
      r[i] = lo | (uint32_t)hi << 16;
    } else {
      std::memcpy(&r[i], row(i, g) + 4 * t, 4);
    }
  }
}

void cp_async16(uint32_t dst, const void* src, int src_bytes) {
  if (src_bytes < 0 || src_bytes > 16) {
    abort_launch(where() + ": cp.async of " + std::to_string(src_bytes) + " source bytes of 16");
  }
  if (dst % 16 != 0 || (src_bytes > 0 && reinterpret_cast<uintptr_t>(src) % 16 != 0)) {
    abort_launch(where() + ": cp.async of 16 bytes at a misaligned address");
  }
  std::memset(shared_pointer(dst), 0xff, 16);
  open_copies.push_back(Copy{shared_pointer(dst), static_cast<const unsigned char*>(src), src_bytes});
}

void cp_async_commit() {
  copy_groups.push_back(std::move(open_copies));
  open_copies.clear();
}

void cp_async_wait(int pending) {
  while ((int)copy_groups.size() > pending) {
    complete(copy_groups.front());
    copy_groups.pop_front();
  }
}

void trap() { abort_launch(where() + " called __trap()"); }

void launch_error(const char* what) { abort_launch(where() + ": " + what); }

namespace {

// The mbarrier at `address` of block `c` (the calling thread's by default).
MBarrier& mbarrier(std::unique_lock<std::mutex>& held, uint32_t address, Cta& c = *cta) {
  auto it = c.mbarriers.find(address);
  if (it == c.mbarriers.end()) {
    fail(held, where() + " uses an mbarrier at shared address " + std::to_string(address) +
                   (&c == cta ? std::string() : " of the cluster's block " + std::to_string(&c - ctas)) +
                   " that was never initialised");
    throw Abort{};
  }
  return it->second;
}

void settle(MBarrier& b) {
  if (b.pending == 0 && b.tx == 0) {
    b.phase++;
    b.pending = b.expected;
  }
}

void arrive_once(MBarrier& b) {
  --b.pending;
  settle(b);
}

}  // namespace

namespace {

// This thread's arrival at named barrier `id` of `count` threads; returns the generation it arrived in.
unsigned long long named_arrive(std::unique_lock<std::mutex>& held, int id, int count) {
  if (id < 1 || id > 15 || count < 32 || count % 32 != 0 || count > threads_per_block) {
    fail(held, where() + ": named barrier " + std::to_string(id) + " of " + std::to_string(count) + " threads");
    throw Abort{};
  }
  NamedBarrier& b = cta->named[id];
  if (b.arrived > 0 && b.count != count) {
    fail(held, where() + ": named barrier " + std::to_string(id) + " used with " + std::to_string(count) +
                   " threads while " + std::to_string(b.arrived) + " of " + std::to_string(b.count) + " wait");
    throw Abort{};
  }
  b.count = count;
  unsigned long long gen = b.generation;
  if (++b.arrived == count) {
    b.arrived = 0;
    b.generation++;
    named_wake.notify_all();
  }
  return gen;
}

}  // namespace

void named_barrier_arrive(int id, int count) {
  std::unique_lock<std::mutex> held(lock);
  named_arrive(held, id, count);
}

void named_barrier_sync(int id, int count) {
  std::unique_lock<std::mutex> held(lock);
  unsigned long long gen = named_arrive(held, id, count);
  auto deadline = std::chrono::steady_clock::now() + DEADLOCK;
  while (cta->named[id].generation == gen) {
    if (failed) throw Abort{};
    if (named_wake.wait_for(held, std::chrono::milliseconds(50)) == std::cv_status::timeout &&
        std::chrono::steady_clock::now() > deadline) {
      fail(held, "deadlock: " + where() + " waits at named barrier " + std::to_string(id) + " for " +
                     std::to_string(count) + " threads, of which " + std::to_string(cta->named[id].arrived) + " came");
      throw Abort{};
    }
  }
}

void mbarrier_init(uint32_t address, int count) {
  if (address % 8 != 0 || count < 1) {
    abort_launch(where() + ": mbarrier.init at shared address " + std::to_string(address) + " with count " +
                 std::to_string(count));
  }
  std::unique_lock<std::mutex> held(lock);
  MBarrier& b = cta->mbarriers[address];
  b = MBarrier{};
  b.expected = b.pending = count;
}

void mbarrier_arrive(uint32_t address) {
  std::unique_lock<std::mutex> held(lock);
  arrive_once(mbarrier(held, address));
}

void cp_async_mbarrier_arrive_noinc(uint32_t address) {
  std::vector<Copy> mine;
  for (auto& g : copy_groups) mine.insert(mine.end(), g.begin(), g.end());
  mine.insert(mine.end(), open_copies.begin(), open_copies.end());
  copy_groups.clear();
  open_copies.clear();
  std::unique_lock<std::mutex> held(lock);
  mbarrier(held, address).deferred.push_back(std::move(mine));
}

void mbarrier_arrive_expect_tx(uint32_t address, int bytes) {
  std::unique_lock<std::mutex> held(lock);
  MBarrier& b = mbarrier(held, address);
  b.tx += bytes;
  arrive_once(b);
}

namespace {

// A bulk tensor copy into block `c`'s shared memory at dst, completing on its mbarrier at mbar.
void tma_copy(Cta& c, uint32_t dst, const CUtensorMap* map, const int* coords, uint32_t mbar) {
  TensorMap m;
  std::memcpy(&m, map, sizeof m);
  if (m.rank < 1 || m.rank > 5 || m.element_bytes == 0 || dst % 128 != 0 ||
      (unsigned long long)m.box[0] * m.element_bytes % 16 != 0) {
    abort_launch(where() + ": bulk tensor copy to shared address " + std::to_string(dst) +
                 " with a tensor map of rank " + std::to_string(m.rank) +
                 " (destination 128-byte aligned, box rows whole 16 bytes)");
  }
  const int e = (int)m.element_bytes;
  const int row = (int)m.box[0] * e;
  const uint32_t sw = m.swizzle;
  if (sw != 0 && ((sw != 32 && sw != 64 && sw != 128) || row != (int)sw || dst % (8 * sw) != 0)) {
    abort_launch(where() + ": bulk tensor copy with a " + std::to_string(sw) + "-byte swizzle, box rows of " +
                 std::to_string(row) + " bytes, to shared address " + std::to_string(dst) +
                 " (the emulator models 32-, 64- and 128-byte swizzles of rows that wide, to a multiple of 8 rows)");
  }
  long long rows = 1;
  for (uint32_t k = 1; k < m.rank; k++) rows *= m.box[k];
  const long long at = dynamic_offset(dst);
  if (at < 0 || (unsigned long long)at + (unsigned long long)(rows * row) > shared_bytes) {
    abort_launch(where() + ": bulk tensor copy of " + std::to_string(rows * row) + " bytes to shared address " +
                 std::to_string(dst) + " overruns the " + std::to_string(shared_bytes) + " of dynamic shared memory");
  }
  // Elements of each row within dimension 0's bounds: [first, last).
  const long long c0 = coords[0];
  const long long first = std::clamp(-c0, 0LL, (long long)m.box[0]);
  const long long last = std::clamp((long long)m.dims[0] - c0, first, (long long)m.box[0]);
  std::vector<BulkRow> copy;
  copy.reserve((size_t)(rows * (row / 16)));
  for (long long r = 0; r < rows; r++) {
    long long rest = r;
    bool inside = last > first;
    long long offset = c0 * e;
    for (uint32_t k = 1; k < m.rank; k++) {
      const long long g = coords[k] + rest % m.box[k];
      rest /= m.box[k];
      inside = inside && g >= 0 && g < (long long)m.dims[k];
      offset += g * (long long)m.strides[k - 1];
    }
    const unsigned char* src = reinterpret_cast<const unsigned char*>(m.address + offset);
    // The row's 16-byte chunks, each where the swizzle puts it: the bytes of [first, last) from the tensor, the
    // others zeros.
    for (int k = 0; k < row; k += 16) {
      unsigned char* to = c.memory + dynamic_offset(swizzle(dst + (uint32_t)(r * row + k), sw));
      std::memset(to, 0xff, 16);  // NaN until the copy lands
      const long long lo = std::max<long long>(first * e, k);
      const long long hi = std::min<long long>(last * e, k + 16);
      if (!inside || lo >= hi) {
        copy.push_back({to, nullptr, 16, 0});
      } else if (lo == k) {
        copy.push_back({to, src + k, 16, (int)(hi - k)});
      } else {
        // A chunk starting before dimension 0's bounds: zeros, then the elements from `first` on, as two pieces.
        copy.push_back({to, nullptr, (int)(lo - k), 0});
        copy.push_back({to + (lo - k), src + lo, (int)(16 - (lo - k)), (int)(hi - lo)});
      }
    }
  }
  std::unique_lock<std::mutex> held(lock);
  mbarrier(held, mbar, c).bulk.push_back(std::move(copy));
}

}  // namespace

void tma_load(uint32_t dst, const CUtensorMap* map, const int* coords, uint32_t mbar) {
  tma_copy(*cta, dst, map, coords, mbar);
}

void tma_load_multicast(uint32_t dst, const CUtensorMap* map, const int* coords, uint32_t mbar, uint16_t mask) {
  if (mask == 0 || mask >> cluster_size != 0) {
    abort_launch(where() + ": bulk tensor copy multicast to blocks " + std::to_string(mask) + " (a mask) of a cluster of " +
                 std::to_string(cluster_size));
  }
  for (int r = 0; r < cluster_size; r++) {
    if (mask >> r & 1) tma_copy(ctas[r], dst, map, coords, mbar);
  }
}

int cluster_rank() { return cta_rank; }
int cluster_blocks() { return cluster_size; }

uint32_t map_shared(uint32_t address, int rank) {
  if (rank < 0 || rank >= cluster_size || dynamic_offset(address) < 0 ||
      (unsigned long long)dynamic_offset(address) >= shared_bytes) {
    abort_launch(where() + ": mapa of shared address " + std::to_string(address) + " to block " +
                 std::to_string(rank) + " of a cluster of " + std::to_string(cluster_size) +
                 " (the emulator maps dynamic shared memory only)");
  }
  return address | (uint32_t)(rank + 1) << RANK_SHIFT;
}

void mbarrier_arrive_cluster(uint32_t address) {
  const int rank = (int)(address >> RANK_SHIFT) - 1;
  if (rank < 0 || rank >= cluster_size) {
    abort_launch(where() + ": mbarrier.arrive.shared::cluster at " + std::to_string(address) +
                 ", which is no address mapa gave");
  }
  std::unique_lock<std::mutex> held(lock);
  arrive_once(mbarrier(held, address & ((1u << RANK_SHIFT) - 1), ctas[rank]));
}

void cluster_sync() {
  std::unique_lock<std::mutex> held(lock);
  cluster_barrier.arrive_and_wait(held, "barrier.cluster");
}

void mbarrier_wait_parity(uint32_t address, int parity) {
  std::unique_lock<std::mutex> held(lock);
  auto deadline = std::chrono::steady_clock::now() + DEADLOCK;
  for (;;) {
    MBarrier& b = mbarrier(held, address);
    while (!b.deferred.empty()) {
      complete(b.deferred.front());
      b.deferred.pop_front();
      arrive_once(b);
    }
    while (!b.bulk.empty()) {
      for (const BulkRow& r : b.bulk.front()) {
        if (r.valid > 0) std::memcpy(r.dst, r.src, (size_t)r.valid);
        std::memset(r.dst + r.valid, 0, (size_t)(r.bytes - r.valid));
        b.tx -= r.bytes;
      }
      b.bulk.pop_front();
      settle(b);
    }
    if ((int)(b.phase & 1) != parity) return;
    if (failed) throw Abort{};
    if (std::chrono::steady_clock::now() > deadline) {
      fail(held, "deadlock: " + where() + " waits on an mbarrier phase that never completes");
      throw Abort{};
    }
    held.unlock();
    std::this_thread::yield();
    held.lock();
  }
}

}  // namespace emu

namespace {

int refuse(int code, const std::string& why) {
  emu::last_error = why;
  return code;
}

}  // namespace

// A kernel's parameter kinds ('p' pointer, 'l' 64-bit integer, 'i' 32-bit integer, 'f' float, 'm' tensor map), or
// null for an unknown name.
extern "C" const char* sdj_emu_signature(const char* name) {
  auto it = emu::registry().find(name);
  return it == emu::registry().end() ? nullptr : it->second.signature.c_str();
}

// Why the last launch failed.
extern "C" const char* sdj_emu_error() { return emu::last_error.c_str(); }

// Runs kernel `name` on a gx*gy*gz grid of bx*by*bz-thread blocks, in clusters of `cluster` blocks along x (1: no
// clusters), with `dynamic_bytes` of dynamic shared memory; args as cuLaunchKernel takes them. 0 on success; 1 for an
// unknown kernel, 2 for a launch configuration a GPU refuses, 3 for a kernel that failed (sdj_emu_error says why).
extern "C" int sdj_emu_launch(const char* name, int gx, int gy, int gz, int bx, int by, int bz, int cluster,
                              int dynamic_bytes, void** args) {
  using namespace emu;
  std::lock_guard<std::mutex> one(launches);
  auto it = registry().find(name);
  if (it == registry().end()) return refuse(1, std::string("no kernel named ") + name);
  if (gx < 0 || gy < 0 || gz < 0 || gy > 65535 || gz > 65535) {
    return refuse(2, "grid " + std::to_string(gx) + "x" + std::to_string(gy) + "x" + std::to_string(gz));
  }
  if (bx < 1 || by < 1 || bz < 1 || bz > 64 || (long long)bx * by * bz > 1024) {
    return refuse(2, "block " + std::to_string(bx) + "x" + std::to_string(by) + "x" + std::to_string(bz));
  }
  if (cluster < 1 || cluster > MAX_CLUSTER || gx % cluster != 0) {
    return refuse(2, "clusters of " + std::to_string(cluster) + " blocks on a grid " + std::to_string(gx) +
                         " blocks wide (the emulator runs up to " + std::to_string(MAX_CLUSTER) + ")");
  }
  if (dynamic_bytes < 0 || (size_t)dynamic_bytes > MAX_DYNAMIC) {
    return refuse(2, "dynamic shared memory of " + std::to_string(dynamic_bytes) + " bytes");
  }
  long long blocks = (long long)gx * gy * gz;
  if (blocks == 0) return 0;
  grid_dim = dim3(gx, gy, gz);
  block_dim = dim3(bx, by, bz);
  threads_per_block = block_threads();
  cluster_size = cluster;
  shared_bytes = (size_t)dynamic_bytes;
  for (int r = 0; r < cluster; r++) {
    ctas[r].warps.reset(new Warp[(threads_per_block + 31) / 32]);
    std::memset(ctas[r].memory + shared_bytes, GUARD_BYTE, GUARD);
  }
  failed = false;
  failure.clear();
  prepare_cluster();
  const int threads_per_cluster = threads_per_block * cluster;
  cluster_end.reset(threads_per_cluster);
  cluster_end.on_complete(between_clusters);
  std::vector<std::thread> threads;
  threads.reserve(threads_per_cluster);
  Trampoline call = it->second.call;
  try {
    for (int t = 0; t < threads_per_cluster; t++) threads.emplace_back(run_thread, call, args, t, blocks / cluster);
  } catch (std::exception& e) {
    // The threads already started wait for the missing ones at their first barrier: let them leave.
    std::unique_lock<std::mutex> held(lock);
    fail(held, std::string("cannot start a block's threads: ") + e.what());
  }
  for (auto& t : threads) t.join();
  if (failed) return refuse(3, std::string(name) + ": " + failure);
  return 0;
}
