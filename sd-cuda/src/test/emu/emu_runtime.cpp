// The emulator's launch machinery (see emu.h for what it models): the kernel registry, one host thread per CUDA thread
// of a block, block and warp barriers, shuffles, dynamic shared memory, and the C entry points the tests call.
#include "emu.h"

#include <chrono>
#include <condition_variable>
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
constexpr size_t GUARD = 64;
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

  void arrive_and_wait(std::unique_lock<std::mutex>& held, const char* what) {
    unsigned long long gen = generation_;
    if (++arrived_ == expected_) {
      release();
      return;
    }
    auto deadline = std::chrono::steady_clock::now() + DEADLOCK;
    while (generation_ == gen) {
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
    generation_++;
    wake_.notify_all();
  }

  int expected_ = 0;
  int arrived_ = 0;
  unsigned long long generation_ = 0;
  void (*completion_)() = nullptr;
  std::condition_variable wake_;
};

struct Warp {
  Barrier barrier;
  // Two buffers: a shuffle's writes never meet the previous shuffle's reads. Each value carries the number of the
  // lane's shuffle that wrote it, so a read of a lane that did not take part (it left the kernel) shows.
  uint64_t slots[2][32];
  long long written[2][32];
};

// The running launch's block-wide state.
Barrier block_barrier;
Barrier block_end;
std::unique_ptr<Warp[]> warps;
std::vector<unsigned char> shared_memory;
size_t shared_bytes = 0;
int threads_per_block = 0;

thread_local int linear_tid;
thread_local long long shuffles;  // this thread's shuffles in the current block

int block_threads() { return (int)(block_dim.x * block_dim.y * block_dim.z); }

// Between blocks (every thread waits at block_end): everyone counts again, shared memory reads as NaN until written.
void prepare_block() {
  block_barrier.reset(threads_per_block);
  int nwarps = (threads_per_block + 31) / 32;
  for (int w = 0; w < nwarps; w++) {
    int lanes = std::min(32, threads_per_block - 32 * w);
    warps[w].barrier.reset(lanes);
    for (int l = 0; l < 32; l++) warps[w].written[0][l] = warps[w].written[1][l] = -1;
  }
  std::memset(shared_memory.data(), 0xff, shared_bytes);
}

bool guard_intact() {
  for (size_t i = 0; i < GUARD; i++) {
    if (shared_memory[shared_bytes + i] != GUARD_BYTE) return false;
  }
  return true;
}

// block_end's completion: the block just finished stayed inside its dynamic shared memory, and the next one starts
// afresh.
void between_blocks() {
  if (!guard_intact()) {
    failed = true;
    failure = "block (" + std::to_string(block_idx.x) + "," + std::to_string(block_idx.y) + "," +
              std::to_string(block_idx.z) + ") wrote past its dynamic shared memory";
  }
  prepare_block();
}

void run_thread(Trampoline call, void** args, int tid, long long blocks) {
  linear_tid = tid;
  thread_idx = uint3{(unsigned)(tid % block_dim.x), (unsigned)(tid / block_dim.x % block_dim.y),
                     (unsigned)(tid / (block_dim.x * block_dim.y))};
  try {
    for (long long b = 0; b < blocks; b++) {
      block_idx = uint3{(unsigned)(b % grid_dim.x), (unsigned)(b / grid_dim.x % grid_dim.y),
                        (unsigned)(b / ((long long)grid_dim.x * grid_dim.y))};
      shuffles = 0;
      try {
        call(args);
      } catch (Abort&) {
        throw;
      } catch (std::exception& e) {
        std::unique_lock<std::mutex> held(lock);
        fail(held, std::string("exception in kernel: ") + e.what());
        throw Abort{};
      }
      std::unique_lock<std::mutex> held(lock);
      block_barrier.drop();
      warps[tid / 32].barrier.drop();
      block_end.arrive_and_wait(held, "end-of-block");
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
  block_barrier.arrive_and_wait(held, "__syncthreads");
}

uint64_t exchange(uint64_t mine, int lane) {
  Warp& w = warps[linear_tid / 32];
  long long seq = shuffles++;
  int slot = (int)(seq & 1);
  w.slots[slot][linear_tid % 32] = mine;
  w.written[slot][linear_tid % 32] = seq;
  {
    std::unique_lock<std::mutex> held(lock);
    w.barrier.arrive_and_wait(held, "warp shuffle");
    if (w.written[slot][lane] != seq) {
      fail(held, "lane " + std::to_string(linear_tid % 32) + " of warp " + std::to_string(linear_tid / 32) +
                     " shuffles from lane " + std::to_string(lane) +
                     ", which has left the kernel, does not exist, or is at another shuffle");
      throw Abort{};
    }
  }
  return w.slots[slot][lane];
}

void* dynamic_shared() { return shared_memory.data(); }

}  // namespace emu

namespace {

int refuse(int code, const std::string& why) {
  emu::last_error = why;
  return code;
}

}  // namespace

// A kernel's parameter kinds ('p' pointer, 'l' 64-bit integer, 'i' 32-bit integer, 'f' float), or null for an unknown
// name.
extern "C" const char* sdj_emu_signature(const char* name) {
  auto it = emu::registry().find(name);
  return it == emu::registry().end() ? nullptr : it->second.signature.c_str();
}

// Why the last launch failed.
extern "C" const char* sdj_emu_error() { return emu::last_error.c_str(); }

// Runs kernel `name` on a gx*gy*gz grid of bx*by*bz-thread blocks with `dynamic_bytes` of dynamic shared memory; args
// as cuLaunchKernel takes them. 0 on success; 1 for an unknown kernel, 2 for a launch configuration a GPU refuses, 3
// for a kernel that failed (sdj_emu_error says why).
extern "C" int sdj_emu_launch(const char* name, int gx, int gy, int gz, int bx, int by, int bz, int dynamic_bytes,
                              void** args) {
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
  if (dynamic_bytes < 0 || dynamic_bytes > 227 * 1024) {
    return refuse(2, "dynamic shared memory of " + std::to_string(dynamic_bytes) + " bytes");
  }
  long long blocks = (long long)gx * gy * gz;
  if (blocks == 0) return 0;
  grid_dim = dim3(gx, gy, gz);
  block_dim = dim3(bx, by, bz);
  threads_per_block = block_threads();
  warps.reset(new Warp[(threads_per_block + 31) / 32]);
  shared_bytes = (size_t)dynamic_bytes;
  shared_memory.assign(shared_bytes + GUARD, GUARD_BYTE);
  failed = false;
  failure.clear();
  prepare_block();
  block_end.reset(threads_per_block);
  block_end.on_complete(between_blocks);
  std::vector<std::thread> threads;
  threads.reserve(threads_per_block);
  Trampoline call = it->second.call;
  try {
    for (int t = 0; t < threads_per_block; t++) threads.emplace_back(run_thread, call, args, t, blocks);
  } catch (std::exception& e) {
    // The threads already started wait for the missing ones at their first barrier: let them leave.
    std::unique_lock<std::mutex> held(lock);
    fail(held, std::string("cannot start a block's threads: ") + e.what());
  }
  for (auto& t : threads) t.join();
  if (failed) return refuse(3, std::string(name) + ": " + failure);
  return 0;
}
