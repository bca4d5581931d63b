// Package eval measures generative models of images: how close their
// samples are to real images, how varied they are, and which classes they
// draw. Every number comes from one reference classifier (package
// zoo/classifier, trained by this project) applied to the samples and to
// held-out real images; for MNIST digits its weights are embedded here,
// for other data cmd/train-classifier trains one, and images of any
// channels × height × width are taken (flat, each in CHW order):
//
//   - FID, the Fréchet distance between Gaussians fitted to the two sets'
//     features (the classifier's penultimate layer before its ReLU, 128
//     values): 0 when their means and covariances agree, growing with any
//     difference.
//   - The Inception score from the classifier's softmax: exp of the mean
//     KL between each sample's class distribution and the set's marginal;
//     from 1 to the number of classes (10 for digits), high when every
//     sample is confidently of one class and the classes are balanced.
//   - Precision and recall in feature space (Kynkäänniemi et al. 2019):
//     each set's manifold is the union of balls reaching each point's
//     k-th nearest neighbour; precision is the share of samples inside
//     the real manifold, recall the share of real images inside the
//     samples' manifold. The evaluator compares feature directions (unit
//     length), which keeps uniform noise out of the real manifold.
//   - The class histogram (most probable class of each sample), the classes
//     covered (those with at least a tenth of their fair share), and the
//     histogram's KL divergence from uniform.
//
// Images without a classifier (an unlabelled folder) are measured with
// [RandomFeatures], an untrained network with fixed-seed weights, and
// Options.FeaturesOnly: FID and precision/recall alone.
//
// [Evaluator] computes the reference set's outputs once and measures any
// number of sample sets against it; the training commands add the same
// metrics to a run's evaluations (-eval-every). The numbers depend on the classifier, so they
// compare models measured here with each other, not with FIDs computed
// with an Inception network.
package eval
