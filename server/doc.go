// Package server is gorgozoo's HTTP server: browser pages to follow training
// runs and to try trained models, and a JSON/PNG API for other programs.
//
// A Server serves one root folder. Its pages list the run folders under
// the root (any folder holding config.json or metrics.jsonl) with their
// model, data, epochs and last scores; a run's page draws its loss and
// evaluation curves from metrics.jsonl (polled, so they grow while the run
// trains), its sample grids with a slider over epochs and its config; a
// comparison page draws several runs' curves on one chart; a playground
// per checkpoint draws a grid from a seed, a class of a conditional model,
// a walk between two latent points, and for a VAE reconstructs a digit
// drawn on a canvas. The charts are SVG drawn by a few lines of the pages'
// own JavaScript; the pages need no network.
//
// The API (see Handler for the routes) lists runs and models, returns a
// run's metrics, generates images from any checkpoint zoo.Load opens — as
// a PNG grid, one PNG per image or JSON pixels — and encodes and decodes
// with a VAE.
//
// A Server is meant to be left running. It serves files under its root
// only: a path with a ".." element, an absolute path, a percent sign left
// after decoding (double encoding) or a symbolic link that leads out of
// the root is answered 404. It bounds the images per request, request
// bodies and the time of a generation; at most Config.Workers generations
// run at once and Config.Queue more wait, beyond which a request gets
// 429. Loaded models are kept in a small cache bounded in count and bytes.
// A checkpoint that does not load (corrupt, half written) is a JSON error
// naming the file; a bad parameter is a 400 naming the parameter; a panic
// in a handler is recovered, logged and answered 500.
package server
