// The emulator's barriers and asynchronous copies (see emu.h for what it models): mbarriers with their deferred
// cp.async arrivals and transaction bytes, named barriers, bulk tensor copies (TMA, multicast too), and clusters (mapa,
// remote arrivals, barrier.cluster).
#include "emu_state.h"

#include <algorithm>

namespace emu {

using namespace detail;

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
    abort_launch(where() + ": bulk tensor copy multicast to blocks " + std::to_string(mask) +
                 " (a mask) of a cluster of " + std::to_string(cluster_size));
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

namespace {

// The block rank of a shared::cluster address that mapa gave, or a failed launch naming the instruction.
int mapped_rank(uint32_t address, const char* instruction) {
  const int rank = (int)(address >> RANK_SHIFT) - 1;
  if (rank < 0 || rank >= cluster_size) {
    abort_launch(where() + ": " + instruction + " at " + std::to_string(address) + ", which is no address mapa gave");
  }
  return rank;
}

// The block's own shared address within a shared::cluster one.
uint32_t unmapped(uint32_t address) { return address & ((1u << RANK_SHIFT) - 1); }

}  // namespace

float load_shared_cluster_f32(uint32_t address) {
  const int rank = mapped_rank(address, "ld.shared::cluster");
  float v;
  std::unique_lock<std::mutex> held(lock);  // barrier.cluster ordered the write; the lock makes it visible here
  std::memcpy(&v, ctas[rank].memory + dynamic_offset(unmapped(address)), sizeof v);
  return v;
}

void mbarrier_arrive_cluster(uint32_t address) {
  const int rank = mapped_rank(address, "mbarrier.arrive.shared::cluster");
  std::unique_lock<std::mutex> held(lock);
  arrive_once(mbarrier(held, unmapped(address), ctas[rank]));
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
