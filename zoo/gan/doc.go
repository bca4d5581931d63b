// Package gan holds generative adversarial networks declared as Gorgonia
// graphs: generator and discriminator architectures, the GAN objectives,
// the training step, and a [Generator] for inference.
//
// The objectives are the ones of Goodfellow et al. (2014) as they are meant
// to be trained. With D(·) the discriminator's logit and σ the sigmoid,
// the discriminator minimises
//
//	L_D = BCE(σ(D(x)), 1) + BCE(σ(D(G(z))), 0) = softplus(−D(x)) + softplus(D(G(z)))
//
// and the generator minimises the non-saturating loss
//
//	L_G = −log σ(D(G(z))) = softplus(−D(G(z)))
//
// rather than the minimax log(1 − σ(D(G(z)))), whose gradient vanishes
// early in training when D rejects every sample. Both are written with
// softplus on logits, which is exact and cannot overflow.
//
// A training step runs two graphs, because Gorgonia takes one symbolic
// gradient per graph: the D graph (real images and the generator's output
// on fresh noise in, L_D out, gradients for D's parameters) and the G
// graph (the generator, then the discriminator's layers bound to D's
// tensors, L_G out, gradients for G's parameters only). The two graphs
// bind the same parameter tensors, so each Adam update is seen by both.
//
// With [Config.Classes] > 0 the GAN is class-conditional: G reads
// [z, one-hot(y)]; D reads [x, one-hot(y)] (per image of a pack) and adds a
// projection term ⟨embed(y), φ(x)⟩ on its last hidden features (Miyato &
// Koyama 2018), without which D learnt to ignore the label. Real images
// come with their labels; fakes get classes drawn uniformly each step.
// [Generator.GenerateClass] draws a chosen class.
//
// With [Config.Generators] K > 1 the generator is a mixture of K (MGAN,
// Hoang et al. 2018): K first layers ([MixtureLinear]) and the rest
// shared, each image drawn by one of them. Every discriminator gains a
// head with K logits per image that tells which generator drew it; with
// CE its cross-entropy on the fakes, D minimises L_D + CE and G
// minimises L_G + β·CE ([Config.MGANBeta]), which pushes the generators
// apart. [Generator.Component] draws with one of them.
//
// [Preset] returns the tried recipes, architecture and training settings
// together: "mlp", which Config{} and TrainConfig{} also mean, "dcgan" and
// "sagan".
//
// [Config.Arch] chooses the networks: "mlp" (the classic GAN), "dcgan"
// ([ConvGenerator]: upsampling and 3×3 convolutions with PixelNorm;
// [ConvDiscriminator]: strided 4×4 convolutions) or "sagan" (DCGAN with
// the self-attention block of package attention in G and D, at half
// resolution on MNIST and on maps of at most 16×16 on larger images,
// spectral normalisation of every layer of D and the hinge loss
// L_D = mean(relu(1 − D(x))) + mean(relu(1 + D(G(z)))), L_G = −mean(D(G(z)))).
// The convolutional networks have one stage per entry of
// [Config.GChannels] and [Config.DChannels], each halving or doubling the
// maps; by default two up to 32×32 images and one more for each doubling
// above ([DefaultStages]).
//
// Images have [Config.ImageChannels] channels (grey or RGB) of
// Height × Width pixels. Every generator maps z [batch, Z] to flat images
// [batch, C·H·W], each image's channels one after another, and every
// discriminator reads them, so the step, the sampler and checkpoints are
// the same for all of them.
package gan
