// The attention tuning image (build-tune.sh; AttentionTune times it on a GPU): wgmma_kernel.cuh's template in shapes
// sdj's table (flash_attention_wgmma.cu) does not have, float16 only, at the head sizes of the attention benchmark (40,
// 64, 80, 128 and 160, padded to DP). Each kernel's name says its shape, which AttentionTune reads back:
// sdj_tune_f16_dDP_kBC_sSTAGES_cCONSUMERS_wW_xSOFTMAX_fFLAGS, with W the swizzle width of the K and V tiles in bytes
// (0: chunked; else a width whose column blocks, W / 2 columns, divide DP), SOFTMAX wgmma_attention.cuh's form (0 float
// sums, 1 a column of ones, 2 packed float16 exponentials; 1 and 2 with chunked tiles and a spare chunk only: DP 48)
// and FLAGS wgmma_kernel.cuh's (1 the consumers take turns, 2 the query tile swizzled too, 4 no proxy fence after the
// bulk copies, 8 clusters of two blocks sharing their K and V copies, 16 stages given back by warp, not by thread, 32
// persistent blocks, which take a positive scale only, 512 the softmax of a tile under the product of the last,
// FlashAttention-3's intra-warpgroup overlap, which ptxas keeps only so, 1024 the query tile's fragments in registers
// for S = Q K^T, 2048 stale maxima, a row's kept until its scores top it by 2^8, 4096 one exponential pair in eight by
// polynomial on the FMA units; and two diagnostics, whose kernels write NaN: 64 the copies alone, the consumers handing
// each stage back as it lands, 128 the products and softmax alone, on stages announced but not copied: each head size's
// last rows, at its first shapes, at a swizzled one and at the table's, say which part sets its pace), and with 128,
// 8192 the products alone (no softmax), 16384 the softmax alone (no products), both the handshakes alone. AttentionTune
// times the table's own kernel beside them (its `table` lines). Shapes that spill or have their wgmma serialized are
// left out of the list by build-tune.sh (rows found to spill are gone: 192-key tiles at 128, three consumers on 128-key
// tiles at 80, on 160-key tiles at 64 and on 96- and 80-key ones at 128 and 160, four consumers on 96-key tiles at 48,
// on 80-key ones at 64 and 80, on 64-key ones at 80 and on any at 128, 256 and 160 keys with packed float16
// exponentials at 48, persistent blocks of three consumers on swizzled tiles at 64 but with the query tile swizzled too
// and no fence); shapes whose shared memory exceeds the GPU's are skipped by AttentionTune.

#include "wgmma_kernel.cuh"

// A row with its cluster dimensions DIMS (SDJ_WGMMA_KERNEL's: SDJ_CLUSTER_PAIR where FLAGS has 8, else nothing), as
// build-tune.sh writes each row of the file below or of SDJ_TUNE_ROWS for nvcc.
#define SDJ_TUNE_IN(DIMS, DP, BC, STAGES, CONSUMERS, W, SOFTMAX, FLAGS)                                              \
  SDJ_WGMMA_KERNEL(__half, sdj_tune_f16_d##DP##_k##BC##_s##STAGES##_c##CONSUMERS##_w##W##_x##SOFTMAX##_f##FLAGS,      \
                   DP, BC, STAGES, CONSUMERS, W, SOFTMAX, FLAGS, DIMS)

