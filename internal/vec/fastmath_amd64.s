//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 loops of fastmath.go: four float64 lanes at a time, each doing
// the Go function's operations in its order (no fused multiply-adds), so
// that the results match bit for bit. Branches become compare masks and
// blends; expNeg builds 2ᵏ by adding 1.5·2⁵² to k (whose low bits then hold
// k) and shifting k+1023 into the exponent, as AVX2 cannot convert float64
// to int64.

// Constants, each repeated in four lanes: the float64 bits of the Go
// constants.
DATA mathK<>+0(SB)/8, $0x3ff71547652b82fe
DATA mathK<>+8(SB)/8, $0x3ff71547652b82fe
DATA mathK<>+16(SB)/8, $0x3ff71547652b82fe
DATA mathK<>+24(SB)/8, $0x3ff71547652b82fe
DATA mathK<>+32(SB)/8, $0x3fe0000000000000
DATA mathK<>+40(SB)/8, $0x3fe0000000000000
DATA mathK<>+48(SB)/8, $0x3fe0000000000000
DATA mathK<>+56(SB)/8, $0x3fe0000000000000
DATA mathK<>+64(SB)/8, $0x3ff0000000000000
DATA mathK<>+72(SB)/8, $0x3ff0000000000000
DATA mathK<>+80(SB)/8, $0x3ff0000000000000
DATA mathK<>+88(SB)/8, $0x3ff0000000000000
DATA mathK<>+96(SB)/8, $0x4000000000000000
DATA mathK<>+104(SB)/8, $0x4000000000000000
DATA mathK<>+112(SB)/8, $0x4000000000000000
DATA mathK<>+120(SB)/8, $0x4000000000000000
DATA mathK<>+128(SB)/8, $0xc085e00000000000
DATA mathK<>+136(SB)/8, $0xc085e00000000000
DATA mathK<>+144(SB)/8, $0xc085e00000000000
DATA mathK<>+152(SB)/8, $0xc085e00000000000
DATA mathK<>+160(SB)/8, $0x3fe62e42fee00000
DATA mathK<>+168(SB)/8, $0x3fe62e42fee00000
DATA mathK<>+176(SB)/8, $0x3fe62e42fee00000
DATA mathK<>+184(SB)/8, $0x3fe62e42fee00000
DATA mathK<>+192(SB)/8, $0x3dea39ef35793c76
DATA mathK<>+200(SB)/8, $0x3dea39ef35793c76
DATA mathK<>+208(SB)/8, $0x3dea39ef35793c76
DATA mathK<>+216(SB)/8, $0x3dea39ef35793c76
DATA mathK<>+224(SB)/8, $0x3e5ae64567f544e4
DATA mathK<>+232(SB)/8, $0x3e5ae64567f544e4
DATA mathK<>+240(SB)/8, $0x3e5ae64567f544e4
DATA mathK<>+248(SB)/8, $0x3e5ae64567f544e4
DATA mathK<>+256(SB)/8, $0x3e927e4fb7789f5c
DATA mathK<>+264(SB)/8, $0x3e927e4fb7789f5c
DATA mathK<>+272(SB)/8, $0x3e927e4fb7789f5c
DATA mathK<>+280(SB)/8, $0x3e927e4fb7789f5c
DATA mathK<>+288(SB)/8, $0x3ec71de3a556c734
DATA mathK<>+296(SB)/8, $0x3ec71de3a556c734
DATA mathK<>+304(SB)/8, $0x3ec71de3a556c734
DATA mathK<>+312(SB)/8, $0x3ec71de3a556c734
DATA mathK<>+320(SB)/8, $0x3efa01a01a01a01a
DATA mathK<>+328(SB)/8, $0x3efa01a01a01a01a
DATA mathK<>+336(SB)/8, $0x3efa01a01a01a01a
DATA mathK<>+344(SB)/8, $0x3efa01a01a01a01a
DATA mathK<>+352(SB)/8, $0x3f2a01a01a01a01a
DATA mathK<>+360(SB)/8, $0x3f2a01a01a01a01a
DATA mathK<>+368(SB)/8, $0x3f2a01a01a01a01a
DATA mathK<>+376(SB)/8, $0x3f2a01a01a01a01a
DATA mathK<>+384(SB)/8, $0x3f56c16c16c16c17
DATA mathK<>+392(SB)/8, $0x3f56c16c16c16c17
DATA mathK<>+400(SB)/8, $0x3f56c16c16c16c17
DATA mathK<>+408(SB)/8, $0x3f56c16c16c16c17
DATA mathK<>+416(SB)/8, $0x3f81111111111111
DATA mathK<>+424(SB)/8, $0x3f81111111111111
DATA mathK<>+432(SB)/8, $0x3f81111111111111
DATA mathK<>+440(SB)/8, $0x3f81111111111111
DATA mathK<>+448(SB)/8, $0x3fa5555555555555
DATA mathK<>+456(SB)/8, $0x3fa5555555555555
DATA mathK<>+464(SB)/8, $0x3fa5555555555555
DATA mathK<>+472(SB)/8, $0x3fa5555555555555
DATA mathK<>+480(SB)/8, $0x3fc5555555555555
DATA mathK<>+488(SB)/8, $0x3fc5555555555555
DATA mathK<>+496(SB)/8, $0x3fc5555555555555
DATA mathK<>+504(SB)/8, $0x3fc5555555555555
DATA mathK<>+512(SB)/8, $0x4338000000000000
DATA mathK<>+520(SB)/8, $0x4338000000000000
DATA mathK<>+528(SB)/8, $0x4338000000000000
DATA mathK<>+536(SB)/8, $0x4338000000000000
DATA mathK<>+544(SB)/8, $0x3fda827999fcef32
DATA mathK<>+552(SB)/8, $0x3fda827999fcef32
DATA mathK<>+560(SB)/8, $0x3fda827999fcef32
DATA mathK<>+568(SB)/8, $0x3fda827999fcef32
DATA mathK<>+576(SB)/8, $0x3fe62e42fefa39ef
DATA mathK<>+584(SB)/8, $0x3fe62e42fefa39ef
DATA mathK<>+592(SB)/8, $0x3fe62e42fefa39ef
DATA mathK<>+600(SB)/8, $0x3fe62e42fefa39ef
DATA mathK<>+608(SB)/8, $0x3fae1e1e1e1e1e1e
DATA mathK<>+616(SB)/8, $0x3fae1e1e1e1e1e1e
DATA mathK<>+624(SB)/8, $0x3fae1e1e1e1e1e1e
DATA mathK<>+632(SB)/8, $0x3fae1e1e1e1e1e1e
DATA mathK<>+640(SB)/8, $0x3fb1111111111111
DATA mathK<>+648(SB)/8, $0x3fb1111111111111
DATA mathK<>+656(SB)/8, $0x3fb1111111111111
DATA mathK<>+664(SB)/8, $0x3fb1111111111111
DATA mathK<>+672(SB)/8, $0x3fb3b13b13b13b14
DATA mathK<>+680(SB)/8, $0x3fb3b13b13b13b14
DATA mathK<>+688(SB)/8, $0x3fb3b13b13b13b14
DATA mathK<>+696(SB)/8, $0x3fb3b13b13b13b14
DATA mathK<>+704(SB)/8, $0x3fb745d1745d1746
DATA mathK<>+712(SB)/8, $0x3fb745d1745d1746
DATA mathK<>+720(SB)/8, $0x3fb745d1745d1746
DATA mathK<>+728(SB)/8, $0x3fb745d1745d1746
DATA mathK<>+736(SB)/8, $0x3fbc71c71c71c71c
DATA mathK<>+744(SB)/8, $0x3fbc71c71c71c71c
DATA mathK<>+752(SB)/8, $0x3fbc71c71c71c71c
DATA mathK<>+760(SB)/8, $0x3fbc71c71c71c71c
DATA mathK<>+768(SB)/8, $0x3fc2492492492492
DATA mathK<>+776(SB)/8, $0x3fc2492492492492
DATA mathK<>+784(SB)/8, $0x3fc2492492492492
DATA mathK<>+792(SB)/8, $0x3fc2492492492492
DATA mathK<>+800(SB)/8, $0x3fc999999999999a
DATA mathK<>+808(SB)/8, $0x3fc999999999999a
DATA mathK<>+816(SB)/8, $0x3fc999999999999a
DATA mathK<>+824(SB)/8, $0x3fc999999999999a
DATA mathK<>+832(SB)/8, $0x3fd5555555555555
DATA mathK<>+840(SB)/8, $0x3fd5555555555555
DATA mathK<>+848(SB)/8, $0x3fd5555555555555
DATA mathK<>+856(SB)/8, $0x3fd5555555555555
DATA mathK<>+864(SB)/8, $0xbfaba1ba1ba1ba1c
DATA mathK<>+872(SB)/8, $0xbfaba1ba1ba1ba1c
DATA mathK<>+880(SB)/8, $0xbfaba1ba1ba1ba1c
DATA mathK<>+888(SB)/8, $0xbfaba1ba1ba1ba1c
DATA mathK<>+896(SB)/8, $0x3fc1111111111111
DATA mathK<>+904(SB)/8, $0x3fc1111111111111
DATA mathK<>+912(SB)/8, $0x3fc1111111111111
DATA mathK<>+920(SB)/8, $0x3fc1111111111111
DATA mathK<>+928(SB)/8, $0xbfd5555555555555
DATA mathK<>+936(SB)/8, $0xbfd5555555555555
DATA mathK<>+944(SB)/8, $0xbfd5555555555555
DATA mathK<>+952(SB)/8, $0xbfd5555555555555
DATA mathK<>+960(SB)/8, $0x3f90000000000000
DATA mathK<>+968(SB)/8, $0x3f90000000000000
DATA mathK<>+976(SB)/8, $0x3f90000000000000
DATA mathK<>+984(SB)/8, $0x3f90000000000000
DATA mathK<>+992(SB)/8, $0x8000000000000000
DATA mathK<>+1000(SB)/8, $0x8000000000000000
DATA mathK<>+1008(SB)/8, $0x8000000000000000
DATA mathK<>+1016(SB)/8, $0x8000000000000000
DATA mathK<>+1024(SB)/8, $0x00000000000003ff
DATA mathK<>+1032(SB)/8, $0x00000000000003ff
DATA mathK<>+1040(SB)/8, $0x00000000000003ff
DATA mathK<>+1048(SB)/8, $0x00000000000003ff
GLOBL mathK<>(SB), RODATA|NOPTR, $1056

