// Package peak measures the float32 arithmetic rate the CPU reaches at
// best: loops of independent fused multiply-adds (AVX-512 or AVX2 with
// FMA where the CPU has them, plain Go otherwise), one per thread, no
// memory traffic. cmd/bench divides a step's counted FLOPs per second by
// it, so that each model shows how far it is from what the cores can do.
//
// Each loop keeps enough independent accumulator chains (12 ymm or 16 zmm
// registers) to cover the FMA latency on every FMA port of the cores the
// project runs on, so the rate is bounded by the ports' throughput:
// 2 FMAs × 8 or 16 lanes × 2 FLOPs a cycle on a core with two 256- or
// 512-bit FMA units.
package peak