#ifdef SDJ_TUNE_ROWS_FILE
#include SDJ_TUNE_ROWS_FILE
#else
// The rows as they stand, for the emulator (build-emu.sh), whose launches bring a cluster kernel's cluster size.
#ifndef SDJ_EMU
#error "nvcc builds the tuning image through build-tune.sh, which gives each row its cluster dimensions"
#endif
#define SDJ_TUNE(...) SDJ_TUNE_IN(, __VA_ARGS__)
// Head size 40: the exponentials' and the sums' share of the work (the softmax forms), tile lengths, two consumers;
// then without the proxy fence, and everything swizzled.
SDJ_TUNE(48, 128, 3, 3, 0, 0, 1)
SDJ_TUNE(48, 128, 3, 3, 0, 1, 1)
SDJ_TUNE(48, 128, 3, 3, 0, 2, 1)
SDJ_TUNE(48, 128, 3, 3, 0, 0, 0)
SDJ_TUNE(48, 128, 3, 3, 0, 2, 0)
SDJ_TUNE(48, 128, 3, 3, 32, 0, 1)
SDJ_TUNE(48, 64, 4, 3, 0, 0, 1)
SDJ_TUNE(48, 64, 4, 3, 0, 2, 1)
SDJ_TUNE(48, 96, 4, 3, 0, 2, 1)
SDJ_TUNE(48, 128, 4, 2, 0, 0, 1)
SDJ_TUNE(48, 192, 3, 2, 0, 2, 1)
SDJ_TUNE(48, 128, 3, 3, 0, 0, 5)
SDJ_TUNE(48, 128, 3, 3, 0, 2, 5)
SDJ_TUNE(48, 128, 3, 3, 32, 0, 7)
SDJ_TUNE(48, 128, 3, 3, 0, 0, 9)
SDJ_TUNE(48, 128, 3, 3, 0, 0, 17)
SDJ_TUNE(48, 128, 4, 2, 0, 0, 33)
SDJ_TUNE(48, 128, 3, 3, 0, 0, 33)
SDJ_TUNE(48, 128, 3, 3, 0, 2, 33)
SDJ_TUNE(48, 128, 3, 3, 0, 2, 37)
// Two blocks of two consumers per SM (flag 256): 64-key tiles, which fit 80 registers without spilling, plain, with the
// column of ones and no fence (turns on and off, stages by warp), swizzled.
SDJ_TUNE(48, 64, 4, 2, 0, 0, 257)
SDJ_TUNE(48, 64, 4, 2, 0, 1, 261)
SDJ_TUNE(48, 64, 3, 2, 0, 1, 261)
SDJ_TUNE(48, 64, 4, 2, 0, 1, 260)
SDJ_TUNE(48, 64, 4, 2, 0, 1, 277)
SDJ_TUNE(48, 64, 4, 2, 32, 0, 263)
// Four consumers (256 query rows, 112 registers each), the table's since run 10 on 80-key tiles: on 64 keys with the
// table's column of ones, turns and no fence, packed float16 exponentials, stages by warp, swizzled; on 80 keys the
// same forms and three stages; and the three consumers on 128 keys that the table had before.
SDJ_TUNE(48, 64, 4, 4, 0, 1, 5)
SDJ_TUNE(48, 64, 4, 4, 0, 2, 5)
SDJ_TUNE(48, 64, 4, 4, 0, 1, 21)
SDJ_TUNE(48, 64, 4, 4, 32, 0, 7)
SDJ_TUNE(48, 80, 4, 4, 0, 2, 5)
SDJ_TUNE(48, 80, 4, 4, 0, 1, 21)
SDJ_TUNE(48, 80, 4, 4, 32, 0, 7)
SDJ_TUNE(48, 80, 3, 4, 0, 1, 5)
SDJ_TUNE(48, 128, 3, 3, 0, 1, 5)
SDJ_TUNE(48, 128, 3, 3, 0, 0, 65)
SDJ_TUNE(48, 128, 3, 3, 0, 0, 129)
SDJ_TUNE(48, 128, 3, 3, 32, 0, 65)
SDJ_TUNE(48, 128, 3, 3, 32, 0, 129)
SDJ_TUNE(48, 80, 4, 4, 0, 1, 69)
SDJ_TUNE(48, 80, 4, 4, 0, 1, 133)
// The softmax under the products (512): the table's row, 64 keys, three consumers on 128 (the old row) and 112 keys,
// products only.
SDJ_TUNE(48, 80, 4, 4, 0, 1, 517)
SDJ_TUNE(48, 64, 4, 4, 0, 1, 517)
SDJ_TUNE(48, 128, 3, 3, 0, 1, 517)
SDJ_TUNE(48, 112, 3, 3, 0, 1, 517)
SDJ_TUNE(48, 80, 4, 4, 0, 1, 645)
// The query's fragments in registers (1024), with and without 512, where ptxas fits them (not four consumers).
SDJ_TUNE(48, 128, 3, 3, 0, 1, 1541)
SDJ_TUNE(48, 128, 3, 3, 0, 1, 1029)

