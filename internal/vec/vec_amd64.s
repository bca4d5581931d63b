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

// Constants of bceAVX2, each repeated in four lanes: expNeg's and
// log1pUnit's, the sign bit, and 1023 (float64's exponent bias) as an int64.
DATA bceK<>+0(SB)/8, $0x3ff71547652b82fe
DATA bceK<>+8(SB)/8, $0x3ff71547652b82fe
DATA bceK<>+16(SB)/8, $0x3ff71547652b82fe
DATA bceK<>+24(SB)/8, $0x3ff71547652b82fe
DATA bceK<>+32(SB)/8, $0x3fe0000000000000
DATA bceK<>+40(SB)/8, $0x3fe0000000000000
DATA bceK<>+48(SB)/8, $0x3fe0000000000000
DATA bceK<>+56(SB)/8, $0x3fe0000000000000
DATA bceK<>+64(SB)/8, $0x3ff0000000000000
DATA bceK<>+72(SB)/8, $0x3ff0000000000000
DATA bceK<>+80(SB)/8, $0x3ff0000000000000
DATA bceK<>+88(SB)/8, $0x3ff0000000000000
DATA bceK<>+96(SB)/8, $0x4000000000000000
DATA bceK<>+104(SB)/8, $0x4000000000000000
DATA bceK<>+112(SB)/8, $0x4000000000000000
DATA bceK<>+120(SB)/8, $0x4000000000000000
DATA bceK<>+128(SB)/8, $0xc085e00000000000
DATA bceK<>+136(SB)/8, $0xc085e00000000000
DATA bceK<>+144(SB)/8, $0xc085e00000000000
DATA bceK<>+152(SB)/8, $0xc085e00000000000
DATA bceK<>+160(SB)/8, $0x3fe62e42fee00000
DATA bceK<>+168(SB)/8, $0x3fe62e42fee00000
DATA bceK<>+176(SB)/8, $0x3fe62e42fee00000
DATA bceK<>+184(SB)/8, $0x3fe62e42fee00000
DATA bceK<>+192(SB)/8, $0x3dea39ef35793c76
DATA bceK<>+200(SB)/8, $0x3dea39ef35793c76
DATA bceK<>+208(SB)/8, $0x3dea39ef35793c76
DATA bceK<>+216(SB)/8, $0x3dea39ef35793c76
DATA bceK<>+224(SB)/8, $0x3e5ae64567f544e4
DATA bceK<>+232(SB)/8, $0x3e5ae64567f544e4
DATA bceK<>+240(SB)/8, $0x3e5ae64567f544e4
DATA bceK<>+248(SB)/8, $0x3e5ae64567f544e4
DATA bceK<>+256(SB)/8, $0x3e927e4fb7789f5c
DATA bceK<>+264(SB)/8, $0x3e927e4fb7789f5c
DATA bceK<>+272(SB)/8, $0x3e927e4fb7789f5c
DATA bceK<>+280(SB)/8, $0x3e927e4fb7789f5c
DATA bceK<>+288(SB)/8, $0x3ec71de3a556c734
DATA bceK<>+296(SB)/8, $0x3ec71de3a556c734
DATA bceK<>+304(SB)/8, $0x3ec71de3a556c734
DATA bceK<>+312(SB)/8, $0x3ec71de3a556c734
DATA bceK<>+320(SB)/8, $0x3efa01a01a01a01a
DATA bceK<>+328(SB)/8, $0x3efa01a01a01a01a
DATA bceK<>+336(SB)/8, $0x3efa01a01a01a01a
DATA bceK<>+344(SB)/8, $0x3efa01a01a01a01a
DATA bceK<>+352(SB)/8, $0x3f2a01a01a01a01a
DATA bceK<>+360(SB)/8, $0x3f2a01a01a01a01a
DATA bceK<>+368(SB)/8, $0x3f2a01a01a01a01a
DATA bceK<>+376(SB)/8, $0x3f2a01a01a01a01a
DATA bceK<>+384(SB)/8, $0x3f56c16c16c16c17
DATA bceK<>+392(SB)/8, $0x3f56c16c16c16c17
DATA bceK<>+400(SB)/8, $0x3f56c16c16c16c17
DATA bceK<>+408(SB)/8, $0x3f56c16c16c16c17
DATA bceK<>+416(SB)/8, $0x3f81111111111111
DATA bceK<>+424(SB)/8, $0x3f81111111111111
DATA bceK<>+432(SB)/8, $0x3f81111111111111
DATA bceK<>+440(SB)/8, $0x3f81111111111111
DATA bceK<>+448(SB)/8, $0x3fa5555555555555
DATA bceK<>+456(SB)/8, $0x3fa5555555555555
DATA bceK<>+464(SB)/8, $0x3fa5555555555555
DATA bceK<>+472(SB)/8, $0x3fa5555555555555
DATA bceK<>+480(SB)/8, $0x3fc5555555555555
DATA bceK<>+488(SB)/8, $0x3fc5555555555555
DATA bceK<>+496(SB)/8, $0x3fc5555555555555
DATA bceK<>+504(SB)/8, $0x3fc5555555555555
DATA bceK<>+512(SB)/8, $0x4338000000000000
DATA bceK<>+520(SB)/8, $0x4338000000000000
DATA bceK<>+528(SB)/8, $0x4338000000000000
DATA bceK<>+536(SB)/8, $0x4338000000000000
DATA bceK<>+544(SB)/8, $0x3fda827999fcef32
DATA bceK<>+552(SB)/8, $0x3fda827999fcef32
DATA bceK<>+560(SB)/8, $0x3fda827999fcef32
DATA bceK<>+568(SB)/8, $0x3fda827999fcef32
DATA bceK<>+576(SB)/8, $0x3fe62e42fefa39ef
DATA bceK<>+584(SB)/8, $0x3fe62e42fefa39ef
DATA bceK<>+592(SB)/8, $0x3fe62e42fefa39ef
DATA bceK<>+600(SB)/8, $0x3fe62e42fefa39ef
DATA bceK<>+608(SB)/8, $0x3fae1e1e1e1e1e1e
DATA bceK<>+616(SB)/8, $0x3fae1e1e1e1e1e1e
DATA bceK<>+624(SB)/8, $0x3fae1e1e1e1e1e1e
DATA bceK<>+632(SB)/8, $0x3fae1e1e1e1e1e1e
DATA bceK<>+640(SB)/8, $0x3fb1111111111111
DATA bceK<>+648(SB)/8, $0x3fb1111111111111
DATA bceK<>+656(SB)/8, $0x3fb1111111111111
DATA bceK<>+664(SB)/8, $0x3fb1111111111111
DATA bceK<>+672(SB)/8, $0x3fb3b13b13b13b14
DATA bceK<>+680(SB)/8, $0x3fb3b13b13b13b14
DATA bceK<>+688(SB)/8, $0x3fb3b13b13b13b14
DATA bceK<>+696(SB)/8, $0x3fb3b13b13b13b14
DATA bceK<>+704(SB)/8, $0x3fb745d1745d1746
DATA bceK<>+712(SB)/8, $0x3fb745d1745d1746
DATA bceK<>+720(SB)/8, $0x3fb745d1745d1746
DATA bceK<>+728(SB)/8, $0x3fb745d1745d1746
DATA bceK<>+736(SB)/8, $0x3fbc71c71c71c71c
DATA bceK<>+744(SB)/8, $0x3fbc71c71c71c71c
DATA bceK<>+752(SB)/8, $0x3fbc71c71c71c71c
DATA bceK<>+760(SB)/8, $0x3fbc71c71c71c71c
DATA bceK<>+768(SB)/8, $0x3fc2492492492492
DATA bceK<>+776(SB)/8, $0x3fc2492492492492
DATA bceK<>+784(SB)/8, $0x3fc2492492492492
DATA bceK<>+792(SB)/8, $0x3fc2492492492492
DATA bceK<>+800(SB)/8, $0x3fc999999999999a
DATA bceK<>+808(SB)/8, $0x3fc999999999999a
DATA bceK<>+816(SB)/8, $0x3fc999999999999a
DATA bceK<>+824(SB)/8, $0x3fc999999999999a
DATA bceK<>+832(SB)/8, $0x3fd5555555555555
DATA bceK<>+840(SB)/8, $0x3fd5555555555555
DATA bceK<>+848(SB)/8, $0x3fd5555555555555
DATA bceK<>+856(SB)/8, $0x3fd5555555555555
DATA bceK<>+864(SB)/8, $0x8000000000000000
DATA bceK<>+872(SB)/8, $0x8000000000000000
DATA bceK<>+880(SB)/8, $0x8000000000000000
DATA bceK<>+888(SB)/8, $0x8000000000000000
DATA bceK<>+896(SB)/8, $0x00000000000003ff
DATA bceK<>+904(SB)/8, $0x00000000000003ff
DATA bceK<>+912(SB)/8, $0x00000000000003ff
DATA bceK<>+920(SB)/8, $0x00000000000003ff
GLOBL bceK<>(SB), RODATA|NOPTR, $928

