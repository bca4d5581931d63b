//go:build !purego

#include "textflag.h"

// The AVX-512 micro-kernel: a 16×16 tile of C in 16 zmm accumulators, one
// per row (Z0..Z15). Each depth step loads the 16-wide row of the packed B
// panel into Z16 once and multiplies it by the step's 16 A values, each
// broadcast from memory by the FMA itself ({1to16}), so a step is one
// load and 16 FMAs. 16 rows match the models' batches (64, 128) with no
// ragged tile, and both panels keep the 16-wide packing of the AVX2
// kernel's B (whose SIMD packing routines they share).
#define STEP16x16(AO, BO) \
	VMOVUPS BO(BX), Z16; \
	VFMADD231PS.BCST AO(AX), Z16, Z0; \
	VFMADD231PS.BCST AO+4(AX), Z16, Z1; \
	VFMADD231PS.BCST AO+8(AX), Z16, Z2; \
	VFMADD231PS.BCST AO+12(AX), Z16, Z3; \
	VFMADD231PS.BCST AO+16(AX), Z16, Z4; \
	VFMADD231PS.BCST AO+20(AX), Z16, Z5; \
	VFMADD231PS.BCST AO+24(AX), Z16, Z6; \
	VFMADD231PS.BCST AO+28(AX), Z16, Z7; \
	VFMADD231PS.BCST AO+32(AX), Z16, Z8; \
	VFMADD231PS.BCST AO+36(AX), Z16, Z9; \
	VFMADD231PS.BCST AO+40(AX), Z16, Z10; \
	VFMADD231PS.BCST AO+44(AX), Z16, Z11; \
	VFMADD231PS.BCST AO+48(AX), Z16, Z12; \
	VFMADD231PS.BCST AO+52(AX), Z16, Z13; \
	VFMADD231PS.BCST AO+56(AX), Z16, Z14; \
	VFMADD231PS.BCST AO+60(AX), Z16, Z15

// C row = alpha·acc (beta == 0: C is not read).
#define STORE0Z(R) \
	VMULPS  Z17, R, R; \
	VMOVUPS R, (DI); \
	ADDQ    SI, DI

// C row = alpha·acc + beta·C.
#define STOREBZ(R) \
	VMULPS      Z17, R, R; \
	VFMADD231PS (DI), Z18, R; \
	VMOVUPS     R, (DI); \
	ADDQ        SI, DI

// func tileAVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·tileAVX512(SB), NOSPLIT, $0-48
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15

	MOVQ CX, DX
	SHRQ $2, DX
	JZ   tail

loop4:
	STEP16x16(0, 0)
	STEP16x16(64, 64)
	STEP16x16(128, 128)
	STEP16x16(192, 192)
	ADDQ $256, AX
	ADDQ $256, BX
	DECQ DX
	JNZ  loop4

tail:
	ANDQ $3, CX
	JZ   store

loop1:
	STEP16x16(0, 0)
	ADDQ $64, AX
	ADDQ $64, BX
	DECQ CX
	JNZ  loop1

store:
	MOVQ         c+24(FP), DI
	MOVQ         ldc+32(FP), SI
	SHLQ         $2, SI
	VBROADCASTSS alpha+40(FP), Z17
	VBROADCASTSS beta+44(FP), Z18

	// beta == 0 (either sign) means C must not be read: test the bits
	// rather than compare floats so that NaN is not mistaken for zero.
	MOVL beta+44(FP), DX
	ANDL $0x7fffffff, DX
	JNZ  storebeta

	STORE0Z(Z0)
	STORE0Z(Z1)
	STORE0Z(Z2)
	STORE0Z(Z3)
	STORE0Z(Z4)
	STORE0Z(Z5)
	STORE0Z(Z6)
	STORE0Z(Z7)
	STORE0Z(Z8)
	STORE0Z(Z9)
	STORE0Z(Z10)
	STORE0Z(Z11)
	STORE0Z(Z12)
	STORE0Z(Z13)
	STORE0Z(Z14)
	STORE0Z(Z15)
	VZEROUPPER
	RET

storebeta:
	STOREBZ(Z0)
	STOREBZ(Z1)
	STOREBZ(Z2)
	STOREBZ(Z3)
	STOREBZ(Z4)
	STOREBZ(Z5)
	STOREBZ(Z6)
	STOREBZ(Z7)
	STOREBZ(Z8)
	STOREBZ(Z9)
	STOREBZ(Z10)
	STOREBZ(Z11)
	STOREBZ(Z12)
	STOREBZ(Z13)
	STOREBZ(Z14)
	STOREBZ(Z15)
	VZEROUPPER
	RET

