//go:build !purego

#include "textflag.h"

// One depth step of the 6×16 AVX2 tile: load a 16-wide row of the packed B
// panel into Y12:Y13, broadcast each of the 6 packed A values in turn and
// FMA into the 12 accumulators Y0..Y11 (row r lives in Y(2r), Y(2r+1)).
// Two broadcast registers alternate so consecutive rows do not wait on
// each other's broadcast.
#define STEP6x16(AO, BO) \
	VMOVUPS      BO(BX), Y12; \
	VMOVUPS      BO+32(BX), Y13; \
	VBROADCASTSS AO(AX), Y14; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VBROADCASTSS AO+4(AX), Y15; \
	VFMADD231PS  Y12, Y15, Y2; \
	VFMADD231PS  Y13, Y15, Y3; \
	VBROADCASTSS AO+8(AX), Y14; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5; \
	VBROADCASTSS AO+12(AX), Y15; \
	VFMADD231PS  Y12, Y15, Y6; \
	VFMADD231PS  Y13, Y15, Y7; \
	VBROADCASTSS AO+16(AX), Y14; \
	VFMADD231PS  Y12, Y14, Y8; \
	VFMADD231PS  Y13, Y14, Y9; \
	VBROADCASTSS AO+20(AX), Y15; \
	VFMADD231PS  Y12, Y15, Y10; \
	VFMADD231PS  Y13, Y15, Y11

// C row = alpha·acc (beta == 0: C is not read).
#define STORE0(LO, HI) \
	VMULPS  Y14, LO, LO; \
	VMULPS  Y14, HI, HI; \
	VMOVUPS LO, (DI); \
	VMOVUPS HI, 32(DI); \
	ADDQ    SI, DI

// C row = alpha·acc + beta·C.
#define STOREB(LO, HI) \
	VMULPS      Y14, LO, LO; \
	VMULPS      Y14, HI, HI; \
	VFMADD231PS (DI), Y15, LO; \
	VFMADD231PS 32(DI), Y15, HI; \
	VMOVUPS     LO, (DI); \
	VMOVUPS     HI, 32(DI); \
	ADDQ        SI, DI

// func tileAVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·tileAVX2(SB), NOSPLIT, $0-48
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+24(FP), DI
	MOVQ ldc+32(FP), SI
	SHLQ $2, SI

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	// Four steps per iteration to amortise the loop overhead, then the
	// remaining 0–3 one at a time.
	MOVQ CX, DX
	SHRQ $2, DX
	JZ   tail

loop4:
	STEP6x16(0, 0)
	STEP6x16(24, 64)
	STEP6x16(48, 128)
	STEP6x16(72, 192)
	ADDQ $96, AX
	ADDQ $256, BX
	DECQ DX
	JNZ  loop4

tail:
	ANDQ $3, CX
	JZ   store

loop1:
	STEP6x16(0, 0)
	ADDQ $24, AX
	ADDQ $64, BX
	DECQ CX
	JNZ  loop1

store:
	VBROADCASTSS alpha+40(FP), Y14
	VBROADCASTSS beta+44(FP), Y15

	// beta == 0 (either sign) means C must not be read: test the bits
	// rather than compare floats so that NaN is not mistaken for zero.
	MOVL beta+44(FP), DX
	ANDL $0x7fffffff, DX
	JNZ  storebeta

	STORE0(Y0, Y1)
	STORE0(Y2, Y3)
	STORE0(Y4, Y5)
	STORE0(Y6, Y7)
	STORE0(Y8, Y9)
	STORE0(Y10, Y11)
	VZEROUPPER
	RET

storebeta:
	STOREB(Y0, Y1)
	STOREB(Y2, Y3)
	STOREB(Y4, Y5)
	STOREB(Y6, Y7)
	STOREB(Y8, Y9)
	STOREB(Y10, Y11)
	VZEROUPPER
	RET

// One depth step of the 6×16 tile reading A in place: row r of the step is
// at AX + r·R9 (rows 3..5 through R10 = AX + 3·R9), and the step advances
// both pointers by R11 bytes. B is the packed panel as in STEP6x16.
#define STEPS6x16 \
	VMOVUPS      (BX), Y12; \
	VMOVUPS      32(BX), Y13; \
	VBROADCASTSS (AX), Y14; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VBROADCASTSS (AX)(R9*1), Y15; \
	VFMADD231PS  Y12, Y15, Y2; \
	VFMADD231PS  Y13, Y15, Y3; \
	VBROADCASTSS (AX)(R9*2), Y14; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5; \
	VBROADCASTSS (R10), Y15; \
	VFMADD231PS  Y12, Y15, Y6; \
	VFMADD231PS  Y13, Y15, Y7; \
	VBROADCASTSS (R10)(R9*1), Y14; \
	VFMADD231PS  Y12, Y14, Y8; \
	VFMADD231PS  Y13, Y14, Y9; \
	VBROADCASTSS (R10)(R9*2), Y15; \
	VFMADD231PS  Y12, Y15, Y10; \
	VFMADD231PS  Y13, Y15, Y11; \
	ADDQ         R11, AX; \
	ADDQ         R11, R10; \
	ADDQ         $64, BX

