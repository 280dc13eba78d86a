// Fused multi-head attention forward on Hopper's warpgroup tensor-core instructions (wgmma, sm_90a only): sdj's kernel
// table of wgmma_kernel.cuh's template, which says how the kernels work. The default attention on compute capability
// 9.0 (AttentionKernels).
#include "wgmma_kernel.cuh"

// One kernel per storage type (T, S) and padded head size DP: BC keys per tile (N of S = Q K^T), STAGES of K and of V,
// CONSUMERS warpgroups of 64 query rows, W the swizzle width in bytes of the K and V tiles (0: chunked), SOFTMAX the
// softmax's form (wgmma_attention.cuh; the column of ones takes head sizes up to DP - 8 alone, packed float16
// exponentials float16 alone) and FLAGS (wgmma_kernel.cuh). WgmmaKernel.TABLE mirrors the rows, in this order
// (FlashAttentionWgmmaLaunchTest compares them). The attention tuning image (src/test/tune) times other rows against
// these on a GPU (AttentionTune), which is how a row here is chosen.
#define SDJ_WGMMA(T, S, DP, BC, STAGES, CONSUMERS, W, SOFTMAX, FLAGS) \
  SDJ_WGMMA_KERNEL(T, sdj_flash_attention_wgmma_##S##_d##DP, DP, BC, STAGES, CONSUMERS, W, SOFTMAX, FLAGS)

// 128-key tiles; three consumers and stages where their loop fits 160 registers (DP up to 64: three won 5% at head
// size 40 and 20% at 64 on an H200), else two; chunked K and V tiles, float sums, the consumers taking turns.
SDJ_WGMMA(__half, f16, 48, 128, 3, 3, 0, 0, 1)
SDJ_WGMMA(__half, f16, 64, 128, 3, 3, 0, 0, 1)
SDJ_WGMMA(__half, f16, 80, 128, 2, 2, 0, 0, 1)
SDJ_WGMMA(__half, f16, 128, 128, 2, 2, 0, 0, 1)
SDJ_WGMMA(__half, f16, 160, 128, 2, 2, 0, 0, 1)
SDJ_WGMMA(__nv_bfloat16, bf16, 48, 128, 3, 3, 0, 0, 1)
SDJ_WGMMA(__nv_bfloat16, bf16, 64, 128, 3, 3, 0, 0, 1)
SDJ_WGMMA(__nv_bfloat16, bf16, 80, 128, 2, 2, 0, 0, 1)
SDJ_WGMMA(__nv_bfloat16, bf16, 128, 128, 2, 2, 0, 0, 1)
SDJ_WGMMA(__nv_bfloat16, bf16, 160, 128, 2, 2, 0, 0, 1)