// Stale maxima (2048): the table's row alone and with 512.
SDJ_TUNE(48, 80, 4, 4, 0, 1, 2053)
SDJ_TUNE(48, 80, 4, 4, 0, 1, 2565)

// One exponential pair in eight by polynomial (4096), the special-function units' share at 48 being over the tensor
// cores': the table's row alone, with 512, with 512 and 2048.
SDJ_TUNE(48, 80, 4, 4, 0, 1, 4101)
SDJ_TUNE(48, 80, 4, 4, 0, 1, 4613)
SDJ_TUNE(48, 80, 4, 4, 0, 1, 6661)

// Head size 64: swizzled tiles, tile lengths, turns; then the query tile swizzled too, and no proxy fence.
SDJ_TUNE(64, 128, 3, 3, 0, 0, 1)
SDJ_TUNE(64, 128, 3, 3, 128, 0, 1)
SDJ_TUNE(64, 128, 3, 3, 128, 0, 0)
SDJ_TUNE(64, 64, 4, 3, 128, 0, 1)
SDJ_TUNE(64, 96, 4, 3, 128, 0, 1)
SDJ_TUNE(64, 128, 3, 2, 128, 0, 1)
SDJ_TUNE(64, 192, 2, 2, 128, 0, 1)
SDJ_TUNE(64, 128, 3, 3, 0, 0, 5)
SDJ_TUNE(64, 128, 3, 3, 128, 0, 3)
SDJ_TUNE(64, 128, 3, 3, 128, 0, 5)
SDJ_TUNE(64, 128, 3, 3, 128, 0, 7)
SDJ_TUNE(64, 128, 3, 3, 0, 0, 9)
SDJ_TUNE(64, 128, 3, 3, 0, 0, 17)
SDJ_TUNE(64, 128, 3, 2, 128, 0, 33)
SDJ_TUNE(64, 128, 3, 3, 0, 0, 33)
SDJ_TUNE(64, 128, 3, 3, 128, 0, 39)
// Four consumers on 64-key swizzled tiles (the table's since run 10; 80 keys spill in 112 registers): the query tile
// plain, three stages, stages by warp, 64-byte swizzle, with the fence; 48 keys.
SDJ_TUNE(64, 64, 4, 4, 128, 0, 5)
SDJ_TUNE(64, 64, 3, 4, 128, 0, 7)
SDJ_TUNE(64, 64, 4, 4, 128, 0, 23)
SDJ_TUNE(64, 64, 4, 4, 64, 0, 7)
SDJ_TUNE(64, 64, 4, 4, 128, 0, 3)
SDJ_TUNE(64, 48, 4, 4, 128, 0, 7)
SDJ_TUNE(64, 128, 3, 3, 0, 0, 65)
SDJ_TUNE(64, 128, 3, 3, 0, 0, 129)
SDJ_TUNE(64, 128, 3, 3, 128, 0, 65)
SDJ_TUNE(64, 128, 3, 3, 128, 0, 129)
SDJ_TUNE(64, 128, 3, 3, 128, 0, 9)
// The softmax under the products (512): the table's row, the old three-consumer row, products only.
SDJ_TUNE(64, 64, 4, 4, 128, 0, 519)
SDJ_TUNE(64, 128, 3, 3, 128, 0, 519)
SDJ_TUNE(64, 64, 4, 4, 128, 0, 647)

