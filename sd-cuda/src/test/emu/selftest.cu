// Kernels that break CUDA's rules on purpose, one rule each, so that EmulatedDispatchTest can check that the emulator
// reports what a GPU would leave undefined; and one that keeps them, a block sum through shared memory and shuffles.
// Last, a probe of a device function with no kernel of its own (ex2_fma), for EmulatedDispatchTest to check.
#include "common.cuh"
#include "attention.cuh"

// Lanes 0-15 read lanes 16-31, which have returned.
extern "C" __global__ void emu_selftest_shuffle_from_exited(float* out) {
  if (threadIdx.x >= 16) return;
  out[threadIdx.x] = __shfl_sync(0xffffffffu, (float)threadIdx.x, threadIdx.x + 16);
}

// Writes the float just past the `floats` of dynamic shared memory the launch gave.
extern "C" __global__ void emu_selftest_shared_overrun(int floats) {
  extern __shared__ float buf[];
  if (threadIdx.x == 0) buf[floats] = 1.f;
}

// out[blockIdx.x] = the sum of the block's x, every warp's partial sum shuffled down and gathered in shared memory.
extern "C" __global__ void emu_selftest_block_sum(const float* x, float* out) {
  __shared__ float partial[32];
  float v = x[blockIdx.x * blockDim.x + threadIdx.x];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    float s = 0.f;
    for (int w = 0; w < (int)(blockDim.x / 32); w++) s += partial[w];
    out[blockIdx.x] = s;
  }
}

// d [64, 16] (row-major floats) = a [64, 16] b [16, 16] (row-major halves) by one warpgroup's wgmma.mma_async, the
// operands staged in shared memory in no-swizzle layouts with other strides than the attention kernel's (core
// matrices 16 bytes a row; the next 8 rows 256 bytes on, the next 8 of K 128 bytes on). mode & 8: A from registers;
// mode & 16: B MN-major (transposed). Rules broken on purpose: mode & 1 skips the fence, mode & 2 the wait, mode & 4
// stores the accumulators as they read before the wait.
extern "C" __global__ void emu_selftest_wgmma(const __half* a, const __half* b, float* d, int mode) {
  extern __shared__ __half tiles[];  // A: 2048 bytes, then B: 512 bytes
  const bool mn_major = mode & 16;
  const uint32_t base = (uint32_t)__cvta_generic_to_shared(tiles);
  auto k_major = [](int mn, int k) { return (mn / 8) * 128 + (k / 8) * 64 + (mn % 8) * 8 + k % 8; };  // elements
  for (int i = threadIdx.x; i < 64 * 16; i += blockDim.x) tiles[k_major(i / 16, i % 16)] = a[i];
  for (int i = threadIdx.x; i < 16 * 16; i += blockDim.x) {
    int k = i / 16;
    int n = i % 16;
    tiles[1024 + (mn_major ? (n / 8) * 128 + (k / 8) * 64 + (k % 8) * 8 + n % 8 : k_major(n, k))] = b[i];
  }
  __syncthreads();
  auto desc = [](uint32_t address) {
    return (uint64_t)(address >> 4) | (uint64_t)(128 >> 4) << 16 | (uint64_t)(256 >> 4) << 32;
  };
  const int w = threadIdx.x / 32 % 4;
  const int g = threadIdx.x % 32 / 4;
  const int t = threadIdx.x % 4;
  float acc[8];
  if (!(mode & 1)) emu::wgmma_fence();
  if (mode & 8) {
    auto pair = [&](int row, int k) {
      __half2 h = __halves2half2(a[row * 16 + k], a[row * 16 + k + 1]);
      uint32_t bits;
      std::memcpy(&bits, &h, 4);
      return bits;
    };
    const int r = 16 * w + g;
    const uint32_t regs[4] = {pair(r, 2 * t), pair(r + 8, 2 * t), pair(r, 2 * t + 8), pair(r + 8, 2 * t + 8)};
    emu::wgmma_rs(acc, 16, regs, desc(base + 2048), false, false, mn_major);
  } else {
    emu::wgmma_ss(acc, 16, desc(base), desc(base + 2048), false, false, mn_major);
  }
  emu::wgmma_commit();
  float seen[8];
  std::memcpy(seen, acc, sizeof acc);
  if (!(mode & 2)) emu::wgmma_wait(0);
  const float* out = (mode & 4) ? seen : acc;
  for (int i = 0; i < 8; i++) {
    int row = 16 * w + g + 8 * ((i >> 1) & 1);
    int col = 8 * (i >> 2) + 2 * t + (i & 1);
    d[row * 16 + col] = out[i];
  }
}

// Warp 0 copies 32 floats into dynamic shared memory with cp.async and arrives on an mbarrier (noinc, count 32); warp 1 waits
// on it (mode 0) or not (mode 1) and writes what it reads to out. mode 2 uses a barrier nobody initialised; mode 3
// leaves warp 1's named-barrier arrival unmatched at the end of the block.
extern "C" __global__ void emu_selftest_mbarrier(const float* in, float* out, int mode) {
  extern __shared__ __align__(16) float buf[];  // 32 floats, NaN until written
  __shared__ __align__(8) uint64_t bar[2];
  const uint32_t b = (uint32_t)__cvta_generic_to_shared(&bar[0]);
  if (threadIdx.x == 0) emu::mbarrier_init(b, 32);
  __syncthreads();
  const int lane = threadIdx.x % 32;
  if (threadIdx.x < 32) {
    if (lane % 4 == 0) emu::cp_async16((uint32_t)__cvta_generic_to_shared(&buf[lane]), in + lane, 16);
    emu::cp_async_mbarrier_arrive_noinc(mode == 2 ? b + 8 : b);
  } else {
    if (mode == 0) emu::mbarrier_wait_parity(b, 0);
    if (mode == 3) emu::named_barrier_arrive(1, 64);
    out[lane] = buf[lane];
  }
}

// Launched in clusters of two: warp 0 of each block arrives on an mbarrier (count 32) of the other block's, through its
// shared::cluster address; every block waits on its own, then writes 10 * its rank + the cluster's blocks to
// out[blockIdx.x]. mode 1 maps an address to a rank the cluster does not have.
extern "C" __global__ void emu_selftest_cluster(float* out, int mode) {
  extern __shared__ __align__(8) uint64_t bars[];
  const uint32_t b = (uint32_t)__cvta_generic_to_shared(&bars[0]);
  if (threadIdx.x == 0) emu::mbarrier_init(b, 32);
  emu::cluster_sync();  // every block's barrier is in place before any arrival
  const int rank = emu::cluster_rank();
  if (threadIdx.x < 32) emu::mbarrier_arrive_cluster(emu::map_shared(b, mode == 1 ? 2 : rank ^ 1));
  emu::mbarrier_wait_parity(b, 0);
  if (threadIdx.x == 0) out[blockIdx.x] = 10.f * rank + emu::cluster_blocks();
  emu::cluster_sync();  // no block leaves while the other may still arrive on its barrier
}

// y[i] = ex2_fma(x[i]) (attention.cuh), the polynomial 2^x of FLAG_POLY_EXP, over a grid-stride loop.
extern "C" __global__ void emu_selftest_ex2_fma(const float* x, float* y, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    y[i] = sdj::ex2_fma(x[i]);
  }
}
