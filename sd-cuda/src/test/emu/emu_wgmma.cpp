// The emulator's model of Hopper's warpgroup MMA (wgmma.mma_async, fence, commit_group, wait_group): see emu.h for
// what it checks. Facts relied on, from the PTX ISA ("Asynchronous Warpgroup Level Matrix Multiply-Accumulate
// Operation": register fragments, shared memory matrix layouts, matrix descriptor format):
//  - a warpgroup is 4 consecutive warps (threads 128i .. 128i + 127); warp w of it holds rows 16w .. 16w + 15 of D;
//  - D of m64nNk16 (.f32): lane 4g + t holds, for each 8-column block j, d[4j + 0..3] = (16w + g, 8j + 2t),
//    (16w + g, 8j + 2t + 1), (16w + g + 8, 8j + 2t), (16w + g + 8, 8j + 2t + 1);
//  - A from registers (16-bit types): a0 = (16w + g, 2t .. 2t + 1), a1 = (16w + g + 8, 2t ..), a2 = (16w + g,
//    2t + 8 ..), a3 = (16w + g + 8, 2t + 8 ..), the lower column in the low half;
//  - a descriptor: bits 0-13 start address >> 4, 16-29 leading byte offset >> 4, 32-45 stride byte offset >> 4,
//    49-51 base offset, 62-63 swizzle mode;
//  - no-swizzle ("interleave") layouts are built of core matrices of 8 rows of 16 bytes, 128 contiguous bytes.
//    K-major (A, and B without transpose): element (mn, k) of the k16 step at start + (mn / 8) * SBO + (mn % 8) * 16 +
//    (k / 8) * LBO + (k % 8) * 2. MN-major (B transposed): at start + (mn / 8) * SBO + (k / 8) * LBO + (k % 8) * 16 +
//    (mn % 8) * 2 (CUTLASS's make_gmma_desc agrees: LBO is the k stride and SBO the m/n stride in both);
//  - swizzled layouts (mode 1: 128 bytes, 2: 64, 3: 32; W the width, E = W / 2 elements) are built of rows of W bytes,
//    8 of them per SBO: K-major, element (mn, k) at start + (mn / 8) * SBO + (mn % 8) * W + k * 2 (LBO unused: a k16
//    step's 32 bytes lie within a row); MN-major, at start + (mn / E) * LBO + (mn % E) * 2 + (k / 8) * SBO +
//    (k % 8) * W (CUTLASS's make_gmma_desc: ((T, W/16, m), (8, k)) : ((1, T, LBO), (W/16 T, SBO))); each 16-byte chunk
//    then at its address XOR-swizzled (emu.h's swizzle). The base offset (bits 49-51) stays 0, for start addresses
//    whose pattern bits (7 ..) are 0.
#include <array>
#include <string>
#include <vector>

#include "emu.h"

