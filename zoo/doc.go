// Package zoo opens any gorgozoo checkpoint of a generative model — a
// GAN, a VAE or a diffusion model — and draws images from it through one interface, so that a
// program that samples (cmd/sample, cmd/eval, a server) needs no switch on
// the model's kind:
//
//	m, err := zoo.Load("runs/gan-20260101-120000") // a run folder or a checkpoint file
//	c, h, w := m.Shape()
//	imgs, err := m.Generate(ctx, 16, 1, -1) // 16 images of c×h×w pixels in [0, 1]
//
// A GAN generates from Gaussian noise (through its weight average when it
// keeps one) and a VAE decodes draws from its prior, its pixels being the
// decoder's Bernoulli means; a diffusion model denoises Gaussian noise
// with DDIM (50 steps by default; [Diffusion.WithSampling] sets the
// sampler, its steps, η and the guidance scale). All return pixels in
// [0, 1], black 0.
//
// A checkpoint is untrusted: Load refuses, before allocating it, a model
// whose configuration needs more memory than graphs.DefaultMaxMemory
// (LoadWithin takes another limit, which also bounds the images Generate
// draws at once), and a model whose parameters are not all finite.
//
// The models themselves live in the sub-packages: zoo/gan, zoo/vae,
// zoo/diffusion,
// zoo/classifier (the reference classifier of the evaluation, which draws
// nothing and so does not load here) and zoo/attention.
package zoo
