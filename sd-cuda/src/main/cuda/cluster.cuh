// Thread block clusters (sm_90), as the wgmma attention kernel's pairs of blocks (wgmma_kernel.cuh, FLAG_CLUSTER) and
// the one-kernel group norm (group_norm_cluster_sm90.cu) use them: a block's rank in its cluster, the address of the
// same byte of another block's shared memory (mapa), a load from there, an mbarrier arrival there, bulk tensor copies
// multicast to several blocks' shared memory, and the cluster-wide barrier. Under SDJ_EMU (sd-cuda's CPU emulator,
// src/test/emu) each is the emulator's model (emu.h).
#pragma once
#include "wgmma.cuh"

namespace sdj {
namespace wgmma {

// %cluster_ctarank: this block's rank in its cluster (0 .. blocks - 1, along x).
__device__ __forceinline__ int cluster_rank() {
#ifdef SDJ_EMU
  return emu::cluster_rank();
#else
  uint32_t r;
  asm volatile("mov.u32 %0, %%cluster_ctarank;\n" : "=r"(r));
  return (int)r;
#endif
}

// %cluster_nctarank: the blocks of this block's cluster.
__device__ __forceinline__ int cluster_blocks() {
#ifdef SDJ_EMU
  return emu::cluster_blocks();
#else
  uint32_t n;
  asm volatile("mov.u32 %0, %%cluster_nctarank;\n" : "=r"(n));
  return (int)n;
#endif
}

// The shared::cluster address of what p points at in this block's shared memory, in block `rank`'s instead.
__device__ __forceinline__ uint32_t map_shared(const void* p, int rank) {
#ifdef SDJ_EMU
  return emu::map_shared(smem(p), rank);
#else
  uint32_t a;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;\n" : "=r"(a) : "r"(smem(p)), "r"(rank));
  return a;
#endif
}

// ld.shared::cluster.f32: the float at a shared::cluster address (map_shared), another block's shared memory or this
// one's; what that block wrote before a cluster_sync both took part in.
__device__ __forceinline__ float load_cluster_f32(uint32_t address) {
#ifdef SDJ_EMU
  return emu::load_shared_cluster_f32(address);
#else
  float v;
  asm volatile("ld.shared::cluster.f32 %0, [%1];\n" : "=f"(v) : "r"(address) : "memory");
  return v;
#endif
}

// One arrival on the mbarrier at a shared::cluster address (map_shared), releasing this thread's earlier reads and
// writes at cluster scope: how a consumer gives a stage back to the block whose producer fills it.
__device__ __forceinline__ void mbar_arrive_cluster(uint32_t bar) {
#ifdef SDJ_EMU
  emu::mbarrier_arrive_cluster(bar);
#else
  asm volatile("mbarrier.arrive.release.cluster.shared::cluster.b64 _, [%0];\n" ::"r"(bar) : "memory");
#endif
}

// tma_load's 4-d box into shared memory at dst of every block of the cluster in `mask` (bit r for rank r), each copy
// completing its bytes on that block's mbarrier at bar's offset.
__device__ __forceinline__ void tma_load_multicast(void* dst, const CUtensorMap* map, int c0, int c1, int c2, int c3,
                                                   uint64_t* bar, uint16_t mask) {
#ifdef SDJ_EMU
  const int coords[4] = {c0, c1, c2, c3};
  emu::tma_load_multicast(smem(dst), map, coords, smem(bar), mask);
#else
  asm volatile(
      "cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.multicast::cluster [%0], "
      "[%1, {%2, %3, %4, %5}], [%6], %7;\n" ::"r"(smem(dst)),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "r"(smem(bar)), "h"(mask)
      : "memory");
#endif
}

// barrier.cluster: every thread of the cluster arrives (release) and waits for all (acquire). Not .aligned: threads
// of a warp may come from different branches.
__device__ __forceinline__ void cluster_sync() {
#ifdef SDJ_EMU
  emu::cluster_sync();
#else
  asm volatile("barrier.cluster.arrive.release;\nbarrier.cluster.wait.acquire;\n" ::: "memory");
#endif
}

}  // namespace wgmma
}  // namespace sdj
