// The emulator's launch machinery (see emu.h for what it models): the kernel registry, one host thread per CUDA thread
// of a block, block and warp barriers, shuffles and other warp-collective operations (mma, ldmatrix), shared memory and
// its 32-bit addresses, cp.async, and the C entry points the tests call. mbarriers, named barriers, bulk tensor copies
// and clusters are in emu_barriers.cpp, the wgmma model in emu_wgmma.cpp; their shared state in emu_state.h.
#include "emu_state.h"

#include <algorithm>
#include <exception>

namespace emu {

thread_local uint3 thread_idx;
thread_local uint3 block_idx;
dim3 block_dim;
dim3 grid_dim;

namespace detail {

std::mutex lock;
std::string failure;
bool failed = false;
thread_local int linear_tid;
thread_local std::deque<std::vector<Copy>> copy_groups;
thread_local std::vector<Copy> open_copies;
std::condition_variable named_wake;
Cta ctas[MAX_CLUSTER];
size_t shared_bytes = 0;
int threads_per_block = 0;
int cluster_size = 1;
Barrier cluster_barrier;
thread_local Cta* cta;
thread_local int cta_rank;

void fail(std::unique_lock<std::mutex>&, const std::string& why) {
  if (!failed) {
    failed = true;
    failure = why;
  }
}

[[noreturn]] void abort_launch(const std::string& why) {
  std::unique_lock<std::mutex> held(lock);
  fail(held, why);
  throw Abort{};
}

std::string where() {
  return "thread " + std::to_string(linear_tid) + " of block (" + std::to_string(block_idx.x) + "," +
         std::to_string(block_idx.y) + "," + std::to_string(block_idx.z) + ")";
}

void complete(const std::vector<Copy>& copies) {
  for (const Copy& c : copies) {
    std::memcpy(c.dst, c.src, (size_t)c.src_bytes);
    std::memset(c.dst + c.src_bytes, 0, 16 - (size_t)c.src_bytes);
  }
}

}  // namespace detail

using namespace detail;

namespace {

struct Kernel {
  Trampoline call;
  std::string signature;
};

std::map<std::string, Kernel>& registry() {
  static std::map<std::string, Kernel> kernels;
  return kernels;
}

std::mutex launches;  // one launch at a time: __shared__ statics and the globals above belong to it
std::string last_error;

thread_local long long shuffles;  // this thread's shuffles in the current block

// What a thread leaves in flight when its block's kernel returns lands before the next block starts.
void complete_all_copies() {
  while (!copy_groups.empty()) {
    complete(copy_groups.front());
    copy_groups.pop_front();
  }
  complete(open_copies);
  open_copies.clear();
}

// The end of a cluster's blocks (every thread of the cluster).
Barrier cluster_end;

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
