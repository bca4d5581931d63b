"""PyTorch peer of gorgozoo's convolutional GANs (zoo/gan, -model dcgan|sagan),
for cmd/bench's speed comparison. The same layers, shapes, losses, optimisers
and step structure as ours, written as a PyTorch user would.

G (both): z(100) -> Linear -> [64, 7, 7] -> PixelNorm, ReLU
          -> nearest upsample x2 -> Conv 3x3 (64->32) -> [32, 14, 14] -> PixelNorm, ReLU
          -> (sagan: self-attention on 32 channels at 14x14)
          -> nearest upsample x2 -> Conv 3x3 (32->1) -> [1, 28, 28] -> tanh
D (both): [1, 28, 28] -> Conv 4x4 stride 2 pad 1 (1->32) -> LeakyReLU(0.2)
          -> (sagan: self-attention on 32 channels at 14x14)
          -> Conv 4x4 stride 2 pad 1 (32->64) -> LeakyReLU(0.2) -> Linear(64*7*7 -> 1) logits
PixelNorm: x / sqrt(mean over channels of x^2 + 1e-8) (ours stands in for BatchNorm).

Attention (SAGAN, the authors' code's form, as zoo/attention with Pool and
HalfValues): 1x1 convs f (query, C/8), g (key, C/8), h (value, C/2), with
keys and values max-pooled 2x2; beta = softmax over keys of f^T g; o = v(h beta^T)
with v a 1x1 conv C/2 -> C; y = gamma*o + x, gamma a scalar starting at 0.
The convs have biases, as ours do.

dcgan: no normalisation in D, non-saturating BCE-with-logits loss, Adam 5e-4
  betas (0.5, 0.999) for both players.
sagan: spectral norm (torch.nn.utils.spectral_norm) on every layer of D,
  attention convs included, none in G; hinge loss; Adam D 1e-3, G 5e-4, betas
  (0, 0.9).
Both: batch 64, real images scaled to [-1, 1], z ~ N(0, I); after each G
update an exponential moving average of G's weights with decay
min(0.99, (1+t)/(10+t)) at update t, as optim.EMA does. Default PyTorch init
(ours draws the same uniform bounds).

Step, as zoo/gan/step.go: one D update on a real batch and G(z).detach(),
then one G update through D on the same fakes (same z).

Known differences from our step, which this script does not hide:
- Spectral norm: PyTorch's hook runs one power iteration on every forward of
  D in training mode, so three per step here (D on real, D on fake, D in the
  G update); ours runs one per step, before D's update, and both our graphs
  divide by that estimate. The iterations are matrix-vector products, cheap
  beside the convolutions.
- D's weights are frozen during the G update (requires_grad off), so its
  backward computes no weight gradients for D, as our G graph does not.
- The G update reuses this step's G forward (autograd keeps its graph, as
  gan_mlp.py does); our G graph runs G's forward again, so ours computes G's
  forward twice per step.

python3 gan_conv.py --arch sagan --steps 120 --threads 2
Last line: steps_per_s=X images_per_s=Y  (measured after a 20-step warm-up; images = batch per step)
The data is MNIST's IDX files in $MNIST_DIR (cmd/bench sets it), else the
GoMNIST module in the Go module cache.
"""
import argparse
import copy
import ctypes
import gzip
import os
import struct
import subprocess
import time

import numpy as np

# libgomp's default active spin-wait fights OpenBLAS's pthreads for the cores
# (3-4x slower at 2 threads on a 2-core machine); must be set before
# torch loads libgomp. Override by exporting OMP_WAIT_POLICY yourself.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

ZDIM = 100
WARMUP = 20
GOMNIST = "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63/data"


# --- MNIST: a tiny IDX reader, shared by every peer script ---

def mnist_dir():
    d = os.environ.get("MNIST_DIR")
    if d:
        return d
    try:
        cache = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        cache = os.path.join(os.path.expanduser("~"), "go", "pkg", "mod")
    return os.path.join(cache, GOMNIST)


