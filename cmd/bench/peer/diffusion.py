"""PyTorch twin of gorgozoo's diffusion model (zoo/diffusion, diffusion.Preset()),
for cmd/bench's speed comparison: the same U-Net, loss, optimiser and
weight average, written as a PyTorch user would.

U-Net (widths [16, 32, 64], one residual block per level, GroupNorm with 8
groups, attention at the lowest level and in the middle; ~644 k parameters):
  e    = SiLU(fc2(SiLU(fc1(temb))))       temb: sinusoidal embedding of t (64 values)
  h    = conv_in(x)                       3x3, 1 -> 16
  down: per level, res(h, e) [then attention on the last level], then a
        stride-2 3x3 conv (28 -> 14 -> 7) on every level but the last
  mid:  res, attention, res
  up:   levels from the last to the first: 2 x res(concat(h, skip), e)
        [attention on the last level], then nearest upsample x2 and a 3x3
        conv on every level but the first
  eps^ = out.conv(SiLU(out.norm(h)))      3x3, 16 -> 1
  res(x, e) = skip(x) + conv2(SiLU(norm2(conv1(SiLU(norm1(x))) + emb(e))))
The skips are conv_in's output, every residual block's (after its attention)
and every downsampling's, taken back in reverse. Attention is gan_conv.py's
block in the paper's form (no pooling, values at C channels, no output conv).
The last conv of each residual block and out.conv start at zero, as ours do.
Parameter names are the Go checkpoint's without its "unet." prefix.

Loss (Ho et al. 2020): t uniform in 0 ... T-1 per image, eps ~ N(0, I),
x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps with the linear schedule
(beta from 1e-4 to 0.02, T = 1000); loss = mean (eps^(x_t, t) - eps)^2.
Adam 1e-3 (default betas), batch 128, images in [-1, 1]; after each update an
average of the weights with decay min(0.999, (1+t)/(10+t)), as optim.EMA.

--mode sample times one deterministic DDIM step (eta 0) of 50 images from
noise through the average, as diffusion.Sampler draws them: the forward pass
without gradients, x^_0 clipped to [-1, 1], pixels mapped to [0, 1].

--check DIR reads DIR/weights.safetensors (a Go U-Net's parameters, named
unet.*) and DIR/inputs.safetensors (x0, eps and t), and writes
DIR/outputs.safetensors: the embedding temb, eps^, the loss, the parameter
count and every parameter's loss gradient (grad.<name>), for cmd/bench's
test that the two networks are the same.

python3 diffusion.py --mode train --steps 60 --threads 2
Last line: steps_per_s=X images_per_s=Y  (measured after a 20-step warm-up)
"""
import argparse
import copy
import json
import math
import os
import struct
import time

import numpy as np

# gan_conv sets OMP_WAIT_POLICY before it imports torch, so it comes first.
from gan_conv import Attention, WARMUP, batches, load_train, print_speed, set_threads
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

T = 1000
SAMPLE_BATCH = 50


class ResBlock(nn.Module):
    def __init__(self, cin, cout, groups, embed):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.emb = nn.Linear(embed, cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, e):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(e)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.skip is None else self.skip(x)) + h


class Level(nn.Module):
    """One level of the way down or up: residual blocks res.j, attention
    blocks attn.j after them when the level attends, and the down- or
    upsampling conv (resample, registered as downsample or upsample)."""

    def __init__(self, ios, attend, groups, embed, resample=None, name=None):
        super().__init__()
        self.res = nn.ModuleList(ResBlock(i, o, groups, embed) for i, o in ios)
        self.attn = nn.ModuleList(Attention(o, pool=False, half_values=False) for _, o in ios) if attend else None
        self.resample_name = name
        if resample is not None:
            setattr(self, name, resample)

    def resample(self):
        return getattr(self, self.resample_name) if self.resample_name else None