// func bceAVX2(n int, value, slope, x, t *float32, target float32)
//
// Four values an iteration, in float64, doing bce32's operations in its
// order: expNeg builds 2ᵏ by adding 1.5·2⁵² to k (its low bits then hold k)
// and shifting k+1023 into the exponent, as AVX2 cannot convert float64 to
// int64; branches become compare masks and blends.
TEXT ·bceAVX2(SB), NOSPLIT, $0-44
	MOVQ         n+0(FP), CX
	MOVQ         value+8(FP), DI
	MOVQ         slope+16(FP), R8
	MOVQ         x+24(FP), SI
	MOVQ         t+32(FP), R9
	VCVTSS2SD    target+40(FP), X15, X15
	VBROADCASTSD X15, Y15             // the constant target
	VMOVUPD      bceK<>+64(SB), Y14      // 1
	VXORPD       Y7, Y7, Y7           // 0
	XORQ         BX, BX

bceloop:
	VCVTPS2PD (SI)(BX*4), Y0 // x
	VMOVAPD   Y15, Y1
	TESTQ     R9, R9
	JZ        bcetarget
	VCVTPS2PD (R9)(BX*4), Y1 // t

bcetarget:
	// e = expNeg(a), a = −|x|: Y6
	VORPD     bceK<>+864(SB), Y0, Y2
	VCMPPD    $1, bceK<>+128(SB), Y2, Y3 // a < −700
	VMULPD    bceK<>+0(SB), Y2, Y4
	VADDPD    bceK<>+32(SB), Y4, Y4
	VROUNDPD  $1, Y4, Y4              // k = ⌊a·log₂e + ½⌋
	VMULPD    bceK<>+160(SB), Y4, Y5
	VSUBPD    Y5, Y2, Y5
	VMULPD    bceK<>+192(SB), Y4, Y6
	VSUBPD    Y6, Y5, Y5              // r
	VMOVUPD   bceK<>+224(SB), Y6
	VMULPD    Y5, Y6, Y6
	VADDPD    bceK<>+256(SB), Y6, Y6
	VMULPD    Y5, Y6, Y6
	VADDPD    bceK<>+288(SB), Y6, Y6
	VMULPD    Y5, Y6, Y6
	VADDPD    bceK<>+320(SB), Y6, Y6
	VMULPD    Y5, Y6, Y6
	VADDPD    bceK<>+352(SB), Y6, Y6
	VMULPD    Y5, Y6, Y6
	VADDPD    bceK<>+384(SB), Y6, Y6
	VMULPD    Y5, Y6, Y6
	VADDPD    bceK<>+416(SB), Y6, Y6
	VMULPD    Y5, Y6, Y6
	VADDPD    bceK<>+448(SB), Y6, Y6
	VMULPD    Y5, Y6, Y6
	VADDPD    bceK<>+480(SB), Y6, Y6
	VMULPD    Y5, Y6, Y6
	VADDPD    bceK<>+32(SB), Y6, Y6
	VMULPD    Y5, Y6, Y6
	VMULPD    Y5, Y6, Y6
	VADDPD    Y5, Y6, Y6
	VADDPD    Y14, Y6, Y6             // eʳ
	VADDPD    bceK<>+512(SB), Y4, Y8
	VPADDQ    bceK<>+896(SB), Y8, Y8
	VPSLLQ    $52, Y8, Y8             // 2ᵏ
	VMULPD    Y8, Y6, Y6
	VANDNPD   Y6, Y3, Y6

	// l = log1pUnit(e): Y13
	VCMPPD    $0x1e, bceK<>+544(SB), Y6, Y8 // e > √2−1
	VANDPD    bceK<>+576(SB), Y8, Y9            // base
	VSUBPD    Y14, Y6, Y10
	VMULPD    bceK<>+32(SB), Y10, Y10
	VBLENDVPD Y8, Y10, Y6, Y10              // u
	VADDPD    bceK<>+96(SB), Y10, Y11
	VDIVPD    Y11, Y10, Y11                 // s = u/(2+u)
	VMULPD    Y11, Y11, Y12                 // z
	VMOVUPD   bceK<>+608(SB), Y13
	VMULPD    Y12, Y13, Y13
	VADDPD    bceK<>+640(SB), Y13, Y13
	VMULPD    Y12, Y13, Y13
	VADDPD    bceK<>+672(SB), Y13, Y13
	VMULPD    Y12, Y13, Y13
	VADDPD    bceK<>+704(SB), Y13, Y13
	VMULPD    Y12, Y13, Y13
	VADDPD    bceK<>+736(SB), Y13, Y13
	VMULPD    Y12, Y13, Y13
	VADDPD    bceK<>+768(SB), Y13, Y13
	VMULPD    Y12, Y13, Y13
	VADDPD    bceK<>+800(SB), Y13, Y13
	VMULPD    Y12, Y13, Y13
	VADDPD    bceK<>+832(SB), Y13, Y13
	VMULPD    Y12, Y13, Y13
	VADDPD    Y14, Y13, Y13
	VADDPD    Y11, Y11, Y11
	VMULPD    Y11, Y13, Y13
	VADDPD    Y9, Y13, Y13

	// value = lin + l, lin = c·x with c = 1−t for x > 0, −t otherwise,
	// and lin = 0 where c = 0.
	VSUBPD      Y1, Y14, Y10
	VXORPD      bceK<>+864(SB), Y1, Y12
	VCMPPD      $0x1e, Y7, Y0, Y3
	VBLENDVPD   Y3, Y10, Y12, Y10
	VCMPPD      $0, Y7, Y10, Y12
	VMULPD      Y0, Y10, Y10
	VANDNPD     Y10, Y12, Y10
	VADDPD      Y13, Y10, Y10
	VCVTPD2PSY  Y10, X10
	VMOVUPS     X10, (DI)(BX*4)

	// slope = (1−t) − q for x ≥ 0, q − t otherwise, q = e/(1+e).
	TESTQ     R8, R8
	JZ        bcenext
	VADDPD    Y14, Y6, Y11
	VDIVPD    Y11, Y6, Y11
	VCMPPD    $0x1d, Y7, Y0, Y12
	VSUBPD    Y1, Y14, Y13
	VSUBPD    Y11, Y13, Y13
	VSUBPD    Y1, Y11, Y10
	VBLENDVPD Y12, Y13, Y10, Y10
	VCVTPD2PSY Y10, X10
	VMOVUPS   X10, (R8)(BX*4)

bcenext:
	ADDQ $4, BX
	CMPQ BX, CX
	JLT  bceloop
	VZEROUPPER
	RET
