// Package eval measures generative models of MNIST digits: how close their
// samples are to real digits, how varied they are, and which digits they
// draw. Every number comes from one reference classifier (package
// zoo/classifier, trained by this project; its weights are embedded here)
// applied to the samples and to the MNIST test set:
//
//   - FID, the Fréchet distance between Gaussians fitted to the two sets'
//     features (the classifier's penultimate layer before its ReLU, 128
//     values): 0 when their means and covariances agree, growing with any
//     difference.
//   - The Inception score from the classifier's softmax: exp of the mean
//     KL between each sample's class distribution and the set's marginal;
//     from 1 to 10, high when every sample is a confident digit and the
//     digits are balanced.
//   - Precision and recall in feature space (Kynkäänniemi et al. 2019):
//     each set's manifold is the union of balls reaching each point's
//     k-th nearest neighbour; precision is the share of samples inside
//     the real manifold, recall the share of real images inside the
//     samples' manifold. The evaluator compares feature directions (unit
//     length), which keeps uniform noise out of the real manifold.
//   - The class histogram (most probable digit of each sample), the digits
//     covered (those with at least a tenth of their fair share), and the
//     histogram's KL divergence from uniform.
//
// [Evaluator] computes the reference set's outputs once and measures any
// number of sample sets against it; the training commands add the same
// metrics to a run's evaluations (-eval-every). The numbers depend on the classifier, so they
// compare models measured here with each other, not with FIDs computed
// with an Inception network.
package eval