class UNet(nn.Module):
    def __init__(self, channels=(16, 32, 64), blocks=1, groups=8, attention=(False, False, True), image_channels=1):
        super().__init__()
        embed = 4 * channels[0]
        self.time_dim = embed
        self.image_channels = image_channels
        self.time = nn.Module()
        self.time.fc1 = nn.Linear(self.time_dim, embed)
        self.time.fc2 = nn.Linear(embed, embed)
        self.conv_in = nn.Conv2d(image_channels, channels[0], 3, 1, 1)
        # The same plan as UNetConfig.plan: the skips' widths, pushed on the
        # way down and popped on the way up.
        last = len(channels) - 1
        skips, cin, down_ios = [channels[0]], channels[0], []
        for i, c in enumerate(channels):
            ios = []
            for _ in range(blocks):
                ios.append((cin, c))
                cin = c
                skips.append(c)
            if i < last:
                skips.append(c)
            down_ios.append(ios)
        up_ios = [None] * len(channels)
        for i in range(last, -1, -1):
            ios = []
            for _ in range(blocks + 1):
                ios.append((cin + skips.pop(), channels[i]))
                cin = channels[i]
            up_ios[i] = ios
        self.down = nn.ModuleList(
            Level(down_ios[i], attention[i], groups, embed,
                  nn.Conv2d(c, c, 3, 2, 1) if i < last else None, "downsample" if i < last else None)
            for i, c in enumerate(channels))
        low = channels[-1]
        self.mid = nn.Module()
        self.mid.res1 = ResBlock(low, low, groups, embed)
        self.mid.attn = Attention(low, pool=False, half_values=False)
        self.mid.res2 = ResBlock(low, low, groups, embed)
        self.up = nn.ModuleList(
            Level(up_ios[i], attention[i], groups, embed,
                  nn.Conv2d(c, c, 3, 1, 1) if i > 0 else None, "upsample" if i > 0 else None)
            for i, c in enumerate(channels))
        self.out = nn.Module()
        self.out.norm = nn.GroupNorm(groups, channels[0])
        self.out.conv = nn.Conv2d(channels[0], image_channels, 3, 1, 1)
        nn.init.zeros_(self.out.conv.weight)
        nn.init.zeros_(self.out.conv.bias)

    def forward(self, x, temb):
        """eps^ [B, C*H*W] for flat images x [B, C*H*W] (28x28 here) and
        timestep embeddings temb [B, time_dim]."""
        n = x.shape[0]
        side = int(round(math.sqrt(x.shape[1] // self.image_channels)))
        e = F.silu(self.time.fc2(F.silu(self.time.fc1(temb))))
        h = self.conv_in(x.view(n, self.image_channels, side, side))
        skips = [h]
        for lv in self.down:
            for j, r in enumerate(lv.res):
                h = r(h, e)
                if lv.attn is not None:
                    h = lv.attn[j](h)
                skips.append(h)
            if lv.resample() is not None:
                h = lv.resample()(h)
                skips.append(h)
        h = self.mid.res2(self.mid.attn(self.mid.res1(h, e)), e)
        for lv in reversed(self.up):
            for j, r in enumerate(lv.res):
                h = r(torch.cat([h, skips.pop()], 1), e)
                if lv.attn is not None:
                    h = lv.attn[j](h)
            if lv.resample() is not None:
                h = lv.resample()(F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.out.conv(F.silu(self.out.norm(h))).flatten(1)


def timestep_embedding(t, dim):
    """diffusion.TimestepEmbedding: [sin(t f_k)..., cos(t f_k)...] with
    f_k = 10000^(-k/(half-1)), computed in float64 as ours is."""
    half = dim // 2
    step = math.log(10000) / (half - 1) if half > 1 else 0.0
    arg = t.double()[:, None] * torch.exp(-step * torch.arange(half, dtype=torch.float64))[None]
    emb = torch.cat([torch.sin(arg), torch.cos(arg)], 1)
    if dim % 2:
        emb = F.pad(emb, (0, 1))
    return emb.float()


def linear_alpha_bars():
    """abar_t of the linear schedule, in float64."""
    betas = 1e-4 + (0.02 - 1e-4) * torch.arange(T, dtype=torch.float64) / (T - 1)
    return torch.cumprod(1 - betas, 0)


def diffuse(abar, x0, eps, t):
    """x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, coefficients rounded to
    float32 as Schedule.Diffuse does."""
    a = abar[t].sqrt().float()[:, None]
    b = (1 - abar[t]).sqrt().float()[:, None]
    return a * x0 + b * eps


def loss_of(net, abar, x0, eps, t):
    temb = timestep_embedding(t, net.time_dim)
    eps_hat = net(diffuse(abar, x0, eps, t), temb)
    return F.mse_loss(eps_hat, eps), eps_hat, temb


def train(a, net):
    blas = set_threads(a.threads)
    x = load_train().flatten(1)
    avg = copy.deepcopy(net)
    avg.requires_grad_(False)
    abar = linear_alpha_bars()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    B = a.batch
    data = batches(x, B)
    step, t_warm, t_start = 0, None, time.time()
    while step < a.steps:
        x0 = next(data)
        t = torch.randint(0, T, (B,))
        loss, _, _ = loss_of(net, abar, x0, torch.randn_like(x0), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            u = step + 1
            decay = min(0.999, (1 + u) / (10 + u))
            for pa, p in zip(avg.parameters(), net.parameters()):
                pa.mul_(decay).add_(p, alpha=1 - decay)
        step += 1
        if step == WARMUP:
            t_warm = time.time()
    return blas, B, step, t_warm, t_start, f"loss={loss.item():.4f}"


def sample(a, net):
    """Steps of one deterministic DDIM step from t = 1 to x_0 (the last step
    of any DDIM run), 50 images each, through the weight average."""
    blas = set_threads(a.threads)
    avg = copy.deepcopy(net).eval()
    abar = linear_alpha_bars()
    B = SAMPLE_BATCH
    t = torch.zeros(B, dtype=torch.long)
    sa, s1a = math.sqrt(abar[0]), math.sqrt(1 - abar[0])
    step, t_warm, t_start = 0, None, time.time()
    with torch.no_grad():
        while step < a.steps:
            xt = torch.randn(B, 784)
            temb = timestep_embedding(t, avg.time_dim)
            eps_hat = avg(xt, temb)
            x0 = ((xt - s1a * eps_hat) / sa).clamp(-1, 1)
            out = (x0 + 1) / 2
            step += 1
            if step == WARMUP:
                t_warm = time.time()
    return blas, B, step, t_warm, t_start, f"mean={out.mean().item():.4f}"


# --- safetensors, float32 only: enough for --check ---

def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] != "F32":
            raise ValueError(f"{path}: {name} is {e['dtype']}, want F32")
        lo, hi = e["data_offsets"]
        arr = np.frombuffer(data, dtype="<f4", count=(hi - lo) // 4, offset=8 + n + lo)
        out[name] = torch.from_numpy(arr.reshape(e["shape"]).copy())
    return out


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().float().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def check(d, net):
    weights = read_safetensors(os.path.join(d, "weights.safetensors"))
    prefix = "unet."
    net.load_state_dict({k[len(prefix):]: v for k, v in weights.items()}, strict=True)
    inp = read_safetensors(os.path.join(d, "inputs.safetensors"))
    t = inp["t"].round().long()
    loss, eps_hat, temb = loss_of(net, linear_alpha_bars(), inp["x0"], inp["eps"], t)
    net.zero_grad()
    loss.backward()
    out = {"temb": temb, "eps_hat": eps_hat, "loss": loss.reshape(1),
           "params": torch.tensor([float(sum(p.numel() for p in net.parameters()))])}
    for name, p in net.named_parameters():
        out["grad." + prefix + name] = p.grad
    write_safetensors(os.path.join(d, "outputs.safetensors"), out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["train", "sample"], default="train")
    ap.add_argument("--steps", type=int, default=120, help="steps in total, the first 20 untimed")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128, help="training batch (sampling draws 50)")
    ap.add_argument("--check", metavar="DIR", help="compare with a Go U-Net's weights and inputs (see above)")
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    net = UNet()
    if a.check:
        torch.set_num_threads(a.threads)
        check(a.check, net)
        return
    run = train if a.mode == "train" else sample
    blas, B, step, t_warm, t_start, summary = run(a, net)
    t_end = time.time()
    print(f"mode={a.mode} wall_s={t_end - t_start:.2f} steps={step} threads={a.threads} blas={blas} "
          f"torch={torch.__version__} {summary}")
    print_speed(step, t_warm, t_end, B)


if __name__ == "__main__":
    main()