// Stale maxima (2048): the table's row alone and with 512.
SDJ_TUNE(64, 64, 4, 4, 128, 0, 2055)
SDJ_TUNE(64, 64, 4, 4, 128, 0, 2567)

// One exponential pair in eight by polynomial (4096): the table's row alone, with 512, with 512 and 2048.
SDJ_TUNE(64, 64, 4, 4, 128, 0, 4103)
SDJ_TUNE(64, 64, 4, 4, 128, 0, 4615)
SDJ_TUNE(64, 64, 4, 4, 128, 0, 6663)

// Head size 80: swizzled tiles, tile lengths and stages, three consumers; then no proxy fence, the query tile too,
// with longer tiles.
SDJ_TUNE(80, 128, 2, 2, 0, 0, 1)
SDJ_TUNE(80, 128, 2, 2, 32, 0, 1)
SDJ_TUNE(80, 128, 2, 2, 32, 0, 0)
SDJ_TUNE(80, 128, 3, 2, 32, 0, 1)
SDJ_TUNE(80, 96, 3, 2, 32, 0, 1)
SDJ_TUNE(80, 176, 2, 2, 32, 0, 1)
SDJ_TUNE(80, 64, 4, 3, 32, 0, 1)
SDJ_TUNE(80, 96, 3, 3, 32, 0, 1)
SDJ_TUNE(80, 112, 3, 3, 32, 0, 1)
SDJ_TUNE(80, 128, 2, 2, 0, 0, 5)
SDJ_TUNE(80, 128, 2, 2, 32, 0, 7)
SDJ_TUNE(80, 64, 4, 3, 32, 0, 7)
SDJ_TUNE(80, 192, 2, 2, 32, 0, 7)
SDJ_TUNE(80, 128, 2, 2, 0, 0, 9)
SDJ_TUNE(80, 128, 2, 2, 0, 0, 17)
SDJ_TUNE(80, 128, 2, 2, 0, 0, 33)
SDJ_TUNE(80, 128, 2, 2, 32, 0, 33)
SDJ_TUNE(80, 128, 2, 2, 32, 0, 9)
// Four consumers on 48-key tiles (64 spill in 112 registers), the table's swizzle with and without the fence and the
// swizzled query tile, three stages.
SDJ_TUNE(80, 48, 4, 4, 32, 0, 3)
SDJ_TUNE(80, 48, 4, 4, 32, 0, 7)
SDJ_TUNE(80, 48, 4, 4, 32, 0, 1)
SDJ_TUNE(80, 48, 3, 4, 32, 0, 3)
SDJ_TUNE(80, 128, 2, 2, 0, 0, 65)
SDJ_TUNE(80, 128, 2, 2, 0, 0, 129)
SDJ_TUNE(80, 128, 2, 2, 32, 0, 65)
SDJ_TUNE(80, 128, 2, 2, 32, 0, 129)
SDJ_TUNE(80, 112, 3, 3, 32, 0, 67)
SDJ_TUNE(80, 112, 3, 3, 32, 0, 131)
// The softmax under the products (512): the table's row, 96 keys, two consumers on 128, 144 and 176 (ptxas fits their
// S, P and O), four on 48, products only.
SDJ_TUNE(80, 112, 3, 3, 32, 0, 515)
SDJ_TUNE(80, 96, 3, 3, 32, 0, 515)
SDJ_TUNE(80, 128, 2, 2, 32, 0, 515)
SDJ_TUNE(80, 144, 3, 2, 32, 0, 515)
SDJ_TUNE(80, 176, 2, 2, 32, 0, 515)
SDJ_TUNE(80, 48, 4, 4, 32, 0, 515)
SDJ_TUNE(80, 112, 3, 3, 32, 0, 643)
// The query's fragments in registers (1024), with and without 512: two consumers only (three spill).
SDJ_TUNE(80, 128, 2, 2, 32, 0, 1539)
SDJ_TUNE(80, 144, 3, 2, 32, 0, 1539)
SDJ_TUNE(80, 176, 2, 2, 32, 0, 1539)
SDJ_TUNE(80, 128, 2, 2, 32, 0, 1027)

