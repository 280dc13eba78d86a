// The FlashAttention-2 kernels on mma.sync (flash_attention.cuh), one per padded head size and storage type.
#include "flash_attention.cuh"

// DP: padded head size, BC: keys per tile, MT: 16-row m-tiles per warp (64 * MT query rows per block), QS: query
// fragments read from a resident shared tile at every k-step instead of held in registers.
#define SDJ_FLASH(T, S, DP, BC, MT, QS, MINB)                                                              \
  extern "C" __global__ void __launch_bounds__(sdj::flash::THREADS, MINB)                                  \
      sdj_flash_attention_##S##_d##DP(const T* q, const T* k, const T* v, T* o, int nq, int nk, int heads, \
                                         int d, int ldq, int ldkv, float scale_log2, int causal) {         \
    sdj::flash::attention<T, DP, BC, MT, QS>(q, k, v, o, nq, nk, heads, d, ldq, ldkv, scale_log2, causal); \
  }

// d96's query-resident tiles take 39 KiB: three blocks fit an SM's shared memory on sm_80 and sm_90 (164 / 228 KiB)
// but not on sm_86 / sm_89 (100 KiB), where asking ptxas for three (168 registers) only made it spill.
#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ == 860 || __CUDA_ARCH__ == 890)
#define SDJ_FLASH_D96_MINB 2
#else
#define SDJ_FLASH_D96_MINB 3
#endif

// Keep MT (rows per block: 128 for all) and the dynamic shared memory sizes (DP 128 and 160) in step with
// AttentionKernels.flashRows and AttentionKernels.flashSharedBytes. MINB (blocks per SM for __launch_bounds__) steers ptxas to
// 128 or 168 registers where that costs no spill; PtxasReportTest checks that none spills. At DP 48, 64 and 80,
// 64-key tiles at two blocks per SM beat 32-key ones at three by 23%, 21% and 30% on an H200 (2026-11-27, batch 2 x 8
// heads x 4096 rows; 64-row blocks and five or six blocks per SM lost): a measure on Hopper, where the backend runs
// flash_attention_wgmma.cu instead, taken for the Ampere and Ada GPUs this kernel serves.
#define SDJ_FLASH_ALL(T, S)               \
  SDJ_FLASH(T, S, 16, 64, 2, false, 4)    \
  SDJ_FLASH(T, S, 32, 64, 2, false, 3)    \
  SDJ_FLASH(T, S, 48, 64, 2, false, 2)    \
  SDJ_FLASH(T, S, 64, 64, 2, false, 2)    \
  SDJ_FLASH(T, S, 80, 64, 2, false, 2)    \
  SDJ_FLASH(T, S, 96, 32, 2, true, SDJ_FLASH_D96_MINB) \
  SDJ_FLASH(T, S, 128, 32, 2, true, 2)    \
  SDJ_FLASH(T, S, 160, 32, 2, true, 2)

SDJ_FLASH_ALL(__half, f16)
SDJ_FLASH_ALL(__nv_bfloat16, bf16)
