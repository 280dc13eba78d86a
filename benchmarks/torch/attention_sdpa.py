"""PyTorch SDPA at the shapes of sdj's AttentionBench (batch 2, 8 heads, N 4096, fp16), for side-by-side figures.

Run on a CUDA machine: python3 benchmarks/torch/attention_sdpa.py [N]
"""
import sys

import torch
import torch.nn.functional as F

n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
batch, heads = 2, 8
print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}")
print(f"{'d':<6} {'N':<6} {'ms':<10} {'TFLOP/s':<10}")
for d in (40, 64, 80, 128, 160):
    q, k, v = (torch.randn(batch, heads, n, d, device="cuda", dtype=torch.float16) for _ in range(3))
    for _ in range(3):
        F.scaled_dot_product_attention(q, k, v)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    iterations = 20
    start.record()
    for _ in range(iterations):
        F.scaled_dot_product_attention(q, k, v)
    end.record()
    torch.cuda.synchronize()
    ms = start.elapsed_time(end) / iterations
    flops = 4 * batch * heads * n * n * d
    print(f"{d:<6} {n:<6} {ms:<10.3f} {flops / (ms * 1e-3) / 1e12:<10.1f}")