// Stale maxima (2048): the table's row alone and with 512; two consumers with 512 and 1024 too.
SDJ_TUNE(80, 112, 3, 3, 32, 0, 2051)
SDJ_TUNE(80, 112, 3, 3, 32, 0, 2563)
SDJ_TUNE(80, 128, 2, 2, 32, 0, 3587)

// One exponential pair in eight by polynomial (4096): the table's row alone, with 512, with 512 and 2048.
SDJ_TUNE(80, 112, 3, 3, 32, 0, 4099)
SDJ_TUNE(80, 112, 3, 3, 32, 0, 4611)
SDJ_TUNE(80, 112, 3, 3, 32, 0, 6659)

// Head size 128: swizzled tiles (128- and 64-byte), FlashAttention-3's 176-key tiles, turns, three stages of 128
// keys (all the shared memory a block has), three consumers; then the query tile swizzled too, no proxy fence, and
// both, at 128 and 176 keys.
SDJ_TUNE(128, 128, 2, 2, 0, 0, 1)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 1)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 0)
SDJ_TUNE(128, 128, 2, 2, 64, 0, 1)
SDJ_TUNE(128, 176, 2, 2, 128, 0, 1)
SDJ_TUNE(128, 176, 2, 2, 128, 0, 0)
SDJ_TUNE(128, 160, 2, 2, 128, 0, 1)
SDJ_TUNE(128, 96, 3, 2, 128, 0, 1)
SDJ_TUNE(128, 64, 4, 2, 128, 0, 1)
SDJ_TUNE(128, 128, 3, 2, 0, 0, 1)
SDJ_TUNE(128, 128, 3, 2, 128, 0, 1)
SDJ_TUNE(128, 64, 4, 3, 128, 0, 1)
SDJ_TUNE(128, 80, 3, 3, 128, 0, 1)
SDJ_TUNE(128, 128, 2, 2, 0, 0, 5)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 3)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 5)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 7)
SDJ_TUNE(128, 176, 2, 2, 128, 0, 7)
SDJ_TUNE(128, 176, 2, 2, 128, 0, 6)
SDJ_TUNE(128, 128, 2, 2, 0, 0, 9)
SDJ_TUNE(128, 128, 2, 2, 0, 0, 17)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 23)
SDJ_TUNE(128, 128, 2, 2, 0, 0, 33)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 33)
SDJ_TUNE(128, 176, 2, 2, 128, 0, 33)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 9)
SDJ_TUNE(128, 176, 2, 2, 128, 0, 9)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 15)
SDJ_TUNE(128, 176, 2, 2, 128, 0, 15)
SDJ_TUNE(128, 128, 2, 2, 0, 0, 65)
SDJ_TUNE(128, 128, 2, 2, 0, 0, 129)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 65)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 129)
// The softmax under the products (512): the table's row, FlashAttention-3's 176 keys, products only.
SDJ_TUNE(128, 128, 2, 2, 128, 0, 515)
SDJ_TUNE(128, 176, 2, 2, 128, 0, 515)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 643)
// The query's fragments in registers (1024), with and without 512.
SDJ_TUNE(128, 128, 2, 2, 128, 0, 1539)
SDJ_TUNE(128, 112, 2, 2, 128, 0, 1539)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 1027)

// Stale maxima (2048): the table's row alone, with 512, with 512 and 1024.
SDJ_TUNE(128, 128, 2, 2, 128, 0, 2051)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 2563)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 3587)

