// Kernels that break CUDA's rules on purpose, one rule each, so that EmulatedDispatchTest can check that the emulator
// reports what a GPU would leave undefined; and one that keeps them, a block sum through shared memory and shuffles.

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
