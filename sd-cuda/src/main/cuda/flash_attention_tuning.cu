// Other tile shapes of the mma.sync attention kernel (flash_attention.cuh), float16 only, built for sm_90 alone: not
// used by the backend, but timed by AttentionBench's "tuning" run against the shapes flash_attention.cu ships, so that
// one GPU session measures which shape fills an H100/H200 best at SD's sizes. A shape that wins moves to
// SDJ_FLASH_ALL. At SD 1.5's self-attention (batch 2, 8 heads, 4096 queries) the shipped 128-row blocks make 512
// blocks, 1.3 waves of 3 blocks per SM on 132 SMs; 64-row blocks (MT 1) make 1024, at 4 to 6 blocks per SM.
// Every entry compiles without spills on sm_90 (PtxasReportTest); AttentionKernels.TUNING mirrors the table.
#include "flash_attention.cuh"

// DP, BC, MT, QS as in flash_attention.cu; MINB: blocks per SM for __launch_bounds__, part of the name.
#define SDJ_FLASH_TUNING(DP, BC, MT, QS, MINB)                                                                    \
  extern "C" __global__ void __launch_bounds__(sdj::flash::THREADS, MINB)                                          \
      sdj_flash_attention_tuning_f16_d##DP##_bc##BC##_mt##MT##_##QS##_b##MINB(                                     \
          const __half* q, const __half* k, const __half* v, __half* o, int nq, int nk, int heads, int d, int ldq, \
          int ldkv, float scale_log2, int causal) {                                                                \
    sdj::flash::attention<__half, DP, BC, MT, QS>(q, k, v, o, nq, nk, heads, d, ldq, ldkv, scale_log2, causal);   \
  }

SDJ_FLASH_TUNING(48, 32, 1, false, 5)
SDJ_FLASH_TUNING(48, 32, 1, false, 6)
SDJ_FLASH_TUNING(48, 64, 1, false, 4)
SDJ_FLASH_TUNING(48, 64, 2, false, 2)
SDJ_FLASH_TUNING(64, 32, 1, false, 5)
SDJ_FLASH_TUNING(64, 64, 1, false, 4)
SDJ_FLASH_TUNING(64, 64, 2, false, 2)
SDJ_FLASH_TUNING(80, 32, 1, false, 4)
SDJ_FLASH_TUNING(80, 64, 1, false, 3)
SDJ_FLASH_TUNING(80, 64, 2, false, 2)
SDJ_FLASH_TUNING(128, 32, 1, true, 3)
SDJ_FLASH_TUNING(160, 32, 1, true, 3)
