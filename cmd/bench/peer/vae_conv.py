"""PyTorch peer of gorgozoo's convolutional VAEs (zoo/vae, -arch conv|conv-attn),
for cmd/bench's speed comparison. The same layers, shapes, loss and optimiser
as ours (train-vae's defaults), written as a PyTorch user would.

Encoder: [1, 28, 28] -> Conv 4x4 stride 2 pad 1 (1->32) -> ReLU -> [32, 14, 14]
         -> (conv-attn: self-attention on 32 channels at 14x14)
         -> Conv 4x4 stride 2 pad 1 (32->64) -> ReLU -> [64, 7, 7]
         -> flatten -> Linear(3136 -> 256) -> ReLU -> Linear(256 -> 20) twice: mu, logvar
Decoder: z(20) -> Linear(20 -> 256) -> ReLU -> Linear(256 -> 3136) -> ReLU -> [64, 7, 7]
         -> nearest upsample x2 -> Conv 3x3 (64->32) -> ReLU -> [32, 14, 14]
         -> (conv-attn: self-attention on 32 channels at 14x14)
         -> nearest upsample x2 -> Conv 3x3 (32->1) -> [1, 28, 28] logits
The attention block is gan_conv.py's (keys and values max-pooled 2x2, values
at C/2 channels with an output 1x1 conv back to C), as zoo/vae uses.

Loss: per image, BCE with logits summed over the pixels (targets the pixels
in [0, 1]) plus the analytic KL(q(z|x) || N(0, I)); mean over the batch.
Adam lr 1e-3, PyTorch's default betas; batch 128; z = mu + exp(logvar/2)*eps.

python3 vae_conv.py --arch conv-attn --steps 60 --threads 2
Last line: steps_per_s=X images_per_s=Y  (measured after a 20-step warm-up)
"""
import argparse
import time

# gan_conv sets OMP_WAIT_POLICY before it imports torch, so it comes first.
from gan_conv import Attention, WARMUP, batches, load_train, print_speed, set_threads
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

ZDIM = 20


class Encoder(nn.Module):
    def __init__(self, attention, c1=32, c2=64, hidden=256):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 4, 2, 1)
        self.conv2 = nn.Conv2d(c1, c2, 4, 2, 1)
        self.attn = Attention(c1) if attention else None
        self.fc1 = nn.Linear(c2 * 7 * 7, hidden)
        self.fc_mu = nn.Linear(hidden, ZDIM)
        self.fc_logvar = nn.Linear(hidden, ZDIM)

    def forward(self, x):
        h = F.relu(self.conv1(x))
        if self.attn is not None:
            h = self.attn(h)
        h = F.relu(self.conv2(h))
        h = F.relu(self.fc1(h.flatten(1)))
        return self.fc_mu(h), self.fc_logvar(h)


class Decoder(nn.Module):
    def __init__(self, attention, c1=32, c2=64, hidden=256):
        super().__init__()
        self.c2 = c2
        self.fc1 = nn.Linear(ZDIM, hidden)
        self.fc2 = nn.Linear(hidden, c2 * 7 * 7)
        self.conv1 = nn.Conv2d(c2, c1, 3, 1, 1)
        self.attn = Attention(c1) if attention else None
        self.conv2 = nn.Conv2d(c1, 1, 3, 1, 1)

    def forward(self, z):
        h = F.relu(self.fc2(F.relu(self.fc1(z)))).view(-1, self.c2, 7, 7)
        h = F.relu(self.conv1(F.interpolate(h, scale_factor=2, mode="nearest")))
        if self.attn is not None:
            h = self.attn(h)
        return self.conv2(F.interpolate(h, scale_factor=2, mode="nearest"))


def train(a, enc, dec, label):
    """Runs a.steps VAE steps of batch a.batch (the first WARMUP untimed) and
    prints the summary and speed lines cmd/bench reads; label starts the
    summary line."""
    blas = set_threads(a.threads)
    x = (load_train() + 1) / 2  # gan_conv scales to [-1, 1]; the VAE reads [0, 1]
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=1e-3)
    B = a.batch
    data = batches(x, B)
    step, t_warm, t_start = 0, None, time.time()
    while step < a.steps:
        real = next(data)
        mu, logvar = enc(real)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        logits = dec(z)
        bce = F.binary_cross_entropy_with_logits(logits, real.view(logits.shape), reduction="none").flatten(1).sum(1)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(1)
        loss = (bce + kl).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step == WARMUP:
            t_warm = time.time()
    t_end = time.time()
    print(f"{label} train_wall_s={t_end - t_start:.2f} steps={step} threads={a.threads} blas={blas} "
          f"torch={torch.__version__} loss={loss.item():.4f}")
    print_speed(step, t_warm, t_end, B)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=["conv", "conv-attn"], required=True)
    ap.add_argument("--steps", type=int, default=120, help="steps in total, the first 20 untimed")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    enc, dec = Encoder(a.arch == "conv-attn"), Decoder(a.arch == "conv-attn")
    train(a, enc, dec, label=f"arch={a.arch}")


if __name__ == "__main__":
    main()
