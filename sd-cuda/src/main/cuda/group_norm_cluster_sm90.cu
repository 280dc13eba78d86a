// Channels-last group norm (then SiLU) in one kernel, for compute capability 9.0 and newer: where norms.cu takes three
// launches (each chunk's statistics, their merge, the apply) and reads x twice, a cluster of 8 blocks (sm_90's thread
// block clusters) takes one sample's slice of whole groups, each block a run of its pixels, which it keeps in shared
// memory from the one read of x to the write of y; the blocks trade their groups' moments through distributed shared
// memory (mapa, ld.shared::cluster) between two cluster barriers instead of through global memory and a second launch.
// ClusterGroupNorm.java decides where it applies (16-byte vectors, the run in shared memory) and how it is cut;
// everywhere else, and on older GPUs (build-kernels.sh compiles *_sm90 files for sm_90 and newer only), norms.cu's
// kernels run. Every sum is taken in a fixed order, so the same input gives the same bits every time.
//
// x, y [N, pixels, C] (16-byte aligned, C % 8 == 0); groups of cpg = C / groups channels. Grid (8, C / slice, N):
// cluster (blockIdx.y, blockIdx.z) takes channels [slice * blockIdx.y, + slice) of sample blockIdx.z (slice a multiple
// of both 8 and cpg); its block of rank r takes pixels [r * per_block, + per_block) of them (fewer at the end, none
// past it). Block (slice / 8, rows): thread (tx, ty) moves channel vector tx of pixels ty, ty + rows, ...
#include "group_norm.cuh"
#include "cluster.cuh"

