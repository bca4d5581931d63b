// Package visual draws the images a generative-model trainer writes while it
// runs: tiled grids of generated samples and line plots of training curves,
// saved as PNG files that can be opened while training is still going on.
//
// Sample grids. Grid takes n images of a Shape (channels × height × width)
// stored back to back as float32 in CHW order (the layout a batch tensor
// already has) and tiles them with a 2-pixel dark-grey gutter, so that
// neighbouring samples stay distinguishable even when their edges are
// black, as MNIST digits are. Values are mapped linearly
// from [lo, hi] to 0..255 and clamped, so both tanh outputs ([-1, 1]) and
// sigmoid outputs ([0, 1]) can be shown without the caller rescaling them;
// lo is black and hi is white, matching the white-on-black MNIST convention.
// Grey images (one channel) give an *image.Gray, so a grey grid's PNG file
// is one byte a pixel; colour images (three channels: red, green, blue)
// give an opaque *image.RGBA, each channel mapped the same way. Image draws
// one image alone, for writing samples one file each.
// ToUint8 applies exactly the same mapping for callers that write samples in
// IDX or another raw byte format, so a saved grid and a saved IDX file of the
// same batch agree pixel for pixel. Upscale enlarges a grid by pixel
// replication because 28×28 tiles are too small to inspect at 1×, and
// smoothing interpolation would hide the very artefacts one is looking for.
// Side-by-side comparisons (real next to generated, say) need no extra API:
// interleave the images before calling Grid.
//
// Training curves. Plot renders one or more series on shared axes with tick
// labels, a title, an x-axis label and a legend. The legend sits above the
// axes rather than over the data so it never hides part of a curve. Points
// that are NaN or ±Inf (or non-positive, with LogY) are skipped rather than
// failing the whole plot, because a single diverged step should not stop the
// trainer from writing its progress image. A series with nil X is plotted
// against its indices, which suits per-step losses. Smooth is an exponential
// moving average for noisy per-batch losses.
//
// Training runs. TrainingPictures is a trainer hook that keeps a run
// folder's pictures up to date: the model's preview grids, the loss plot and
// the evaluation plot.
//
// Saving. SavePNG writes through a temporary file in the destination folder
// and renames it into place, so an image viewer that is watching the file
// never sees a half-written PNG.
package visual