// One depth step of the 16×16 tile reading A in place: row r of the step
// is at r·R9 bytes past the step's start, addressed as (base)(R9*i) from
// six base pointers AX, R10, R12, R13, R8 and DX at rows 0, 3, 6, 9, 12
// and 15; the step advances every base by R11 bytes. B is the packed panel
// as in STEP16x16.
#define STEPS16x16 \
	VMOVUPS (BX), Z16; \
	VFMADD231PS.BCST (AX), Z16, Z0; \
	VFMADD231PS.BCST (AX)(R9*1), Z16, Z1; \
	VFMADD231PS.BCST (AX)(R9*2), Z16, Z2; \
	VFMADD231PS.BCST (R10), Z16, Z3; \
	VFMADD231PS.BCST (R10)(R9*1), Z16, Z4; \
	VFMADD231PS.BCST (R10)(R9*2), Z16, Z5; \
	VFMADD231PS.BCST (R12), Z16, Z6; \
	VFMADD231PS.BCST (R12)(R9*1), Z16, Z7; \
	VFMADD231PS.BCST (R12)(R9*2), Z16, Z8; \
	VFMADD231PS.BCST (R13), Z16, Z9; \
	VFMADD231PS.BCST (R13)(R9*1), Z16, Z10; \
	VFMADD231PS.BCST (R13)(R9*2), Z16, Z11; \
	VFMADD231PS.BCST (R8), Z16, Z12; \
	VFMADD231PS.BCST (R8)(R9*1), Z16, Z13; \
	VFMADD231PS.BCST (R8)(R9*2), Z16, Z14; \
	VFMADD231PS.BCST (DX), Z16, Z15; \
	ADDQ    R11, AX; \
	ADDQ    R11, R10; \
	ADDQ    R11, R12; \
	ADDQ    R11, R13; \
	ADDQ    R11, R8; \
	ADDQ    R11, DX; \
	ADDQ    $64, BX

// func tileStridedAVX512(kc int, a *float32, rs, ls int, b, c *float32, ldc int, alpha, beta float32)
TEXT ·tileStridedAVX512(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ rs+16(FP), R9
	SHLQ $2, R9
	MOVQ ls+24(FP), R11
	SHLQ $2, R11
	MOVQ b+32(FP), BX
	LEAQ (AX)(R9*2), R10
	ADDQ R9, R10          // row 3
	LEAQ (R10)(R9*2), R12
	ADDQ R9, R12          // row 6
	LEAQ (R12)(R9*2), R13
	ADDQ R9, R13          // row 9
	LEAQ (R13)(R9*2), R8
	ADDQ R9, R8           // row 12
	LEAQ (R8)(R9*2), DX
	ADDQ R9, DX           // row 15
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15

	MOVQ CX, DI
	SHRQ $2, DI
	JZ   stail

sloop4:
	STEPS16x16
	STEPS16x16
	STEPS16x16
	STEPS16x16
	DECQ DI
	JNZ  sloop4

stail:
	ANDQ $3, CX
	JZ   sstore

sloop1:
	STEPS16x16
	DECQ CX
	JNZ  sloop1

sstore:
	MOVQ         c+40(FP), DI
	MOVQ         ldc+48(FP), SI
	SHLQ         $2, SI
	VBROADCASTSS alpha+56(FP), Z17
	VBROADCASTSS beta+60(FP), Z18
	MOVL         beta+60(FP), DX
	ANDL         $0x7fffffff, DX
	JNZ          sstorebeta

	STORE0Z(Z0)
	STORE0Z(Z1)
	STORE0Z(Z2)
	STORE0Z(Z3)
	STORE0Z(Z4)
	STORE0Z(Z5)
	STORE0Z(Z6)
	STORE0Z(Z7)
	STORE0Z(Z8)
	STORE0Z(Z9)
	STORE0Z(Z10)
	STORE0Z(Z11)
	STORE0Z(Z12)
	STORE0Z(Z13)
	STORE0Z(Z14)
	STORE0Z(Z15)
	VZEROUPPER
	RET

sstorebeta:
	STOREBZ(Z0)
	STOREBZ(Z1)
	STOREBZ(Z2)
	STOREBZ(Z3)
	STOREBZ(Z4)
	STOREBZ(Z5)
	STOREBZ(Z6)
	STOREBZ(Z7)
	STOREBZ(Z8)
	STOREBZ(Z9)
	STOREBZ(Z10)
	STOREBZ(Z11)
	STOREBZ(Z12)
	STOREBZ(Z13)
	STOREBZ(Z14)
	STOREBZ(Z15)
	VZEROUPPER
	RET