def read_idx(path):
    """Unsigned-byte IDX file (type 0x08), gzipped or not."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {data[:4].hex()})")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: payload {arr.size} bytes, header says {dims}")
    return arr.reshape(dims)


def load_train():
    """Training images as float32 [N, 1, 28, 28] in [-1, 1]."""
    x = read_idx(os.path.join(mnist_dir(), "train-images-idx3-ubyte.gz"))
    return torch.from_numpy(x.astype(np.float32) / 127.5 - 1.0).unsqueeze(1)


def set_threads(n):
    """torch's threads and OpenBLAS's own pool, which torch does not control
    (Debian's torch calls sgemm through libblas.so.3 -> OpenBLAS)."""
    torch.set_num_threads(n)
    for lib in ("libopenblas.so.0", "libblas.so.3"):
        try:
            h = ctypes.CDLL(lib)
            h.openblas_set_num_threads(n)
            return f"openblas({h.openblas_get_num_threads()} threads)"
        except (OSError, AttributeError):
            continue
    return "unknown"


def batches(x, B):
    """Endless batches of B rows of x in a new random order each epoch,
    dropping the last partial batch, as our loader does."""
    per_epoch = len(x) // B
    while True:
        perm = torch.randperm(len(x))
        for i in range(per_epoch):
            yield x[perm[i * B:(i + 1) * B]]


def print_speed(steps, t_warm, t_end, B):
    """The last line cmd/bench reads: the speed after the WARMUP steps
    (t_warm is when they ended), B images per step."""
    if t_warm is not None and steps > WARMUP:
        sps = (steps - WARMUP) / (t_end - t_warm)
        print(f"steps_per_s={sps:.2f} images_per_s={sps * B:.1f}")
    else:
        print("steps_per_s=nan images_per_s=nan  (need more than %d steps)" % WARMUP)


# --- the networks ---

class PixelNorm(nn.Module):
    def forward(self, x):
        return x / torch.sqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)