#define LOG2E mathK<>+0(SB) // log₂e
#define HALF mathK<>+32(SB)
#define ONE mathK<>+64(SB)
#define TWO mathK<>+96(SB)
#define M700 mathK<>+128(SB) // expNeg returns 0 below
#define LN2HI mathK<>+160(SB) // ln2 in two parts
#define LN2LO mathK<>+192(SB)
#define E11 mathK<>+224(SB) // 1/11!, …, 1/3!: expNeg
#define E10 mathK<>+256(SB)
#define E9 mathK<>+288(SB)
#define E8 mathK<>+320(SB)
#define E7 mathK<>+352(SB)
#define E6 mathK<>+384(SB)
#define E5 mathK<>+416(SB)
#define E4 mathK<>+448(SB)
#define E3 mathK<>+480(SB)
#define MAGIC mathK<>+512(SB) // 1.5·2⁵²
#define SQRT2M1 mathK<>+544(SB) // √2−1
#define LN2 mathK<>+576(SB)
#define L17 mathK<>+608(SB) // 1/17, …, 1/3: log1pUnit
#define L15 mathK<>+640(SB)
#define L13 mathK<>+672(SB)
#define L11 mathK<>+704(SB)
#define L9 mathK<>+736(SB)
#define L7 mathK<>+768(SB)
#define L5 mathK<>+800(SB)
#define L3 mathK<>+832(SB)
#define T7 mathK<>+864(SB) // tanh's Taylor terms
#define T5 mathK<>+896(SB)
#define T3 mathK<>+928(SB)
#define TSMALL mathK<>+960(SB) // below which tanh32 uses them
#define SIGN mathK<>+992(SB) // the sign bit
#define BIAS mathK<>+1024(SB) // float64's exponent bias, as an int64