// func tileStridedAVX2(kc int, a *float32, rs, ls int, b, c *float32, ldc int, alpha, beta float32)
TEXT ·tileStridedAVX2(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ rs+16(FP), R9
	SHLQ $2, R9
	MOVQ ls+24(FP), R11
	SHLQ $2, R11
	MOVQ b+32(FP), BX
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), SI
	SHLQ $2, SI
	LEAQ (AX)(R9*2), R10
	ADDQ R9, R10

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	MOVQ CX, DX
	SHRQ $2, DX
	JZ   stail

sloop4:
	STEPS6x16
	STEPS6x16
	STEPS6x16
	STEPS6x16
	DECQ DX
	JNZ  sloop4

stail:
	ANDQ $3, CX
	JZ   sstore

sloop1:
	STEPS6x16
	DECQ CX
	JNZ  sloop1

sstore:
	VBROADCASTSS alpha+56(FP), Y14
	VBROADCASTSS beta+60(FP), Y15
	MOVL         beta+60(FP), DX
	ANDL         $0x7fffffff, DX
	JNZ          sstorebeta

	STORE0(Y0, Y1)
	STORE0(Y2, Y3)
	STORE0(Y4, Y5)
	STORE0(Y6, Y7)
	STORE0(Y8, Y9)
	STORE0(Y10, Y11)
	VZEROUPPER
	RET

sstorebeta:
	STOREB(Y0, Y1)
	STOREB(Y2, Y3)
	STOREB(Y4, Y5)
	STOREB(Y6, Y7)
	STOREB(Y8, Y9)
	STOREB(Y10, Y11)
	VZEROUPPER
	RET

// func transpose8AVX2(dst, src *float32, ld, n8 int)
//
// Transposes n8 consecutive 8×8 blocks: 8 source rows (ld floats apart)
// of 8·n8 values become 8·n8 steps of 8 values in a 16-wide packed B panel
// (steps 64 bytes apart). Each block is the classic unpack / shuffle /
// 128-bit permute transpose, about three shuffles per output vector.
TEXT ·transpose8AVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), AX
	MOVQ ld+16(FP), R9
	SHLQ $2, R9
	MOVQ n8+24(FP), CX
	LEAQ (AX)(R9*2), R10
	ADDQ R9, R10          // row 3
	LEAQ (R10)(R9*2), R11
	ADDQ R9, R11          // row 6

tloop:
	VMOVUPS (AX), Y0
	VMOVUPS (AX)(R9*1), Y1
	VMOVUPS (AX)(R9*2), Y2
	VMOVUPS (R10), Y3
	VMOVUPS (R10)(R9*1), Y4
	VMOVUPS (R10)(R9*2), Y5
	VMOVUPS (R11), Y6
	VMOVUPS (R11)(R9*1), Y7

	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7

	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15

	VMOVUPS Y8, (DI)
	VMOVUPS Y9, 64(DI)
	VMOVUPS Y10, 128(DI)
	VMOVUPS Y11, 192(DI)
	VMOVUPS Y12, 256(DI)
	VMOVUPS Y13, 320(DI)
	VMOVUPS Y14, 384(DI)
	VMOVUPS Y15, 448(DI)

	ADDQ $32, AX
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $512, DI
	DECQ CX
	JNZ  tloop
	VZEROUPPER
	RET

// func copy16AVX2(dst, src *float32, ld, kc int)
//
// Packs kc steps of a full 16-wide B panel from rows ld floats apart: two
// 32-byte loads and stores per step, two steps per iteration.
TEXT ·copy16AVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), AX
	MOVQ ld+16(FP), R9
	SHLQ $2, R9
	MOVQ kc+24(FP), CX
	MOVQ CX, DX
	SHRQ $1, DX
	JZ   ctail

cloop2:
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), Y1
	VMOVUPS (AX)(R9*1), Y2
	VMOVUPS 32(AX)(R9*1), Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	LEAQ    (AX)(R9*2), AX
	ADDQ    $128, DI
	DECQ    DX
	JNZ     cloop2

ctail:
	ANDQ $1, CX
	JZ   cdone
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)

cdone:
	VZEROUPPER
	RET
