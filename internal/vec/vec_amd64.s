//go:build amd64 && !purego

#include "textflag.h"

// func adamAVX2(n int, p, grad, m, v *float32, k *[7]float32)
TEXT ·adamAVX2(SB), NOSPLIT, $0-48
	MOVQ         n+0(FP), CX
	MOVQ         p+8(FP), DI
	MOVQ         grad+16(FP), SI
	MOVQ         m+24(FP), R8
	MOVQ         v+32(FP), R9
	MOVQ         k+40(FP), AX
	VBROADCASTSS 0(AX), Y8   // b1
	VBROADCASTSS 4(AX), Y9   // 1-b1
	VBROADCASTSS 8(AX), Y10  // b2
	VBROADCASTSS 12(AX), Y11 // 1-b2
	VBROADCASTSS 16(AX), Y12 // stepSize
	VBROADCASTSS 20(AX), Y13 // sqrtBias2
	VBROADCASTSS 24(AX), Y14 // eps
	XORQ         BX, BX

adamloop:
	VMOVUPS (SI)(BX*4), Y0     // g
	VMULPS  (R8)(BX*4), Y8, Y1 // b1·m
	VMULPS  Y0, Y9, Y2         // (1-b1)·g
	VADDPS  Y2, Y1, Y1         // m'
	VMULPS  (R9)(BX*4), Y10, Y3 // b2·v
	VMULPS  Y0, Y11, Y4        // (1-b2)·g
	VMULPS  Y0, Y4, Y4         // (1-b2)·g·g
	VADDPS  Y4, Y3, Y3         // v'
	VMOVUPS Y1, (R8)(BX*4)
	VMOVUPS Y3, (R9)(BX*4)
	VSQRTPS Y3, Y5
	VDIVPS  Y13, Y5, Y5        // √v'/sqrtBias2
	VADDPS  Y14, Y5, Y5        // + eps
	VMULPS  Y1, Y12, Y6        // stepSize·m'
	VDIVPS  Y5, Y6, Y6
	VMOVUPS (DI)(BX*4), Y7
	VSUBPS  Y6, Y7, Y7
	VMOVUPS Y7, (DI)(BX*4)
	ADDQ    $8, BX
	CMPQ    BX, CX
	JLT     adamloop
	VZEROUPPER
	RET

// func nonFiniteAVX2(n int, d *float32) bool
TEXT ·nonFiniteAVX2(SB), NOSPLIT, $0-17
	MOVQ   n+0(FP), CX
	MOVQ   d+8(FP), SI
	VXORPS Y0, Y0, Y0 // two accumulators of x·0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2 // zero
	XORQ   BX, BX

nfloop:
	VMULPS (SI)(BX*4), Y2, Y3
	VADDPS Y3, Y0, Y0
	VMULPS 32(SI)(BX*4), Y2, Y4
	VADDPS Y4, Y1, Y1
	ADDQ   $16, BX
	CMPQ   BX, CX
	JLT    nfloop
	VADDPS     Y1, Y0, Y0
	VCMPPS     $4, Y2, Y0, Y0 // acc != 0 (unordered: NaN counts)
	VMOVMSKPS  Y0, AX
	TESTL      AX, AX
	SETNE      ret+16(FP)
	VZEROUPPER
	RET

// func lerpAVX2(n int, avg, x *float32, d, e float32)
TEXT ·lerpAVX2(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	MOVQ         avg+8(FP), DI
	MOVQ         x+16(FP), SI
	VBROADCASTSS d+24(FP), Y8
	VBROADCASTSS e+28(FP), Y9
	XORQ         BX, BX

lerploop:
	VMULPS  (DI)(BX*4), Y8, Y0
	VMULPS  (SI)(BX*4), Y9, Y1
	VADDPS  Y1, Y0, Y0
	VMOVUPS Y0, (DI)(BX*4)
	ADDQ    $8, BX
	CMPQ    BX, CX
	JLT     lerploop
	VZEROUPPER
	RET

// func affineAVX2(n int, dst, x *float32, a, b float64)
//
// Four values at a time in float64: x·a, then + b, rounded once.
TEXT ·affineAVX2(SB), NOSPLIT, $0-40
	MOVQ         n+0(FP), CX
	MOVQ         dst+8(FP), DI
	MOVQ         x+16(FP), SI
	VBROADCASTSD a+24(FP), Y8
	VBROADCASTSD b+32(FP), Y9
	XORQ         BX, BX

affineloop:
	VCVTPS2PD  (SI)(BX*4), Y0
	VMULPD     Y8, Y0, Y0
	VADDPD     Y9, Y0, Y0
	VCVTPD2PSY Y0, X0
	VMOVUPS    X0, (DI)(BX*4)
	ADDQ       $4, BX
	CMPQ       BX, CX
	JLT        affineloop
	VZEROUPPER
	RET

// func affineCentredAVX2(n int, dst, u, x *float32, a, m, b, c float64)
//
// Four values at a time in float64: u·a + (x − m)·b, then + c, rounded
// once.
TEXT ·affineCentredAVX2(SB), NOSPLIT, $0-64
	MOVQ         n+0(FP), CX
	MOVQ         dst+8(FP), DI
	MOVQ         u+16(FP), SI
	MOVQ         x+24(FP), DX
	VBROADCASTSD a+32(FP), Y8
	VBROADCASTSD m+40(FP), Y9
	VBROADCASTSD b+48(FP), Y10
	VBROADCASTSD c+56(FP), Y11
	XORQ         BX, BX

affinecentredloop:
	VCVTPS2PD  (SI)(BX*4), Y0
	VMULPD     Y8, Y0, Y0
	VCVTPS2PD  (DX)(BX*4), Y1
	VSUBPD     Y9, Y1, Y1
	VMULPD     Y10, Y1, Y1
	VADDPD     Y1, Y0, Y0
	VADDPD     Y11, Y0, Y0
	VCVTPD2PSY Y0, X0
	VMOVUPS    X0, (DI)(BX*4)
	ADDQ       $4, BX
	CMPQ       BX, CX
	JLT        affinecentredloop
	VZEROUPPER
	RET
