"""One classifier-free-guidance UNet step of SD 1.5's architecture in PyTorch eager (fp16, channels-last, SDPA),
seeded random weights, batch 2, 64x64 latent, 77 context tokens: the reference for sdj's UNetStepBench
(scripts/gpu-check.sh runs both on the same card). With --model sdxl, SDXL base's (128x128 latent, 2048-wide context,
the pooled text embedding and time ids through add_embedding).

The network is written out here in plain torch with diffusers' state-dict names, so that it needs nothing but torch
on the GPU machine; --check loads its weights into diffusers' UNet2DConditionModel and compares the outputs.

  python3 benchmarks/torch/unet_step.py [steps] [--model sd15|sdxl]   time on CUDA
  python3 benchmarks/torch/unet_step.py --check      compare with diffusers (float32, CPU; diffusers importable)
"""
import math
import statistics
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

# SD 1.5's published UNet config (sdj ships the same: org/sdj/io/checkpoint/sd15/unet/config.json).
SD15 = dict(block_out_channels=(320, 640, 1280, 1280), layers_per_block=2, attention_head_dim=8,
            cross_attention_dim=768, norm_num_groups=32,
            down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
            up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3)
# SDXL base's (sdj: org/sdj/io/checkpoint/sdxl-base/unet/config.json); attention_head_dim is per block and, as in
# every SD config, a head count.
SDXL = dict(block_out_channels=(320, 640, 1280), layers_per_block=2, attention_head_dim=(5, 10, 20),
            cross_attention_dim=2048, norm_num_groups=32, transformer_layers_per_block=(1, 2, 10),
            use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=256,
            projection_class_embeddings_input_dim=2816,
            down_block_types=("DownBlock2D",) + ("CrossAttnDownBlock2D",) * 2,
            up_block_types=("CrossAttnUpBlock2D",) * 2 + ("UpBlock2D",))
MODELS = {"sd15": (SD15, 64), "sdxl": (SDXL, 128)}


def per_block(cfg, key, default):
    value = cfg.get(key, default)
    return list(value) if isinstance(value, (tuple, list)) else [value] * len(cfg["block_out_channels"])


class ResnetBlock2D(nn.Module):
    """With temb None (the VAE's resnets) there is no time-embedding projection."""

    def __init__(self, cin, cout, temb, groups, eps=1e-5):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout) if temb is not None else None
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb=None):
        h = self.conv1(F.silu(self.norm1(x)))
        if self.time_emb_proj is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.conv_shortcut is None else self.conv_shortcut(x)) + h


class Attention(nn.Module):
    def __init__(self, dim, context_dim, heads):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(context_dim, dim, bias=False)
        self.to_v = nn.Linear(context_dim, dim, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim)])

    def forward(self, x, context):
        b, n, c = x.shape
        q, k, v = (t.view(b, -1, self.heads, c // self.heads).transpose(1, 2)
                   for t in (self.to_q(x), self.to_k(context), self.to_v(context)))
        o = F.scaled_dot_product_attention(q, k, v)
        return self.to_out[0](o.transpose(1, 2).reshape(b, n, c))


class GEGLU(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.proj = nn.Linear(dim, 2 * inner)

    def forward(self, x):
        h, gate = self.proj(x).chunk(2, dim=-1)
        return h * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, 4 * dim), nn.Identity(), nn.Linear(4 * dim, dim)])

    def forward(self, x):
        return self.net[2](self.net[0](x))


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, context_dim, heads):
        super().__init__()
        self.norm1, self.attn1 = nn.LayerNorm(dim), Attention(dim, dim, heads)
        self.norm2, self.attn2 = nn.LayerNorm(dim), Attention(dim, context_dim, heads)
        self.norm3, self.ff = nn.LayerNorm(dim), FeedForward(dim)

    def forward(self, x, context):
        h = self.norm1(x)
        x = self.attn1(h, h) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class Transformer2DModel(nn.Module):
    def __init__(self, dim, context_dim, heads, groups, depth=1, linear=False):
        super().__init__()
        self.linear = linear
        self.norm = nn.GroupNorm(groups, dim, eps=1e-6)
        self.proj_in = nn.Linear(dim, dim) if linear else nn.Conv2d(dim, dim, 1)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(dim, context_dim, heads)
                                                 for _ in range(depth)])
        self.proj_out = nn.Linear(dim, dim) if linear else nn.Conv2d(dim, dim, 1)

    def forward(self, x, context):
        b, c, height, width = x.shape
        h = self.norm(x)
        if self.linear:
            h = self.proj_in(h.permute(0, 2, 3, 1).reshape(b, height * width, c))
        else:
            h = self.proj_in(h).permute(0, 2, 3, 1).reshape(b, height * width, c)
        for block in self.transformer_blocks:
            h = block(h, context)
        if self.linear:
            return self.proj_out(h).reshape(b, height, width, c).permute(0, 3, 1, 2) + x
        return self.proj_out(h.reshape(b, height, width, c).permute(0, 3, 1, 2)) + x