namespace sdj {

constexpr int GN_CLUSTER = 8;  // ClusterGroupNorm.CLUSTER: blocks per cluster, the portable most

// Bytes of the pixel run at the start of dynamic shared memory (ClusterGroupNorm.sharedBytes adds the rest as the
// kernel lays it out below).
__device__ __forceinline__ int gn_run_bytes(int per_block, int slice) { return per_block * slice * 2; }

// Loads of 16 bytes that each thread keeps in flight while it copies its pixels into shared memory.
constexpr int GN_LOADS = 8;

template <typename T>
__device__ void group_norm_cluster_body(const T* __restrict__ x, const T* __restrict__ gamma,
                                        const T* __restrict__ beta, T* __restrict__ y, int pixels, int channels,
                                        int groups, int slice, int per_block, float eps, int silu_after) {
  extern __shared__ __align__(16) unsigned char sdj_gn_dynamic[];
  const int cpg = channels / groups;
  const int gs = slice / cpg;  // groups in the slice
  const int vectors = slice / VEC;
  const int tx = threadIdx.x;
  const int ty = threadIdx.y;
  const int rows = blockDim.y;
  const int tid = ty * blockDim.x + tx;
  const int threads = blockDim.x * blockDim.y;
  const int rank = wgmma::cluster_rank();
  auto first_pixel = [&](int r) { return min(pixels, r * per_block); };
  auto pixels_of = [&](int r) { return min(pixels, first_pixel(r) + per_block) - first_pixel(r); };
  const int np = pixels_of(rank);
  const long long at = ((long long)blockIdx.z * pixels + first_pixel(rank)) * channels + (long long)blockIdx.y * slice;
  const T* xs = x + at;
  T* ys = y + at;

  uint4* run = reinterpret_cast<uint4*>(sdj_gn_dynamic);
  float* part = reinterpret_cast<float*>(sdj_gn_dynamic + gn_run_bytes(per_block, slice));
  float* chan = part + threads * (VEC + 1);
  float* mean = chan + slice;
  float* moments = mean + gs;        // this block's (mean, m2) of each group, which the whole cluster reads
  float* merged = moments + 2 * gs;  // each group's (mean, rstd)

  // The block's pixels into shared memory, GN_LOADS rows per thread in flight.
  for (int p = ty; p < np; p += GN_LOADS * rows) {
    uint4 held[GN_LOADS];
#pragma unroll
    for (int u = 0; u < GN_LOADS; u++) {
      const int q = p + u * rows;
      if (q < np) held[u] = load8(xs + (long long)q * channels + tx * VEC);
    }
#pragma unroll
    for (int u = 0; u < GN_LOADS; u++) {
      const int q = p + u * rows;
      if (q < np) run[q * vectors + tx] = held[u];
    }
  }
  __syncthreads();

  const T* shared_run = reinterpret_cast<const T*>(run);
  if (np > 0) {
    nhwc_moments<T, VEC>(shared_run, slice, gs, 0, np, part, chan, mean, [&](int g, float mu, float m2) {
      moments[2 * g] = mu;
      moments[2 * g + 1] = m2;
    });
  } else {  // past the last pixel (fewer than 8 * per_block): no elements, and so no weight in the merge
    for (int g = tid; g < gs; g += threads) moments[2 * g] = moments[2 * g + 1] = 0.f;
  }
  wgmma::cluster_sync();  // every block's moments written, and visible to the cluster

  // Each group's moments over the cluster's blocks, merged in rank order by the parallel form of Chan et al.'s update
  // (as norms.cu's group_merge, about the first block's mean): every block computes the same numbers.
  const float count = (float)pixels * (float)cpg;
  for (int g = tid; g < gs; g += threads) {
    float mk[GN_CLUSTER], qk[GN_CLUSTER], nk[GN_CLUSTER];
#pragma unroll
    for (int r = 0; r < GN_CLUSTER; r++) {
      mk[r] = wgmma::load_cluster_f32(wgmma::map_shared(&moments[2 * g], r));
      qk[r] = wgmma::load_cluster_f32(wgmma::map_shared(&moments[2 * g + 1], r));
      nk[r] = (float)pixels_of(r) * (float)cpg;
    }
    float s = 0.f;
#pragma unroll
    for (int r = 0; r < GN_CLUSTER; r++) s += nk[r] * (mk[r] - mk[0]);
    const float mu = mk[0] + s / count;
    float m2 = 0.f;
#pragma unroll
    for (int r = 0; r < GN_CLUSTER; r++) {
      const float d = mk[r] - mu;
      m2 += qk[r] + nk[r] * d * d;
    }
    merged[2 * g] = mu;
    merged[2 * g + 1] = rsqrtf(m2 / count + eps);
  }
  __syncthreads();

  // y from the run in shared memory: each thread's 8 channels keep their channel_affine in registers.
  float m[VEC], a[VEC], b[VEC];
#pragma unroll
  for (int j = 0; j < VEC; j++) {
    channel_affine(merged, cpg, gamma + blockIdx.y * slice, beta + blockIdx.y * slice, tx * VEC + j, m[j], a[j], b[j]);
  }
  for (int p = ty; p < np; p += rows) {
    *reinterpret_cast<uint4*>(ys + (long long)p * channels + tx * VEC) =
        normalize8<T>(run[p * vectors + tx], m, a, b, silu_after);
  }
  wgmma::cluster_sync();  // no block leaves while another may still read its moments
}

}  // namespace sdj

#define SDJ_GROUP_NORM_CLUSTER(T, S)                                                                              \
  extern "C" __global__ void __launch_bounds__(256) __cluster_dims__(sdj::GN_CLUSTER, 1, 1)                      \
      sdj_group_norm_cluster_nhwc_##S(const T* x, const T* gamma, const T* beta, T* y, int pixels, int channels, \
                                      int groups, int slice, int per_block, float eps, int silu) {               \
    sdj::group_norm_cluster_body<T>(x, gamma, beta, y, pixels, channels, groups, slice, per_block, eps, silu);  \
  }

SDJ_GROUP_NORM_CLUSTER(__half, f16)
SDJ_GROUP_NORM_CLUSTER(__nv_bfloat16, bf16)
