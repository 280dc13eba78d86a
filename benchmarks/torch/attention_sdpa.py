"""PyTorch SDPA at the shapes of sdj's AttentionBench (batch 2, 8 heads, N 4096, fp16), for side-by-side figures.

The headline is SDPA as PyTorch dispatches it (the best backend it picks); each backend it has (FlashAttention-2,
memory-efficient, cuDNN) is then timed on its own where it takes the shape, so that a ratio can name what it beat.

Run on a CUDA machine: python3 benchmarks/torch/attention_sdpa.py [N]
"""
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
batch, heads = 2, 8
BACKENDS = [("flash", SDPBackend.FLASH_ATTENTION), ("efficient", SDPBackend.EFFICIENT_ATTENTION),
            ("cudnn", SDPBackend.CUDNN_ATTENTION)]


def time_ms(q, k, v, iterations=20):
    for _ in range(3):
        F.scaled_dot_product_attention(q, k, v)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(iterations):
        F.scaled_dot_product_attention(q, k, v)
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / iterations


print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}")
print(f"{'d':<6} {'N':<6} {'backend':<10} {'ms':<10} {'TFLOP/s':<10}")
for d in (40, 64, 80, 128, 160):
    q, k, v = (torch.randn(batch, heads, n, d, device="cuda", dtype=torch.float16) for _ in range(3))
    flops = 4 * batch * heads * n * n * d
    rows = [("default", None)] + BACKENDS
    for name, backend in rows:
        try:
            if backend is None:
                ms = time_ms(q, k, v)
            else:
                with sdpa_kernel(backend):
                    ms = time_ms(q, k, v)
        except RuntimeError as e:
            print(f"{d:<6} {n:<6} {name:<10} unavailable: {str(e).splitlines()[0][:80]}")
            continue
        print(f"{d:<6} {n:<6} {name:<10} {ms:<10.3f} {flops / (ms * 1e-3) / 1e12:<10.1f}")
