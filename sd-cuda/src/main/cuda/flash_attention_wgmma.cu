// Fused multi-head attention forward on Hopper's warpgroup tensor-core instructions (wgmma, sm_90a only): sdj's kernel
// table of wgmma_kernel.cuh's template, which says how the kernels work. The default attention on compute capability
// 9.0 (AttentionKernels).
#include "wgmma_kernel.cuh"

// DP: padded head size (wgmma's N of O += P V), BC: keys per tile (N of S = Q K^T), STAGES of K and of V, CONSUMERS
// (warpgroups of 64 query rows; three where their loop fits 160 registers), one block of 128 * (1 + CONSUMERS) threads
// per SM; the consumers take turns (ping-pong). AttentionKernels.wgmmaShape and WgmmaKernel mirror the table. Each
// row makes two kernels: K and V tiles chunked (..._dDP), and swizzled (..._dDP_sw, W = swizzle_bytes(DP);
// AttentionKernels.wgmmaSwizzleBytes). SDJ_WGMMA_SUMS rows make two more, chunked, for head sizes
// at least 8 short of DP: the rows' sums from a column of ones (..._dDP_ones) and that with packed float16
// exponentials too (float16 only, ..._dDP_f16exp). SDJ_WGMMA_SW192 rows make swizzled kernels of another shape
// (..._dDP_sw192: three consumers, 192 query rows per block, on 64-key tiles). WgmmaImage (Java) names them all.
#define SDJ_WGMMA(T, S, DP, BC, STAGES, CONSUMERS)                                                            \
  SDJ_WGMMA_KERNEL(T, sdj_flash_attention_wgmma_##S##_d##DP, DP, BC, STAGES, CONSUMERS, 0,                    \
                   sdj::wgmma::SOFTMAX_F32, sdj::wgmma::FLAG_TURNS)                                           \
  SDJ_WGMMA_KERNEL(T, sdj_flash_attention_wgmma_##S##_d##DP##_sw, DP, BC, STAGES, CONSUMERS,                  \
                   sdj::wgmma::swizzle_bytes(DP), sdj::wgmma::SOFTMAX_F32, sdj::wgmma::FLAG_TURNS)
#define SDJ_WGMMA_SW192(T, S, DP, BC, STAGES, CONSUMERS)                                                      \
  SDJ_WGMMA_KERNEL(T, sdj_flash_attention_wgmma_##S##_d##DP##_sw192, DP, BC, STAGES, CONSUMERS,               \
                   sdj::wgmma::swizzle_bytes(DP), sdj::wgmma::SOFTMAX_F32, sdj::wgmma::FLAG_TURNS)
#define SDJ_WGMMA_SUMS(DP, BC, STAGES, CONSUMERS)                                                             \
  SDJ_WGMMA_KERNEL(__half, sdj_flash_attention_wgmma_f16_d##DP##_ones, DP, BC, STAGES, CONSUMERS, 0,          \
                   sdj::wgmma::SOFTMAX_ONES, sdj::wgmma::FLAG_TURNS)                                          \
  SDJ_WGMMA_KERNEL(__nv_bfloat16, sdj_flash_attention_wgmma_bf16_d##DP##_ones, DP, BC, STAGES, CONSUMERS, 0,  \
                   sdj::wgmma::SOFTMAX_ONES, sdj::wgmma::FLAG_TURNS)                                          \
  SDJ_WGMMA_KERNEL(__half, sdj_flash_attention_wgmma_f16_d##DP##_f16exp, DP, BC, STAGES, CONSUMERS, 0,        \
                   sdj::wgmma::SOFTMAX_F16, sdj::wgmma::FLAG_TURNS)

#define SDJ_WGMMA_ALL(T, S)                                                                                   \
  SDJ_WGMMA(T, S, 48, 128, 3, 3)                                                                              \
  SDJ_WGMMA(T, S, 64, 128, 3, 3)                                                                              \
  SDJ_WGMMA(T, S, 80, 128, 2, 2)                                                                              \
  SDJ_WGMMA(T, S, 128, 128, 2, 2)                                                                             \
  SDJ_WGMMA(T, S, 160, 128, 2, 2)

SDJ_WGMMA_ALL(__half, f16)
SDJ_WGMMA_ALL(__nv_bfloat16, bf16)
// Where the softmax outweighs the products most (SD 1.5's head size 40): measured against the rows above.
SDJ_WGMMA_SUMS(48, 128, 3, 3)
// Where two consumers' 128 rows leave K and V traffic the limit: a third less of it per query row (64-key tiles keep
// three consumers' loop within 160 registers), measured against the rows above.
#define SDJ_WGMMA_SW192_ALL(T, S)                                                                             \
  SDJ_WGMMA_SW192(T, S, 80, 64, 4, 3)                                                                         \
  SDJ_WGMMA_SW192(T, S, 128, 64, 4, 3)                                                                        \
  SDJ_WGMMA_SW192(T, S, 160, 64, 3, 3)
SDJ_WGMMA_SW192_ALL(__half, f16)
SDJ_WGMMA_SW192_ALL(__nv_bfloat16, bf16)