// Head size 160: swizzled tiles, tile lengths and stages, turns (FlashAttention-3 goes without from here), three
// consumers; then no proxy fence, the query tile swizzled too.
SDJ_TUNE(160, 128, 2, 2, 0, 0, 1)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 1)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 0)
SDJ_TUNE(160, 112, 2, 2, 64, 0, 1)
SDJ_TUNE(160, 112, 2, 2, 64, 0, 0)
SDJ_TUNE(160, 144, 2, 2, 64, 0, 1)
SDJ_TUNE(160, 80, 3, 2, 64, 0, 1)
SDJ_TUNE(160, 64, 4, 2, 64, 0, 1)
SDJ_TUNE(160, 64, 3, 3, 64, 0, 1)
SDJ_TUNE(160, 128, 2, 2, 0, 0, 5)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 7)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 6)
SDJ_TUNE(160, 112, 2, 2, 64, 0, 6)
SDJ_TUNE(160, 128, 2, 2, 0, 0, 9)
SDJ_TUNE(160, 128, 2, 2, 0, 0, 17)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 9)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 15)
SDJ_TUNE(160, 112, 2, 2, 64, 0, 14)
SDJ_TUNE(160, 128, 2, 2, 0, 0, 33)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 33)
// Three consumers on short tiles (48 and 64 keys), with the table's flags and no fence.
SDJ_TUNE(160, 48, 3, 3, 64, 0, 7)
SDJ_TUNE(160, 64, 3, 3, 64, 0, 7)
SDJ_TUNE(160, 48, 4, 3, 64, 0, 23)
SDJ_TUNE(160, 128, 2, 2, 0, 0, 65)
SDJ_TUNE(160, 128, 2, 2, 0, 0, 129)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 65)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 129)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 71)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 135)
// The softmax under the products (512): the table's row, 112 and 144 keys, three consumers on 64, products only.
SDJ_TUNE(160, 128, 2, 2, 64, 0, 535)
SDJ_TUNE(160, 112, 2, 2, 64, 0, 535)
SDJ_TUNE(160, 144, 2, 2, 64, 0, 535)
SDJ_TUNE(160, 64, 3, 3, 64, 0, 519)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 647)
// The query's fragments in registers (1024), with and without 512, on tiles short enough for them (128 keys spill).
SDJ_TUNE(160, 96, 3, 2, 64, 0, 1559)
SDJ_TUNE(160, 112, 2, 2, 64, 0, 1559)
SDJ_TUNE(160, 112, 2, 2, 64, 0, 1047)

// Stale maxima (2048): the table's row alone and with 512; 112 keys with 512 and 1024 too.
SDJ_TUNE(160, 128, 2, 2, 64, 0, 2071)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 2583)
SDJ_TUNE(160, 112, 2, 2, 64, 0, 3607)

// The products alone, the softmax left out too (8192 with 128; output NaN), at each table shape but 48 (whose four
// consumers' wgmma ptxas serializes there, "insufficient register resources"), with and without 512: the tensor
// cores' pace at the shape, beside the products with the softmax (_f131-135, _f643-647).
SDJ_TUNE(64, 64, 4, 4, 128, 0, 8327)
SDJ_TUNE(80, 112, 3, 3, 32, 0, 8323)
SDJ_TUNE(80, 112, 3, 3, 32, 0, 8835)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 8327)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 8327)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 8839)

// The softmax alone, the products left out (16384 with 128; output NaN), at each table shape, with and without 512:
// beside the products alone and the two together, whether the softmax runs under the products or after them. And at
// 80 and 160 the handshakes alone (16384 and 8192 with 128).
SDJ_TUNE(48, 80, 4, 4, 0, 1, 17029)
SDJ_TUNE(64, 64, 4, 4, 128, 0, 17031)
SDJ_TUNE(80, 112, 3, 3, 32, 0, 16515)
SDJ_TUNE(80, 112, 3, 3, 32, 0, 17027)
SDJ_TUNE(128, 128, 2, 2, 128, 0, 17027)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 16519)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 17031)
SDJ_TUNE(80, 112, 3, 3, 32, 0, 24707)
SDJ_TUNE(160, 128, 2, 2, 64, 0, 24711)
#endif