class Attention(nn.Module):
    """SAGAN's self-attention block (see the module docstring); sn wraps each
    1x1 conv (spectral norm in D, identity in G). pool=False and
    half_values=False give the paper's form (zoo/attention's zero Config),
    which diffusion.py's U-Net uses: keys and values unpooled, values at C
    channels and no output conv v."""

    def __init__(self, c, sn=lambda m: m, pool=True, half_values=True):
        super().__init__()
        self.qk = max(c // 8, 1)
        self.vc = max(c // 2, 1) if half_values else c
        self.pool = pool
        self.f = sn(nn.Conv2d(c, self.qk, 1))
        self.g = sn(nn.Conv2d(c, self.qk, 1))
        self.h = sn(nn.Conv2d(c, self.vc, 1))
        self.v = sn(nn.Conv2d(self.vc, c, 1)) if half_values else None
        self.gamma = nn.Parameter(torch.zeros(1))

    def keys(self, m):
        return (F.max_pool2d(m, 2) if self.pool else m).flatten(2)

    def forward(self, x):
        n, _, hh, ww = x.shape
        f = self.f(x).view(n, self.qk, hh * ww)
        g = self.keys(self.g(x))   # [n, qk, keys]
        h = self.keys(self.h(x))   # [n, vc, keys]
        beta = F.softmax(torch.bmm(f.transpose(1, 2), g), dim=-1)  # [n, hw, keys]
        o = torch.bmm(h, beta.transpose(1, 2)).view(n, self.vc, hh, ww)
        if self.v is not None:
            o = self.v(o)
        return self.gamma * o + x


class Generator(nn.Module):
    def __init__(self, attention, c0=64, c1=32):
        super().__init__()
        self.c0 = c0
        self.fc = nn.Linear(ZDIM, c0 * 7 * 7)
        self.conv1 = nn.Conv2d(c0, c1, 3, 1, 1)
        self.conv2 = nn.Conv2d(c1, 1, 3, 1, 1)
        self.attn = Attention(c1) if attention else None
        self.norm = PixelNorm()

    def forward(self, z):
        h = F.relu(self.norm(self.fc(z).view(-1, self.c0, 7, 7)))
        h = F.relu(self.norm(self.conv1(F.interpolate(h, scale_factor=2, mode="nearest"))))
        if self.attn is not None:
            h = self.attn(h)
        return torch.tanh(self.conv2(F.interpolate(h, scale_factor=2, mode="nearest")))


class Discriminator(nn.Module):
    def __init__(self, attention, spectral, c1=32, c2=64):
        super().__init__()
        sn = nn.utils.spectral_norm if spectral else (lambda m: m)
        self.conv1 = sn(nn.Conv2d(1, c1, 4, 2, 1))
        self.conv2 = sn(nn.Conv2d(c1, c2, 4, 2, 1))
        self.fc = sn(nn.Linear(c2 * 7 * 7, 1))
        self.attn = Attention(c1, sn) if attention else None

    def forward(self, x):
        h = F.leaky_relu(self.conv1(x), 0.2)
        if self.attn is not None:
            h = self.attn(h)
        h = F.leaky_relu(self.conv2(h), 0.2)
        return self.fc(h.flatten(1))


ARCHS = {
    # attention, spectral norm in D, loss, lr D, lr G, betas
    "dcgan": dict(attention=False, spectral=False, loss="bce", lr_d=5e-4, lr_g=5e-4, betas=(0.5, 0.999)),
    "sagan": dict(attention=True, spectral=True, loss="hinge", lr_d=1e-3, lr_g=5e-4, betas=(0.0, 0.9)),
}


def d_loss(kind, real_logits, fake_logits):
    if kind == "hinge":
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
    return (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def g_loss(kind, fake_logits):
    if kind == "hinge":
        return -fake_logits.mean()
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def train(a, g, d, loss, lr_d, lr_g, betas, ema, label):
    """Runs a.steps GAN steps of batch a.batch (the first WARMUP untimed) and
    prints the summary and speed lines cmd/bench reads. ema is the decay of
    G's weight average (0: none); label starts the summary line."""
    blas = set_threads(a.threads)
    x = load_train()
    g_ema = None
    if ema > 0:
        g_ema = copy.deepcopy(g)
        g_ema.requires_grad_(False)
    opt_d = torch.optim.Adam(d.parameters(), lr=lr_d, betas=betas)
    opt_g = torch.optim.Adam(g.parameters(), lr=lr_g, betas=betas)
    B = a.batch
    data = batches(x, B)
    step, t_warm, t_start = 0, None, time.time()
    while step < a.steps:
        real = next(data)
        fake = g(torch.randn(B, ZDIM))
        # D update on real and G(z), no gradient into G.
        loss_d = d_loss(loss, d(real), d(fake.detach()))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        # G update through the updated D, same z. D's weights are frozen
        # meanwhile so that backward skips their gradients, which our G graph
        # does not compute either (BigGAN-PyTorch's toggle_grad does the same).
        d.requires_grad_(False)
        loss_g = g_loss(loss, d(fake))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        d.requires_grad_(True)
        if g_ema is not None:
            with torch.no_grad():
                t = step + 1
                decay = min(ema, (1 + t) / (10 + t))
                for pe, p in zip(g_ema.parameters(), g.parameters()):
                    pe.mul_(decay).add_(p, alpha=1 - decay)
        step += 1
        if step == WARMUP:
            t_warm = time.time()
        if a.log_every and step % a.log_every == 0:
            print(f"step {step} loss_d={loss_d.item():.4f} loss_g={loss_g.item():.4f}", flush=True)
    t_end = time.time()
    print(f"{label} train_wall_s={t_end - t_start:.2f} steps={step} threads={a.threads} blas={blas} "
          f"torch={torch.__version__} loss_d={loss_d.item():.4f} loss_g={loss_g.item():.4f}")
    print_speed(step, t_warm, t_end, B)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=sorted(ARCHS), required=True)
    ap.add_argument("--steps", type=int, default=220, help="steps in total, the first 20 untimed")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--log-every", type=int, default=0)
    a = ap.parse_args()
    cfg = ARCHS[a.arch]

    torch.manual_seed(a.seed)
    g = Generator(cfg["attention"])
    d = Discriminator(cfg["attention"], cfg["spectral"])
    train(a, g, d, cfg["loss"], cfg["lr_d"], cfg["lr_g"], cfg["betas"], ema=0.99, label=f"arch={a.arch}")


if __name__ == "__main__":
    main()