class Downsample2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Block(nn.Module):
    """A down or up block: resnets, each followed by a transformer in the CrossAttn kinds, then the resampler. Down
    blocks push their outputs for the skip connections; up blocks pop one before each resnet."""

    def __init__(self, ins, cout, temb, cfg, attention, resample, up, heads=8, depth=1):
        super().__init__()
        groups = cfg["norm_num_groups"]
        self.up = up
        self.resnets = nn.ModuleList([ResnetBlock2D(cin, cout, temb, groups) for cin in ins])
        self.attentions = nn.ModuleList(
            [Transformer2DModel(cout, cfg["cross_attention_dim"], heads, groups, depth,
                                cfg.get("use_linear_projection", False)) for _ in ins]
        ) if attention else None
        if resample:
            resampler = nn.ModuleList([Upsample2D(cout) if up else Downsample2D(cout)])
            setattr(self, "upsamplers" if up else "downsamplers", resampler)
        self.resample = resample

    def forward(self, x, temb, context, skips):
        for i, resnet in enumerate(self.resnets):
            if self.up:
                x = torch.cat([x, skips.pop()], dim=1)
            x = resnet(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
            if not self.up:
                skips.append(x)
        if self.resample and self.up:
            x = self.upsamplers[0](x)
        elif self.resample:
            x = self.downsamplers[0](x)
            skips.append(x)
        return x


class TimestepEmbedding(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.linear_1 = nn.Linear(cin, cout)
        self.linear_2 = nn.Linear(cout, cout)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


class Mid(nn.Module):
    def __init__(self, c, temb, cfg):
        super().__init__()
        groups = cfg["norm_num_groups"]
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, temb, groups) for _ in range(2)])
        self.attentions = nn.ModuleList([Transformer2DModel(
            c, cfg["cross_attention_dim"], per_block(cfg, "attention_head_dim", 8)[-1], groups,
            per_block(cfg, "transformer_layers_per_block", 1)[-1], cfg.get("use_linear_projection", False))])

    def forward(self, x, temb, context):
        return self.resnets[1](self.attentions[0](self.resnets[0](x, temb), context), temb)


class UNet2DConditionModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ch = cfg["block_out_channels"]
        layers = cfg["layers_per_block"]
        temb = 4 * ch[0]
        self.base = ch[0]
        self.conv_in = nn.Conv2d(4, ch[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(ch[0], temb)
        # SDXL: the pooled text embedding and six time ids (sinusoids of addition_time_embed_dim) to the embedding.
        self.time_ids = cfg.get("addition_time_embed_dim")
        if self.time_ids:
            self.add_embedding = TimestepEmbedding(cfg["projection_class_embeddings_input_dim"], temb)
        heads = per_block(cfg, "attention_head_dim", 8)
        depth = per_block(cfg, "transformer_layers_per_block", 1)
        self.down_blocks = nn.ModuleList()
        cout = ch[0]
        for i, kind in enumerate(cfg["down_block_types"]):
            cin, cout = cout, ch[i]
            last = i == len(ch) - 1
            self.down_blocks.append(Block([cin] + [cout] * (layers - 1), cout, temb, cfg,
                                          kind.startswith("CrossAttn"), not last, up=False, heads=heads[i],
                                          depth=depth[i]))
        self.mid_block = Mid(ch[-1], temb, cfg)
        self.up_blocks = nn.ModuleList()
        rev = list(reversed(ch))
        cout = rev[0]
        for i, kind in enumerate(cfg["up_block_types"]):
            prev, cout, skip_in = cout, rev[i], rev[min(i + 1, len(ch) - 1)]
            ins = [(prev if j == 0 else cout) + (skip_in if j == layers else cout) for j in range(layers + 1)]
            mirror = len(ch) - 1 - i
            self.up_blocks.append(Block(ins, cout, temb, cfg, kind.startswith("CrossAttn"), i < len(ch) - 1, up=True,
                                        heads=heads[mirror], depth=depth[mirror]))
        self.conv_norm_out = nn.GroupNorm(cfg["norm_num_groups"], ch[0], eps=1e-5)
        self.conv_out = nn.Conv2d(ch[0], 4, 3, padding=1)

    @staticmethod
    def sinusoids(values, channels):
        """Sinusoidal features with flip_sin_to_cos, freq_shift 0, as diffusers' Timesteps: [len(values), channels]."""
        half = channels // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32, device=values.device) / half)
        args = values.float()[:, None] * freqs[None]
        return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)

    def time_features(self, t, batch, dtype, device):
        return self.sinusoids(torch.full((batch,), float(t), device=device), self.base).to(dtype)

    def forward(self, x, t, context, pooled=None, time_ids=None):
        temb = self.time_embedding(self.time_features(t, x.shape[0], x.dtype, x.device))
        if self.time_ids:
            ids = self.sinusoids(time_ids.flatten(), self.time_ids).reshape(x.shape[0], -1).to(x.dtype)
            temb = temb + self.add_embedding(torch.cat([pooled, ids], dim=-1))
        x = self.conv_in(x)
        skips = [x]
        for block in self.down_blocks:
            x = block(x, temb, context, skips)
        x = self.mid_block(x, temb, context)
        for block in self.up_blocks:
            x = block(x, temb, context, skips)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


def randomize(model, seed):
    """Norm scales 1, biases 0, other weights normal with variance 1 / fan-in: sdj's random models' rule. Drawn on
    the parameters' device (860 M normals take seconds on a CPU)."""
    device = next(model.parameters()).device
    g = torch.Generator(device=device).manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".bias"):
                p.zero_()
            elif "norm" in name.rsplit(".", 2)[-2]:
                p.fill_(1)
            else:
                p.copy_(torch.randn(p.shape, generator=g, device=device) / math.sqrt(p[0].numel()))


