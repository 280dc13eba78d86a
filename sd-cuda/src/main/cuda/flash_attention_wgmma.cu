// Fused multi-head attention forward on Hopper's warpgroup tensor-core instructions (wgmma, sm_90a only): sdj's kernel
// table of wgmma_kernel.cuh's template, which says how the kernels work. The default attention on compute capability
// 9.0 (AttentionKernels).
#include "wgmma_kernel.cuh"

// One kernel per storage type (T, S) and padded head size DP: BC keys per tile (N of S = Q K^T), STAGES of K and of V,
// CONSUMERS warpgroups of 64 query rows, W the swizzle width in bytes of the K and V tiles (0: chunked), SOFTMAX the
// softmax's form (wgmma_attention.cuh; the column of ones takes head sizes up to DP - 8 alone, packed float16
// exponentials float16 alone) and FLAGS (wgmma_kernel.cuh). WgmmaKernel.TABLE mirrors the rows, in this order
// (FlashAttentionWgmmaLaunchTest compares them). The attention tuning image (src/test/tune) times other rows against
// these on a GPU (AttentionTune), which is how a row here is chosen. No row runs in clusters (FLAG_CLUSTER): one that
// did would pass SDJ_CLUSTER_PAIR for its cluster dimensions.
#define SDJ_WGMMA(T, S, DP, BC, STAGES, CONSUMERS, W, SOFTMAX, FLAGS)                                              \
  static_assert(!((FLAGS) & sdj::wgmma::FLAG_CLUSTER), "the table's kernels run outside clusters");                \
  SDJ_WGMMA_KERNEL(T, sdj_flash_attention_wgmma_##S##_d##DP, DP, BC, STAGES, CONSUMERS, W, SOFTMAX, FLAGS, )

// The fastest rows of AttentionTune's sweeps on an H200 (2026-11-27, runs 9 and 10; 2026-11-28, run 11; RESULTS.md),
// persistent blocks left out (within 1% of these, and they leave launches without maps or with a negative scale to the
// mma.sync kernel). Swizzled K and V tiles (W) won most: 1.76x at head size 128, 1.82x at 160, 1.28x at 80 (with
// 112-key tiles and three consumers). At 40 and 64 four consumers (256 query rows a block, 112 registers each) on 80-
// and 64-key tiles won 1.15-1.17x and 1.07-1.08x over the three-consumer rows on 128 keys before them; at 40 with the
// column of ones and no fence after the bulk copies (flag 4), at 64 with the query tile swizzled too (flag 2). Four
// consumers where their loop fits 112 registers, else three where it fits 160, else two; the consumers take turns
// (flag 1); at 160 the stages are given back by warp (flag 16). Run 11 added, each 2-8% over the rows before: the
// softmax held under O += P V (flag 512) at 40, 80, 128 and 160; stale maxima (flag 2048) at 40, 64, 80 and 128; the
// query in registers and no fence (flags 1024 and 4) at 128.
SDJ_WGMMA(__half, f16, 48, 80, 4, 4, 0, 1, 2565)
SDJ_WGMMA(__half, f16, 64, 64, 4, 4, 128, 0, 2055)
SDJ_WGMMA(__half, f16, 80, 112, 3, 3, 32, 0, 2563)
SDJ_WGMMA(__half, f16, 128, 128, 2, 2, 128, 0, 3591)
SDJ_WGMMA(__half, f16, 160, 128, 2, 2, 64, 0, 535)
SDJ_WGMMA(__nv_bfloat16, bf16, 48, 80, 4, 4, 0, 1, 2565)
SDJ_WGMMA(__nv_bfloat16, bf16, 64, 64, 4, 4, 128, 0, 2055)
SDJ_WGMMA(__nv_bfloat16, bf16, 80, 112, 3, 3, 32, 0, 2563)
SDJ_WGMMA(__nv_bfloat16, bf16, 128, 128, 2, 2, 128, 0, 3591)
SDJ_WGMMA(__nv_bfloat16, bf16, 160, 128, 2, 2, 64, 0, 535)