// EXPNEG sets Y6 = expNeg(Y2) for Y2 ≤ 0 (or NaN), with Y14 = 1; it
// clobbers Y3, Y4, Y5 and Y8.
#define EXPNEG \
	VCMPPD   $1, M700, Y2, Y3; \
	VMULPD   LOG2E, Y2, Y4; \
	VADDPD   HALF, Y4, Y4; \
	VROUNDPD $1, Y4, Y4; \
	VMULPD   LN2HI, Y4, Y5; \
	VSUBPD   Y5, Y2, Y5; \
	VMULPD   LN2LO, Y4, Y6; \
	VSUBPD   Y6, Y5, Y5; \
	VMOVUPD  E11, Y6; \
	VMULPD   Y5, Y6, Y6; \
	VADDPD   E10, Y6, Y6; \
	VMULPD   Y5, Y6, Y6; \
	VADDPD   E9, Y6, Y6; \
	VMULPD   Y5, Y6, Y6; \
	VADDPD   E8, Y6, Y6; \
	VMULPD   Y5, Y6, Y6; \
	VADDPD   E7, Y6, Y6; \
	VMULPD   Y5, Y6, Y6; \
	VADDPD   E6, Y6, Y6; \
	VMULPD   Y5, Y6, Y6; \
	VADDPD   E5, Y6, Y6; \
	VMULPD   Y5, Y6, Y6; \
	VADDPD   E4, Y6, Y6; \
	VMULPD   Y5, Y6, Y6; \
	VADDPD   E3, Y6, Y6; \
	VMULPD   Y5, Y6, Y6; \
	VADDPD   HALF, Y6, Y6; \
	VMULPD   Y5, Y6, Y6; \
	VMULPD   Y5, Y6, Y6; \
	VADDPD   Y5, Y6, Y6; \
	VADDPD   Y14, Y6, Y6; \
	VADDPD   MAGIC, Y4, Y8; \
	VPADDQ   BIAS, Y8, Y8; \
	VPSLLQ   $52, Y8, Y8; \
	VMULPD   Y8, Y6, Y6; \
	VANDNPD  Y6, Y3, Y6