namespace emu {

namespace {

// One wgmma of a thread, waiting for its wait_group: where its operands are, and which shadow it accumulates into.
struct Product {
  int shadow;
  int n;
  bool accumulate;
  bool bf16;
  bool trans_b;
  bool a_in_registers;
  uint64_t a_desc;
  uint64_t b_desc;
  std::array<std::array<uint32_t, 16>, 2> a_rows;  // rows 16w + g and 16w + g + 8 of A, 16-bit values (registers)
};

// The accumulators of products in flight: their values as the products leave them, written back to the thread's
// registers (d) when the last product on them completes; d meanwhile holds NaN.
struct Shadow {
  float* d;
  int n;
  int pending;
  std::array<float, 128> values;
};

thread_local std::vector<Shadow> shadows;
thread_local std::vector<std::vector<Product>> groups;  // committed groups, oldest first
thread_local std::vector<Product> open_products;         // issued since the last commit
thread_local bool fenced = false;

[[noreturn]] void error(const std::string& what) { launch_error(what.c_str()); }

uint32_t field(uint64_t desc, int lo, int bits) { return (uint32_t)(desc >> lo) & ((1u << bits) - 1u); }

// The swizzle width in bytes of a descriptor's mode (0: none).
uint32_t swizzle_width(uint64_t desc) {
  static const uint32_t widths[4] = {0, 128, 64, 32};
  return widths[field(desc, 62, 2)];
}

void check_descriptor(uint64_t desc, bool mn_major, const char* operand) {
  uint32_t w = swizzle_width(desc);
  uint32_t start = field(desc, 0, 14) << 4;
  if (field(desc, 49, 3) != 0) {
    error(std::string("wgmma ") + operand + " descriptor with a base offset, which the emulator does not model");
  }
  if (w != 0 && ((start >> 7) & (w / 16 - 1)) != 0) {
    error(std::string("wgmma ") + operand + " descriptor with a " + std::to_string(w) + "-byte swizzle starting at " +
          std::to_string(start) + ", off its pattern (base offset 0 wants address bits 7.. clear)");
  }
  if (w != 0 && !mn_major && start % w + 32 > w) {
    error(std::string("wgmma ") + operand + " K-major k16 step at " + std::to_string(start) + " crossing a " +
          std::to_string(w) + "-byte swizzled row");
  }
}

// The 16-bit value at shared address `address` (a descriptor's start plus an offset), inside dynamic shared memory.
uint32_t shared16(uint32_t address, const char* operand) {
  long long at = dynamic_offset(address);
  if (address % 2 != 0 || at < 0 || at + 2 > (long long)dynamic_shared_size()) {
    error(std::string("wgmma ") + operand + " element at shared address " + std::to_string(address) +
          ", outside the launch's " + std::to_string(dynamic_shared_size()) + " bytes of dynamic shared memory");
  }
  uint16_t v;
  std::memcpy(&v, shared_pointer(address), 2);
  return v;
}

// Byte offset of element (mn, k) of a k16 step from the descriptor's start, before any swizzle (see the top of this
// file).
uint32_t offset(uint64_t desc, int mn, int k, bool mn_major) {
  uint32_t lbo = field(desc, 16, 14) << 4;
  uint32_t sbo = field(desc, 32, 14) << 4;
  uint32_t w = swizzle_width(desc);
  if (w != 0) {
    uint32_t e = w / 2;
    if (mn_major) {
      return (uint32_t)(mn / e) * lbo + (uint32_t)(mn % e) * 2 + (uint32_t)(k / 8) * sbo + (uint32_t)(k % 8) * w;
    }
    return (uint32_t)(mn / 8) * sbo + (uint32_t)(mn % 8) * w + (uint32_t)k * 2;
  }
  uint32_t within = mn_major ? (uint32_t)((k % 8) * 16 + (mn % 8) * 2) : (uint32_t)((mn % 8) * 16 + (k % 8) * 2);
  return (uint32_t)(mn / 8) * sbo + (uint32_t)(k / 8) * lbo + within;
}

uint32_t element(uint64_t desc, int mn, int k, bool mn_major, const char* operand) {
  return shared16(swizzle((field(desc, 0, 14) << 4) + offset(desc, mn, k, mn_major), swizzle_width(desc)), operand);
}

int warp_in_group() { return (linear_thread() / 32) % 4; }

// Runs one product into its shadow: this thread's rows and columns of A B, each a float sum in k order of exact
// products, as emu's mma.sync.
void run(const Product& p) {
  float (*value)(uint32_t) = p.bf16 ? bf16_bits : f16_bits;
  Shadow& s = shadows[p.shadow];
  int lane = lane_id();
  int g = lane / 4;
  int t = lane % 4;
  int row0 = 16 * warp_in_group() + g;
  for (int i = 0; i < p.n / 2; i++) {
    int half = (i >> 1) & 1;  // row 16w + g or 16w + g + 8
    int row = row0 + 8 * half;
    int col = 8 * (i >> 2) + 2 * t + (i & 1);
    float sum = 0.f;
    for (int k = 0; k < 16; k++) {
      float a = value(p.a_in_registers ? p.a_rows[half][k] : element(p.a_desc, row, k, false, "A"));
      float b = value(element(p.b_desc, col, k, p.trans_b, "B"));
      sum += a * b;
    }
    s.values[i] = p.accumulate ? s.values[i] + sum : sum;
  }
  if (--s.pending == 0) {
    std::memcpy(s.d, s.values.data(), sizeof(float) * (size_t)(s.n / 2));
  }
}

void issue(Product p, float* d) {
  if (block_dim.x * block_dim.y * block_dim.z % 128 != 0) {
    error("wgmma in a block of " + std::to_string(block_dim.x * block_dim.y * block_dim.z) +
          " threads, not whole warpgroups of 128");
  }
  if (!fenced) error("wgmma.mma_async without a wgmma.fence since the thread's last wgmma.wait_group");
  if (p.n < 8 || p.n > 256 || p.n % 8 != 0) error("wgmma with N = " + std::to_string(p.n));
  check_descriptor(p.b_desc, p.trans_b, "B");
  if (!p.a_in_registers) check_descriptor(p.a_desc, false, "A");
  int found = -1;
  for (int i = 0; i < (int)shadows.size(); i++) {
    if (shadows[i].pending > 0 && shadows[i].d == d) found = i;
  }
  if (found >= 0 && shadows[found].n != p.n) error("wgmma in flight on the same accumulators with another N");
  if (found < 0) {
    Shadow s{d, p.n, 0, {}};
    std::memcpy(s.values.data(), d, sizeof(float) * (size_t)(p.n / 2));
    for (int i = 0; i < p.n / 2; i++) d[i] = NAN;
    found = (int)shadows.size();
    shadows.push_back(s);
  }
  shadows[found].pending++;
  p.shadow = found;
  open_products.push_back(p);
}

}  // namespace

void wgmma_ss(float* d, int n, uint64_t a_desc, uint64_t b_desc, bool accumulate, bool bf16, bool trans_b) {
  issue(Product{0, n, accumulate, bf16, trans_b, false, a_desc, b_desc, {}}, d);
}

void wgmma_rs(float* d, int n, const uint32_t (&a)[4], uint64_t b_desc, bool accumulate, bool bf16, bool trans_b) {
  Product p{0, n, accumulate, bf16, trans_b, true, 0, b_desc, {}};
  // The rows of this lane (16w + g and + 8) are held by lanes 4g .. 4g + 3 of the warp.
  const uint32_t* all = gather(a, 4);
  int g = lane_id() / 4;
  for (int t = 0; t < 4; t++) {
    const uint32_t* r = all + (4 * g + t) * 8;  // the exchange keeps 8 words a lane
    for (int half = 0; half < 2; half++) {
      for (int hi = 0; hi < 2; hi++) {  // columns 2t, 2t + 1 (register half) and 2t + 8, 2t + 9 (hi)
        uint32_t reg = r[half + 2 * hi];
        p.a_rows[half][8 * hi + 2 * t] = reg & 0xffffu;
        p.a_rows[half][8 * hi + 2 * t + 1] = reg >> 16;
      }
    }
  }
  issue(p, d);
}

void wgmma_fence() { fenced = true; }

void wgmma_commit() {
  groups.push_back(std::move(open_products));
  open_products.clear();
}

void wgmma_wait(int pending) {
  while ((int)groups.size() > pending) {
    for (const Product& p : groups.front()) run(p);
    groups.erase(groups.begin());
  }
  fenced = false;
  if (groups.empty() && open_products.empty()) shadows.clear();
}

void wgmma_block_end() {
  bool in_flight = !groups.empty() || !open_products.empty();
  groups.clear();
  open_products.clear();
  shadows.clear();
  fenced = false;
  if (in_flight) launch_error("returns with wgmma products in flight (no wgmma.wait_group covers them)");
}

}  // namespace emu
