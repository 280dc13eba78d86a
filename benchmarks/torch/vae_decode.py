"""The VAE decode of one 512x512 image with SD 1.5's VAE in PyTorch eager (fp16, channels-last, SDPA), seeded random
weights, a 64x64 latent: the reference for sdj's VaeDecodeBench (scripts/gpu-check.sh runs both on the same card).

Written in plain torch with diffusers' state-dict names (the decoder half of AutoencoderKL and post_quant_conv), so
that it needs nothing but torch on the GPU machine; --check loads its weights into diffusers' AutoencoderKL and
compares the decoded images.

  python3 benchmarks/torch/vae_decode.py [runs]      time on CUDA
  python3 benchmarks/torch/vae_decode.py --check     compare with diffusers (float32, CPU; diffusers importable)
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from unet_step import ROUNDS, ResnetBlock2D, Upsample2D, randomize, spread

# SD 1.5's published VAE config (sdj ships the same: org/sdj/io/checkpoint/sd15/vae/config.json).
SD15_VAE = dict(block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4, norm_num_groups=32)
EPS = 1e-6  # the VAE's group norms


class VaeAttention(nn.Module):
    """diffusers' Attention as the VAE's mid block uses it: one head, group norm first, residual added."""

    def __init__(self, c, groups):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, c, eps=EPS)
        self.to_q, self.to_k, self.to_v = nn.Linear(c, c), nn.Linear(c, c), nn.Linear(c, c)
        self.to_out = nn.ModuleList([nn.Linear(c, c)])

    def forward(self, x):
        b, c, h, w = x.shape
        t = self.group_norm(x).view(b, c, h * w).transpose(1, 2)
        q, k, v = (p(t)[:, None] for p in (self.to_q, self.to_k, self.to_v))
        o = self.to_out[0](F.scaled_dot_product_attention(q, k, v)[:, 0])
        return o.transpose(1, 2).reshape(b, c, h, w) + x


class Mid(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, None, groups, EPS) for _ in range(2)])
        self.attentions = nn.ModuleList([VaeAttention(c, groups)])

    def forward(self, x):
        return self.resnets[1](self.attentions[0](self.resnets[0](x)))


class UpDecoderBlock2D(nn.Module):
    def __init__(self, cin, cout, layers, groups, upsample):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout, None, groups, EPS)
                                      for i in range(layers + 1)])
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if upsample else None

    def forward(self, x):
        for resnet in self.resnets:
            x = resnet(x)
        return self.upsamplers[0](x) if self.upsamplers is not None else x


class Decoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        rev = list(reversed(cfg["block_out_channels"]))
        groups = cfg["norm_num_groups"]
        self.conv_in = nn.Conv2d(cfg["latent_channels"], rev[0], 3, padding=1)
        self.mid_block = Mid(rev[0], groups)
        self.up_blocks = nn.ModuleList(
            [UpDecoderBlock2D(rev[max(i - 1, 0)], rev[i], cfg["layers_per_block"], groups, i < len(rev) - 1)
             for i in range(len(rev))])
        self.conv_norm_out = nn.GroupNorm(groups, rev[-1], eps=EPS)
        self.conv_out = nn.Conv2d(rev[-1], 3, 3, padding=1)

    def forward(self, z):
        x = self.mid_block(self.conv_in(z))
        for block in self.up_blocks:
            x = block(x)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class VaeDecoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg["latent_channels"]
        self.post_quant_conv = nn.Conv2d(c, c, 1)
        self.decoder = Decoder(cfg)

    def forward(self, z):
        return self.decoder(self.post_quant_conv(z))


def latent(seed=3, device="cpu", dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(1, 4, 64, 64, generator=g).to(device, dtype)


def bench(runs):
    torch.backends.cudnn.benchmark = True
    with torch.device("cuda"):
        model = VaeDecoder(SD15_VAE).eval()
    randomize(model, 15)
    model = model.to(torch.float16).to(memory_format=torch.channels_last)
    z = latent(device="cuda", dtype=torch.float16).to(memory_format=torch.channels_last)
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}, "
          f"{sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters")
    with torch.inference_mode():
        for _ in range(2):
            model(z)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        weights = torch.cuda.memory_allocated()
        rounds = []
        for _ in range(ROUNDS):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(runs):
                image = model(z)
            end.record()
            torch.cuda.synchronize()
            rounds.append(start.elapsed_time(end) / runs)
    print(f"vae decode (1x4x64x64 -> 512x512, fp16, channels-last, SDPA, eager): {spread(rounds, 2)}, "
          f"{(~torch.isfinite(image)).sum().item()} non-finite values; "
          f"{(torch.cuda.max_memory_allocated() - weights) >> 20} MiB more than the weights at the peak")


def check():
    from diffusers import AutoencoderKL
    for name, cfg in (("tiny", dict(SD15_VAE, block_out_channels=(32, 32, 64, 64))), ("sd15", SD15_VAE)):
        ours = VaeDecoder(cfg).eval()
        randomize(ours, 15)
        ref = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=cfg["latent_channels"],
                            block_out_channels=list(cfg["block_out_channels"]),
                            down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
                            layers_per_block=cfg["layers_per_block"], norm_num_groups=cfg["norm_num_groups"]).eval()
        missing, unexpected = ref.load_state_dict(ours.state_dict(), strict=False)
        assert not unexpected, unexpected
        assert all(k.startswith(("encoder.", "quant_conv.")) for k in missing), missing
        z = latent()[:, :, :16, :16]
        with torch.no_grad():
            a = ours(z)
            b = ref.decode(z).sample
        rel = ((a - b).norm() / b.norm()).item()
        print(f"{name}: {sum(p.numel() for p in ours.parameters()) / 1e6:.1f} M decoder parameters, image rel L2 "
              f"vs diffusers {rel:.2e}")
        assert rel < 1e-5, rel


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        check()
    else:
        bench(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
