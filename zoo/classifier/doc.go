// Package classifier holds a small convolutional image classifier declared
// as a Gorgonia graph: the network, its training step (softmax
// cross-entropy, Adam), test accuracy as a trainer.Evaluator, and
// [Inference], which gives the features of its penultimate layer and its
// class probabilities for a batch of images.
//
// It exists to measure generative models: package eval computes the
// Fréchet distance, Inception score, precision/recall and class coverage
// of generated digits from this network's outputs, the way FID uses an
// ImageNet Inception network for natural images. A network trained by this
// project, on this project's graphs, keeps those numbers reproducible from
// a fresh clone with nothing downloaded.
//
// # Network
//
// The default network (about 80,000 parameters) is
//
//	x [1×28×28] → conv1 5×5, 16 → ReLU → max-pool 2 → conv2 5×5, 32 → ReLU → max-pool 2
//	            → flatten (512) → fc1 128 (the features) → ReLU → dropout → fc2 10 (logits)
//
// with PyTorch's names and layouts (conv weights [out, in, k, k], Linear
// weights [out, in]; the flatten is NCHW-ordered as torch.flatten), so the
// weights load into the equivalent nn.Module. Pixels are fed in [0, 1].
//
// The same network takes images of any size and of 1 or 3 channels
// (Config.ImageChannels, Height, Width; conv1 reads the channels, fc1
// the maps the conv blocks leave) and any number of classes, so
// cmd/train-classifier trains one for any labelled image folder.
//
// # Loss
//
// The step minimises the mean softmax cross-entropy −log softmax(ℓ)_y of
// the logits ℓ against the labels y, computed as ℓ_y − m − log Σ exp(ℓ − m)
// with m the row maximum ([graphs.Builder.LogSoftmax]), which cannot
// overflow. Inference computes the probabilities from the logits in
// float64 outside the graph for the same reason.
package classifier
