"""PyTorch peer of gorgozoo's MLP VAE (zoo/vae, -model mlp), for cmd/bench's
speed comparison: the variational autoencoder of pytorch/examples, with the
same layers, loss and optimiser as ours (train-vae's defaults).

Encoder: [784] -> Linear(784 -> 400) -> ReLU -> Linear(400 -> 20) twice: mu, logvar
Decoder: z(20) -> Linear(20 -> 400) -> ReLU -> Linear(400 -> 784) logits

Loss, training loop and data are vae_conv.py's: per image, BCE with logits
summed over the pixels (targets the pixels in [0, 1]) plus the analytic
KL(q(z|x) || N(0, I)); mean over the batch (pytorch/examples sums over the
batch, which Adam does not notice up to its epsilon). Adam lr 1e-3, PyTorch's
default betas; batch 128; z = mu + exp(logvar/2)*eps.

python3 vae_mlp.py --steps 220 --threads 2
Last line: steps_per_s=X images_per_s=Y  (measured after a 20-step warm-up)
"""
import argparse

# gan_conv (through vae_conv) sets OMP_WAIT_POLICY before it imports torch,
# so it comes first.
from vae_conv import ZDIM, train
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

PIXELS = 28 * 28


class Encoder(nn.Module):
    def __init__(self, hidden=400):
        super().__init__()
        self.fc1 = nn.Linear(PIXELS, hidden)
        self.fc_mu = nn.Linear(hidden, ZDIM)
        self.fc_logvar = nn.Linear(hidden, ZDIM)

    def forward(self, x):
        h = F.relu(self.fc1(x.view(-1, PIXELS)))
        return self.fc_mu(h), self.fc_logvar(h)


class Decoder(nn.Module):
    def __init__(self, hidden=400):
        super().__init__()
        self.fc1 = nn.Linear(ZDIM, hidden)
        self.fc2 = nn.Linear(hidden, PIXELS)

    def forward(self, z):
        return self.fc2(F.relu(self.fc1(z)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=220, help="steps in total, the first 20 untimed")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    train(a, Encoder(), Decoder(), label="arch=mlp")


if __name__ == "__main__":
    main()