def inputs(batch, size, cfg, dtype, device, seed=1):
    """Sample, context and (SDXL) the pooled text embedding and time ids: a size x size picture's, no crop."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 4, size, size, generator=g).to(device, dtype)
    c = torch.randn(batch, 77, cfg["cross_attention_dim"], generator=g).to(device, dtype)
    extra = {}
    if cfg.get("addition_time_embed_dim"):
        width = cfg["projection_class_embeddings_input_dim"] - 6 * cfg["addition_time_embed_dim"]
        extra["pooled"] = torch.randn(batch, width, generator=g).to(device, dtype)
        pixels = 8 * size
        extra["time_ids"] = torch.tensor([[pixels, pixels, 0, 0, pixels, pixels]] * batch, device=device)
    return x, c, extra


def check():
    from diffusers import UNet2DConditionModel as Reference
    tiny = dict(SD15, block_out_channels=(32, 64, 64, 64), cross_attention_dim=48)
    # SDXL's layout at a smaller width (the full one is 10 GB in float32, twice).
    tiny_xl = dict(SDXL, block_out_channels=(32, 64, 96), attention_head_dim=(1, 2, 3), cross_attention_dim=80,
                   transformer_layers_per_block=(1, 2, 3), addition_time_embed_dim=16,
                   projection_class_embeddings_input_dim=6 * 16 + 40)
    for name, cfg, size in (("tiny", tiny, 32), ("sd15", SD15, 16), ("tiny-sdxl", tiny_xl, 16)):
        ours = UNet2DConditionModel(cfg).eval()
        randomize(ours, 15)
        ref = Reference(sample_size=size, in_channels=4, out_channels=4,
                        **{k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()}).eval()
        ref.load_state_dict(ours.state_dict(), strict=True)
        x, c, extra = inputs(2, size, cfg, torch.float32, "cpu")
        with torch.no_grad():
            a = ours(x, 500, c, **extra)
            b = ref(x, 500, c, added_cond_kwargs={"text_embeds": extra["pooled"], "time_ids": extra["time_ids"]}
                    if extra else None).sample
        rel = ((a - b).norm() / b.norm()).item()
        print(f"{name}: {sum(p.numel() for p in ours.parameters()) / 1e6:.1f} M parameters, output rel L2 "
              f"vs diffusers {rel:.2e}")
        assert rel < 1e-5, rel


# Rounds of timed calls: their spread shows how steady a figure is (sdj's GPU benchmarks report the same way).
ROUNDS = 5


def spread(rounds, digits):
    """'8.918 ms (min 8.901, max 8.950 over 5 rounds)': the median and extremes of per-call milliseconds."""
    f = f".{digits}f"
    return (f"{statistics.median(rounds):{f}} ms (min {min(rounds):{f}}, max {max(rounds):{f}} "
            f"over {len(rounds)} rounds)")


def bench(steps, name):
    cfg, size = MODELS[name]
    torch.backends.cudnn.benchmark = True
    with torch.device("cuda"):
        model = UNet2DConditionModel(cfg).eval()
    randomize(model, 15)
    model = model.to(torch.float16).to(memory_format=torch.channels_last)
    x, c, extra = inputs(2, size, cfg, torch.float16, "cuda")
    x = x.to(memory_format=torch.channels_last)
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}, "
          f"{sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters")
    with torch.inference_mode():
        for _ in range(3):
            model(x, 500, c, **extra)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        rounds = []
        for _ in range(ROUNDS):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(steps):
                out = model(x, 500, c, **extra)
            end.record()
            torch.cuda.synchronize()
            rounds.append(start.elapsed_time(end) / steps)
    ms = statistics.median(rounds)
    print(f"unet step ({name}, CFG batch 2, {size}x{size}, fp16, channels-last, SDPA, eager): {spread(rounds, 3)}, "
          f"{1000 / ms:.1f} steps/s, {(~torch.isfinite(out)).sum().item()} non-finite outputs")
    free, total = torch.cuda.mem_get_info()
    print(f"peak memory allocated: {torch.cuda.max_memory_allocated() >> 20} MiB, reserved "
          f"{torch.cuda.max_memory_reserved() >> 20} MiB; device in use now {(total - free) >> 20} MiB "
          f"(with the context and the libraries' code)")


if __name__ == "__main__":
    args = sys.argv[1:]
    model_name = "sd15"
    if "--model" in args:
        at = args.index("--model")
        model_name = args[at + 1]
        del args[at:at + 2]
    if args == ["--check"]:
        check()
    else:
        bench(int(args[0]) if args else 20, model_name)
