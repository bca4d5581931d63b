// Package diffusion holds denoising diffusion models declared as Gorgonia
// graphs: the noise schedules, the training step, the DDPM and DDIM
// samplers with classifier-free guidance, and [Sampler] for drawing images
// from a trained model.
//
// # Model
//
// A diffusion model (Ho et al. 2020) learns to undo a fixed forward process
// that adds Gaussian noise to an image x_0 over T steps,
//
//	q(x_t | x_{t−1}) = N(√(1−β_t) x_{t−1}, β_t I),
//	q(x_t | x_0)     = N(√ᾱ_t x_0, (1−ᾱ_t) I),  ᾱ_t = Π_{s≤t} (1−β_s),
//
// so that x_t = √ᾱ_t x_0 + √(1−ᾱ_t) ε with ε ~ N(0, I) in closed form
// ([Schedule.Diffuse]). The β schedule is linear from 1e-4 to 0.02 (Ho et
// al.) or the cosine schedule of Nichol & Dhariwal (2021), ᾱ_t = f(t)/f(0)
// with f(t) = cos²((t/T + 0.008)/1.008 · π/2) and β clipped at 0.999; T is
// 1000 by default. A [Denoiser] network ε_θ(x_t, t, y) predicts the noise;
// t enters as a sinusoidal embedding computed outside the graph, and y, a
// conditional model's class, as a one-hot row. The network is the U-Net of
// this package; [NewWith] takes any other.
//
// # Loss
//
// Each training step draws for every image a step t uniformly from 1 … T
// and noise ε, forms x_t outside the graph, and minimises
//
//	L = mean over the batch and the pixels of (ε_θ(x_t, t, y) − ε)²,
//
// the "simple" objective of Ho et al. Pixels are in [−1, 1]. An
// exponential moving average of the weights (decay Config.EMA, 0.999 by
// default) is updated after every step and is what sampling uses.
//
// # Sampling
//
// Both samplers start from x_T ~ N(0, I) and at each visited step predict
// x̂_0 = (x_t − √(1−ᾱ_t) ε̂)/√ᾱ_t, clipped to [−1, 1] as the authors'
// code does. DDPM ancestral sampling visits all T steps and draws
// x_{t−1} from the posterior q(x_{t−1} | x_t, x̂_0) with variance σ_t² =
// β_t. DDIM (Song et al. 2021) visits S evenly spread steps τ and moves to
// the previous one τ' by
//
//	x_τ' = √ᾱ_τ' x̂_0 + √(1−ᾱ_τ'−σ²) ε̂ + σ z,
//	σ = η √((1−ᾱ_τ')/(1−ᾱ_τ)) √(1−ᾱ_τ/ᾱ_τ'),
//
// deterministic for η = 0. The default is η = 1, which scores better on
// MNIST at DDIM's 50 steps. Every image has a noise stream of its own,
// derived from the seed and its index, so the same seed gives the same
// images however many are drawn at once.
//
// # Classifier-free guidance
//
// A conditional model (UNetConfig.Classes > 0) is trained on the null
// label, an all-zero one-hot row, instead of the image's with probability
// Config.CondDrop (0.1 by default), so that one network predicts both
// ε(x, y) and ε(x, ∅). Sampling with guidance scale w uses
//
//	ε̃ = (1+w)·ε(x, y) − w·ε(x, ∅)
//
// (Ho & Salimans 2022): w = 0 is the conditional model, larger w trades
// variety for samples more typical of their class.
//
// # Parameter names
//
// Parameters follow PyTorch's state_dict layout: the network's under
// unet., its weight average's under unet_ema.
package diffusion