// LOG1PUNIT sets Y13 = log1pUnit(Y6) for Y6 in [0, 1], with Y14 = 1; it
// clobbers Y8 to Y12.
#define LOG1PUNIT \
	VCMPPD    $0x1e, SQRT2M1, Y6, Y8; \
	VANDPD    LN2, Y8, Y9; \
	VSUBPD    Y14, Y6, Y10; \
	VMULPD    HALF, Y10, Y10; \
	VBLENDVPD Y8, Y10, Y6, Y10; \
	VADDPD    TWO, Y10, Y11; \
	VDIVPD    Y11, Y10, Y11; \
	VMULPD    Y11, Y11, Y12; \
	VMOVUPD   L17, Y13; \
	VMULPD    Y12, Y13, Y13; \
	VADDPD    L15, Y13, Y13; \
	VMULPD    Y12, Y13, Y13; \
	VADDPD    L13, Y13, Y13; \
	VMULPD    Y12, Y13, Y13; \
	VADDPD    L11, Y13, Y13; \
	VMULPD    Y12, Y13, Y13; \
	VADDPD    L9, Y13, Y13; \
	VMULPD    Y12, Y13, Y13; \
	VADDPD    L7, Y13, Y13; \
	VMULPD    Y12, Y13, Y13; \
	VADDPD    L5, Y13, Y13; \
	VMULPD    Y12, Y13, Y13; \
	VADDPD    L3, Y13, Y13; \
	VMULPD    Y12, Y13, Y13; \
	VADDPD    Y14, Y13, Y13; \
	VADDPD    Y11, Y11, Y11; \
	VMULPD    Y11, Y13, Y13; \
	VADDPD    Y9, Y13, Y13

// func bceAVX2(n int, value, slope, x, t *float32, target float32)
TEXT ·bceAVX2(SB), NOSPLIT, $0-44
	MOVQ         n+0(FP), CX
	MOVQ         value+8(FP), DI
	MOVQ         slope+16(FP), R8
	MOVQ         x+24(FP), SI
	MOVQ         t+32(FP), R9
	VCVTSS2SD    target+40(FP), X15, X15
	VBROADCASTSD X15, Y15 // the constant target
	VMOVUPD      ONE, Y14
	VXORPD       Y7, Y7, Y7 // 0
	XORQ         BX, BX

bceloop:
	VCVTPS2PD (SI)(BX*4), Y0 // x
	VMOVAPD   Y15, Y1
	TESTQ     R9, R9
	JZ        bcetarget
	VCVTPS2PD (R9)(BX*4), Y1 // t

bcetarget:
	VORPD SIGN, Y0, Y2 // a = −|x|
	EXPNEG             // e = expNeg(a)
	LOG1PUNIT          // l = log1pUnit(e)

	// value = lin + l, lin = c·x with c = 1−t for x > 0, −t otherwise,
	// and lin = 0 where c = 0.
	VSUBPD     Y1, Y14, Y10
	VXORPD     SIGN, Y1, Y12
	VCMPPD     $0x1e, Y7, Y0, Y3
	VBLENDVPD  Y3, Y10, Y12, Y10
	VCMPPD     $0, Y7, Y10, Y12
	VMULPD     Y0, Y10, Y10
	VANDNPD    Y10, Y12, Y10
	VADDPD     Y13, Y10, Y10
	VCVTPD2PSY Y10, X10
	VMOVUPS    X10, (DI)(BX*4)

	// slope = (1−t) − q for x ≥ 0, q − t otherwise, q = e/(1+e).
	TESTQ      R8, R8
	JZ         bcenext
	VADDPD     Y14, Y6, Y11
	VDIVPD     Y11, Y6, Y11
	VCMPPD     $0x1d, Y7, Y0, Y12
	VSUBPD     Y1, Y14, Y13
	VSUBPD     Y11, Y13, Y13
	VSUBPD     Y1, Y11, Y10
	VBLENDVPD  Y12, Y13, Y10, Y10
	VCVTPD2PSY Y10, X10
	VMOVUPS    X10, (R8)(BX*4)

