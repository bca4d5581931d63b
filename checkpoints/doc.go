// Package checkpoints saves and loads model parameters as safetensors files.
//
// The safetensors layout is small enough to implement here rather than
// depend on a library for it:
//
//	[8 bytes]  N, little-endian uint64: length of the JSON header
//	[N bytes]  UTF-8 JSON header, padded with spaces so that 8+N is a
//	           multiple of 8
//	[rest]     the byte buffer: every tensor's data, little-endian and
//	           row-major, contiguous, with no gaps and no trailing bytes
//
// The header maps each tensor name to {"dtype", "shape", "data_offsets"},
// offsets being relative to the start of the byte buffer, and may carry a
// "__metadata__" object of string to string. Only float32 ("F32") tensors
// are supported, because that is the only element type gorgozoo trains in.
//
// Files written by [Save] load with Python's safetensors.torch.load_file,
// so a model trained here can be inspected or fine-tuned in PyTorch as long
// as the tensors use PyTorch names and layouts ("gen.fc1.weight" with shape
// [out, in]). The gorgozoo-specific [Meta] travels inside __metadata__ as a
// JSON string under the key "gorgozoo", since the format only allows string
// values there; files without that key, such as ones written by PyTorch,
// load with an empty Meta.
//
// Save is atomic (temporary file, fsync, rename, fsync of the folder), so a
// crash or a refused save never leaves a torn or partial checkpoint in place
// of a good one. It refuses NaN and infinite values for the same reason: a
// diverged run must not overwrite the last healthy checkpoint. Load treats
// its input as hostile and checks every length and offset before it
// allocates, so a corrupt or malicious file yields an error, never a panic
// or an outsized allocation.
//
// The package knows nothing of graphs or models: a checkpoint is named
// float32 tensors and metadata. A model's parameters enter and leave
// through [Params], a view of them as tensors that alias their values
// (graphs.Params is one), so [Checkpoint.LoadParams] and [Rebuild] fill a
// model in place.
//
// [Dir] adds "keep the last N" rotation on top: files named
// ckpt-<step>.safetensors in one folder, the oldest pruned after each save.
package checkpoints
