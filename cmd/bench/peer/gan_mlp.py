"""PyTorch peer of gorgozoo's MLP GAN (zoo/gan, -model mlp), for cmd/bench's
speed comparison. The same layers, shapes, loss, optimiser and step structure
as ours, written as a PyTorch user would.

G: z(100) -> Linear(100 -> 256) -> ReLU -> Linear(256 -> 256) -> ReLU
   -> Linear(256 -> 784) -> tanh
D: a pack of --d-pack images joined into one row [784 * pack]
   -> Linear(784 * pack -> 256) -> LeakyReLU(0.2) -> Dropout(--d-dropout)
   -> Linear(256 -> 128) -> LeakyReLU(0.2) -> Dropout(--d-dropout)
   -> Linear(128 -> 1) logits, one per pack (PacGAN, Lin et al. 2018).
Loss: the non-saturating GAN loss on logits (BCE with logits against 1 on
real packs and 0 on generated ones for D; against 1 on generated ones for G).
Adam lr 2e-4, betas (0.5, 0.999) for both players; batch 64; real images
scaled to [-1, 1]; z ~ N(0, I). With --ema > 0 an exponential moving average
of G's weights with decay min(ema, (1+t)/(10+t)) after update t, as
optim.EMA does. Default PyTorch init (ours draws the same uniform bounds).

train-gan's default recipe is --d-pack 2 --d-dropout 0.3 --ema 0.999 (the
defaults here); --d-pack 1 --d-dropout 0 --ema 0 is the textbook GAN.

Step, as zoo/gan/step.go: one D update on a real batch and G(z).detach(),
then one G update through D on the same fakes (same z), with D's weights
frozen. The G update reuses this step's G forward; our G graph runs G's
forward again. Our dropout masks are drawn from the run's seeded generator
and fed to the graph; here nn.Dropout draws them.

python3 gan_mlp.py --steps 220 --threads 2
Last line: steps_per_s=X images_per_s=Y  (measured after a 20-step warm-up; images = batch per step)
The data is MNIST's IDX files in $MNIST_DIR (cmd/bench sets it), else the
GoMNIST module in the Go module cache.
"""
import argparse

# gan_conv sets OMP_WAIT_POLICY before it imports torch, so it comes first.
from gan_conv import ZDIM, train
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

PIXELS = 28 * 28


class Discriminator(nn.Module):
    def __init__(self, pack, dropout, hidden=(256, 128), slope=0.2):
        super().__init__()
        self.pack = pack
        layers, n = [], PIXELS * pack
        for h in hidden:
            layers += [nn.Linear(n, h), nn.LeakyReLU(slope)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            n = h
        layers.append(nn.Linear(n, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        # Consecutive images of the batch form a pack, as our reshape does.
        return self.net(x.reshape(-1, PIXELS * self.pack))


def make_g(hidden=(256, 256)):
    layers, n = [], ZDIM
    for h in hidden:
        layers += [nn.Linear(n, h), nn.ReLU()]
        n = h
    layers += [nn.Linear(n, PIXELS), nn.Tanh()]
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=220, help="steps in total, the first 20 untimed")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--d-pack", type=int, default=2, help="images D judges together (1: one by one)")
    ap.add_argument("--d-dropout", type=float, default=0.3, help="dropout after D's hidden layers (0: none)")
    ap.add_argument("--ema", type=float, default=0.999, help="decay of G's weight average (0: none)")
    ap.add_argument("--log-every", type=int, default=0)
    a = ap.parse_args()
    if a.d_pack < 1 or a.batch % a.d_pack != 0:
        ap.error(f"--batch {a.batch} must be a multiple of --d-pack {a.d_pack}")

    torch.manual_seed(a.seed)
    g = make_g()
    d = Discriminator(a.d_pack, a.d_dropout)
    # The real batch comes as [B, 1, 28, 28] and G's as [B, 784]: D reshapes
    # both into rows of packs.
    train(a, g, d, "bce", 2e-4, 2e-4, (0.5, 0.999), a.ema,
          label=f"arch=mlp d_pack={a.d_pack} d_dropout={a.d_dropout} ema={a.ema}")


if __name__ == "__main__":
    main()