bcenext:
	ADDQ $4, BX
	CMPQ BX, CX
	JLT  bceloop
	VZEROUPPER
	RET

// func tanhAVX2(n int, dst, x *float32)
//
// tanh32: (1−e)/(1+e) with e = expNeg(−2|x|), given x's sign before the
// single rounding (rounding to nearest is symmetric, so this equals
// negating the rounded value), or below |x| = 1/64 the Taylor terms.
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	MOVQ    n+0(FP), CX
	MOVQ    dst+8(FP), DI
	MOVQ    x+16(FP), SI
	VMOVUPD ONE, Y14
	VMOVUPD SIGN, Y15
	XORQ    BX, BX

tanhloop:
	VCVTPS2PD (SI)(BX*4), Y0 // v
	VANDNPD   Y0, Y15, Y1    // a = |v|
	VADDPD    Y1, Y1, Y2
	VXORPD    Y15, Y2, Y2    // −2a
	EXPNEG
	VSUBPD    Y6, Y14, Y9
	VADDPD    Y14, Y6, Y10
	VDIVPD    Y10, Y9, Y9    // (1−e)/(1+e)
	VANDPD    Y15, Y0, Y10
	VORPD     Y10, Y9, Y9    // with v's sign

	// Small |v|: v·(1 + z·(−1/3 + z·(2/15 + z·(−17/315)))), z = v².
	VMULPD    Y0, Y0, Y10
	VMULPD    T7, Y10, Y11
	VADDPD    T5, Y11, Y11
	VMULPD    Y10, Y11, Y11
	VADDPD    T3, Y11, Y11
	VMULPD    Y10, Y11, Y11
	VADDPD    Y14, Y11, Y11
	VMULPD    Y11, Y0, Y11
	VCMPPD    $1, TSMALL, Y1, Y12 // a < 1/64
	VBLENDVPD Y12, Y11, Y9, Y9

	VCVTPD2PSY Y9, X9
	VMOVUPS    X9, (DI)(BX*4)
	ADDQ       $4, BX
	CMPQ       BX, CX
	JLT        tanhloop
	VZEROUPPER
	RET

// SIGMOID sets X10 to sigmoid32 of the four values at (SI)(BX*4): with
// e = expNeg(−|x|), 1/(1+e) for x ≥ 0 and e/(1+e) below. Y14 holds 1 and
// Y7 0.
#define SIGMOID \
	VCVTPS2PD  (SI)(BX*4), Y0; \
	VORPD      SIGN, Y0, Y2; \
	EXPNEG; \
	VADDPD     Y14, Y6, Y9; \
	VDIVPD     Y9, Y14, Y10; \
	VDIVPD     Y9, Y6, Y11; \
	VCMPPD     $0x1d, Y7, Y0, Y12; \
	VBLENDVPD  Y12, Y10, Y11, Y10; \
	VCVTPD2PSY Y10, X10

// func sigmoidAVX2(n int, dst, x *float32)
//
// sigmoid32, through SIGMOID.
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-24
	MOVQ    n+0(FP), CX
	MOVQ    dst+8(FP), DI
	MOVQ    x+16(FP), SI
	VMOVUPD ONE, Y14
	VXORPD  Y7, Y7, Y7 // 0
	XORQ    BX, BX

sigmoidloop:
	SIGMOID
	VMOVUPS X10, (DI)(BX*4)
	ADDQ       $4, BX
	CMPQ       BX, CX
	JLT        sigmoidloop
	VZEROUPPER
	RET

// func siluAVX2(n int, dst, sig, x *float32)
//
// silu32: σ as sigmoidAVX2 computes it, stored, then x·σ in float32,
// cleared where σ is 0.
TEXT ·siluAVX2(SB), NOSPLIT, $0-32
	MOVQ    n+0(FP), CX
	MOVQ    dst+8(FP), DI
	MOVQ    sig+16(FP), DX
	MOVQ    x+24(FP), SI
	VMOVUPD ONE, Y14
	VXORPD  Y7, Y7, Y7 // 0
	XORQ    BX, BX

siluloop:
	SIGMOID
	VMOVUPS    X10, (DX)(BX*4)
	VMULPS     (SI)(BX*4), X10, X11 // x·σ
	VCMPPS     $0, X7, X10, X12     // σ = 0
	VANDNPS    X11, X12, X11
	VMOVUPS    X11, (DI)(BX*4)
	ADDQ       $4, BX
	CMPQ       BX, CX
	JLT        siluloop
	VZEROUPPER
	RET
