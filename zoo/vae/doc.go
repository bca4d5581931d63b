// Package vae holds variational autoencoders declared as Gorgonia graphs:
// the encoder and decoder architectures, the evidence lower bound (ELBO)
// with the reparameterisation trick, the training step, test-set
// evaluation (ELBO and the importance-weighted bound), and [Inference] for
// encoding, decoding, reconstructing and sampling from a trained model.
//
// # Model
//
// The reference model is the MLP VAE of Kingma & Welling (2014) as
// pytorch/examples trains it: an encoder q(z|x) = N(μ(x), diag σ²(x))
// with 784 → 400 (ReLU) → two linear heads for μ and log σ² (20 each), the
// prior p(z) = N(0, I), and a decoder 20 → 400 (ReLU) → 784 logits ℓ(z) of
// independent Bernoulli pixels, p(x|z) = Π σ(ℓ)ˣ (1−σ(ℓ))¹⁻ˣ. Pixels are
// in [0, 1] as pytorch/examples feeds them (the Bernoulli likelihood is
// then used as a cross-entropy on grey levels), or binarised: each step
// draws x ~ Bernoulli(p) afresh ("dynamic binarisation"), which makes the
// likelihood a true probability and numbers comparable with the
// binarised-MNIST literature.
//
// The convolutional VAE (Config.Arch "conv") keeps the objective and
// swaps the networks behind the [Encoder] and [Decoder] interfaces: two
// stride-2 4×4 convolutions (1 → 32 → 64 maps, 28 → 14 → 7) with ReLU, a
// 3136 → 256 Linear+ReLU layer, and the μ and log σ² heads; the decoder
// goes z → 256 → 64·7·7, then twice a ×2 nearest-neighbour upsampling and
// a 3×3 convolution (64 → 32, ReLU, 32 → 1 logits), since Gorgonia has no
// transposed convolution. Images stay flat [batch, pixels] at the
// interfaces; the conv encoder reshapes them to [batch, C, H, W]. The
// "conv-attn" architecture adds the self-attention block of package
// attention (the authors' pooled form) after the encoder's first
// convolution and before the decoder's last stage, on the half-size maps.
//
// # Colour and other sizes
//
// Config.ImageChannels (3 for RGB), Height and Width come from the data.
// An image is C×H×W values, channel after channel; the MLP reads and
// writes all of them, the conv encoder's first convolution reads C maps
// and the decoder's last makes C. The default conv stages grow with the
// image ([DefaultChannels]) so that the smallest maps stay near 8×8, and
// conv-attn places its block on the first maps of at most 16×16
// positions (Config.AttentionStage); 28×28 grey keeps the model above.
// Every value, grey or colour, has the Bernoulli cross-entropy below as
// its reconstruction term. On values between 0 and 1 that is a
// cross-entropy, not a normalised log-density (the continuous Bernoulli
// of Loaiza-Ganem & Cunningham, 2019, would add the normaliser), so test
// losses compare runs on the same data only. Binarize, which draws black
// or white pixels, is refused for colour images.
//
// # Loss
//
// Per image the step minimises the negative ELBO, with a weight β on the
// KL term (β = 1 is the plain VAE, β > 1 the β-VAE):
//
//	L(x) = Σ_pixels BCE(ℓ(z), x) + β·KL(q(z|x) ‖ N(0, I)),
//	BCE(ℓ, x) = softplus(ℓ) − x·ℓ = −x·log σ(ℓ) − (1−x)·log(1−σ(ℓ)),
//	KL = ½ Σ_latent (μ² + σ² − log σ² − 1),
//	z = μ + exp(½ log σ²) ⊙ ε,  ε ~ N(0, I),
//
// averaged over the batch. The KL term is the analytic divergence between
// two Gaussians, so only the reconstruction term is a one-sample Monte
// Carlo estimate. ε is an input of the graph, drawn each step from the
// step's seeded generator, which is what makes z differentiable in μ and
// σ (the reparameterisation trick) and a run a function of its seed.
// BCE is computed from logits with softplus, which neither overflows nor
// loses precision where σ(ℓ) rounds to 0 or 1. The whole objective is one
// graph with one gradient (Gorgonia takes one Grad per graph).
//
// # Evaluation
//
// The test loss is L(x) with β = 1 (the negative ELBO, whatever β was
// trained with) in nats per image, averaged over the test set exactly as
// pytorch/examples reports it, including its one sample of z per image
// (drawn from a fixed seed, so successive epochs see the same ε). The
// importance-weighted bound of Burda et al. (2016),
//
//	log p(x) ≥ L_k(x) = E[ log (1/k) Σ_{j=1..k} p(x|z_j) p(z_j) / q(z_j|x) ],  z_j ~ q(z|x),
//
// is a lower bound on the log-likelihood that tightens as k grows
// (L_1 is the ELBO; L_k → log p(x) as k → ∞). We report −L_k, an upper
// bound on the negative log-likelihood, which can be no larger than the
// test loss in expectation. The log weights are computed with the encoder
// run once per batch of test images and the decoder run over fixed-size
// chunks of z samples, so memory stays bounded for any k; the log-mean-exp
// over the k weights is accumulated in float64 with a running maximum.
//
// # Conditional VAE
//
// With Config.Classes > 0 the model is a conditional VAE (Sohn et al.,
// 2015): encoder q(z|x, y) and decoder p(x|z, y) read the one-hot label y
// joined to their input, and the prior stays N(0, I). Training takes the
// batch's labels ([Step.Run]; the trainer passes them), the test loss and
// IWAE bound use the test labels, and inference takes labels too:
// [Inference.Encode], [Inference.Decode] and [Inference.Reconstruct] take
// one label per image (nil for an unconditional model, and a conditional
// one refuses nil), [Inference.SampleClass] draws one class; Sample draws
// random classes.
//
// # Parameter names
//
// Parameters follow PyTorch's state_dict layout (Linear weight [out, in]):
// enc.fc1, enc.fc_mu, enc.fc_logvar, dec.fc1, dec.fc2 (each .weight and
// .bias), which are pytorch/examples' fc1, fc21, fc22, fc3 and fc4. The
// conv VAE has enc.conv1, enc.conv2 (Conv2d weight [out, in, k, k]),
// enc.fc1, enc.fc_mu, enc.fc_logvar, dec.fc1, dec.fc2, dec.conv1 and
// dec.conv2.
package vae
