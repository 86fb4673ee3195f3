/* The one definition of the BPF instruction set (RFC 9669 plus Linux's extensions).
 * Every decoder check, disassembler line and interpreter label derives from ISA_OPS below:
 * adding an instruction is adding a row. Not for semantics: those live in the engines. */
#ifndef EXBPF_ISA_OPCODES_H
#define EXBPF_ISA_OPCODES_H

#include <stdint.h>

/* Instruction classes (low 3 bits of the opcode). */
#define ISA_LD 0x00
#define ISA_LDX 0x01
#define ISA_ST 0x02
#define ISA_STX 0x03
#define ISA_ALU 0x04
#define ISA_JMP 0x05
#define ISA_JMP32 0x06
#define ISA_ALU64 0x07

/* ALU / JMP: source bit. */
#define ISA_K 0x00
#define ISA_X 0x08

/* Load/store: size (bits 3-4) and mode (bits 5-7). */
#define ISA_W 0x00
#define ISA_H 0x08
#define ISA_B 0x10
#define ISA_DW 0x18
#define ISA_IMM 0x00
#define ISA_ABS 0x20
#define ISA_IND 0x40
#define ISA_MEM 0x60
#define ISA_MEMSX 0x80 /* v4 sign-extending load; absent from Linux 6.1's UAPI header */
#define ISA_ATOMIC 0xc0

/* Linux's conditional pseudo-jump class (BPF_JCOND); its only kind is may_goto (src 0). */
#define ISA_JCOND 0xe0
/* Linux's BPF_MAX_LOOPS: the may_goto budget of a frame, and the longest numeric iterator. */
#define ISA_MAX_LOOPS (8 * 1024 * 1024)

/* Atomic operations, carried in imm. */
#define ISA_FETCH 0x01
#define ISA_XCHG (0xe0 | ISA_FETCH)
#define ISA_CMPXCHG (0xf0 | ISA_FETCH)
/* Linux's load-acquire and store-release (6.15): atomic-mode rows of any width. */
#define ISA_LOAD_ACQ 0x100
#define ISA_STORE_REL 0x110

/* Pseudo source registers of lddw (RFC 9669 5.4) and of call. */
#define ISA_PSEUDO_MAP_FD 1
#define ISA_PSEUDO_MAP_VALUE 2
#define ISA_PSEUDO_BTF_ID 3
#define ISA_PSEUDO_FUNC 4
#define ISA_PSEUDO_MAP_IDX 5
#define ISA_PSEUDO_MAP_IDX_VALUE 6
#define ISA_PSEUDO_CALL 1
#define ISA_PSEUDO_KFUNC_CALL 2

/* What a row's fields mean. The decoder rejects a nonzero field the row does not use, as
 * Linux does ("uses reserved fields"). */
enum isa_flag {
	ISA_F_DST_R = 1u << 0,	  /* reads dst (0..10) */
	ISA_F_DST_W = 1u << 1,	  /* writes dst (0..9: r10 is read-only) */
	ISA_F_SRC = 1u << 2,	  /* reads src (0..10) */
	ISA_F_IMM = 1u << 3,	  /* imm is an operand */
	ISA_F_OFF_MEM = 1u << 4,  /* off is a memory displacement */
	ISA_F_OFF_JMP = 1u << 5,  /* off is a jump offset */
	ISA_F_IMM_JMP = 1u << 6,  /* imm is a jump offset (gotol) */
	ISA_F_IMM_CALL = 1u << 7, /* imm is a call target: helper id, pc offset or BTF id */
	ISA_F_OFF_ANY = 1u << 8,  /* off carries data the ISA does not constrain (kfunc BTF fd) */
	ISA_F_WIDE = 1u << 9,	  /* two slots (lddw) */
	ISA_F_W32 = 1u << 10,	  /* 32-bit operation: registers print as wN */
	ISA_F_LEGACY = 1u << 11,  /* legacy packet access (LD_ABS / LD_IND) */
	ISA_F_JUMP = 1u << 12,	  /* transfers control (jumps, exit) */
	ISA_F_CALL = 1u << 13,	  /* call of any kind */
	ISA_F_LOAD = 1u << 14,	  /* reads memory at src + off */
	ISA_F_STORE = 1u << 15,	  /* writes memory at dst + off */
	ISA_F_FETCH = 1u << 16,	  /* atomic that also writes a register (src, or r0 for cmpxchg) */
};

/* Which field, besides the opcode, selects the row. */
enum isa_variant {
	ISA_VAR_NONE,
	ISA_VAR_OFF,
	ISA_VAR_IMM,
	ISA_VAR_SRC,
};

#define ISA_RW (ISA_F_DST_R | ISA_F_DST_W)
#define ISA_ALU_K (ISA_RW | ISA_F_IMM)
#define ISA_ALU_X (ISA_RW | ISA_F_SRC)
#define ISA_JMP_K (ISA_F_DST_R | ISA_F_IMM | ISA_F_OFF_JMP | ISA_F_JUMP)
#define ISA_JMP_X (ISA_F_DST_R | ISA_F_SRC | ISA_F_OFF_JMP | ISA_F_JUMP)
#define ISA_LDX_F (ISA_F_DST_W | ISA_F_SRC | ISA_F_OFF_MEM | ISA_F_LOAD)
#define ISA_ST_F (ISA_F_DST_R | ISA_F_IMM | ISA_F_OFF_MEM | ISA_F_STORE)
#define ISA_STX_F (ISA_F_DST_R | ISA_F_SRC | ISA_F_OFF_MEM | ISA_F_STORE)
#define ISA_ATOMIC_F (ISA_STX_F | ISA_F_LOAD)
#define ISA_ATOMIC_FETCH_F (ISA_ATOMIC_F | ISA_F_FETCH)

/*
 * The table. X(ID, opcode, variant kind, variant value, flags, min cpu, disassembly format)
 *
 * Format directives (see disasm.c):
 *   %d dst register (wN for ISA_F_W32 rows, else rN)   %D dst as rN always
 *   %s src register (likewise)                          %S src as rN always
 *   %i imm, signed decimal                              %x imm, hex of its 32 bits
 *   %o memory displacement: " + 8" / " - 8"             %j jump target from off: "+3" / "-3"
 *   %J jump target from imm                             %c call target
 *   %L the 64-bit immediate of lddw                     %n imm of lddw's second slot
 *   %% a percent sign
 */
#define ISA_OPS(X)                                                                              \
	ISA_ALU_BINOPS_ROWS(X)                                                                  \
	/* Division and modulo: off 0 unsigned, off 1 signed (v4). */                          \
	X(ALU64_DIV_K, ISA_ALU64 | 0x30 | ISA_K, ISA_VAR_OFF, 0, ISA_ALU_K, 1, "%d /= %i")     \
	X(ALU64_DIV_X, ISA_ALU64 | 0x30 | ISA_X, ISA_VAR_OFF, 0, ISA_ALU_X, 1, "%d /= %s")     \
	X(ALU64_SDIV_K, ISA_ALU64 | 0x30 | ISA_K, ISA_VAR_OFF, 1, ISA_ALU_K, 4, "%d s/= %i")   \
	X(ALU64_SDIV_X, ISA_ALU64 | 0x30 | ISA_X, ISA_VAR_OFF, 1, ISA_ALU_X, 4, "%d s/= %s")   \
	X(ALU64_MOD_K, ISA_ALU64 | 0x90 | ISA_K, ISA_VAR_OFF, 0, ISA_ALU_K, 1, "%d %%= %i")    \
	X(ALU64_MOD_X, ISA_ALU64 | 0x90 | ISA_X, ISA_VAR_OFF, 0, ISA_ALU_X, 1, "%d %%= %s")    \
	X(ALU64_SMOD_K, ISA_ALU64 | 0x90 | ISA_K, ISA_VAR_OFF, 1, ISA_ALU_K, 4, "%d s%%= %i")  \
	X(ALU64_SMOD_X, ISA_ALU64 | 0x90 | ISA_X, ISA_VAR_OFF, 1, ISA_ALU_X, 4, "%d s%%= %s")  \
	X(ALU_DIV_K, ISA_ALU | 0x30 | ISA_K, ISA_VAR_OFF, 0, ISA_ALU_K | ISA_F_W32, 1, "%d /= %i") \
	X(ALU_DIV_X, ISA_ALU | 0x30 | ISA_X, ISA_VAR_OFF, 0, ISA_ALU_X | ISA_F_W32, 1, "%d /= %s") \
	X(ALU_SDIV_K, ISA_ALU | 0x30 | ISA_K, ISA_VAR_OFF, 1, ISA_ALU_K | ISA_F_W32, 4,         \
	  "%d s/= %i")                                                                          \
	X(ALU_SDIV_X, ISA_ALU | 0x30 | ISA_X, ISA_VAR_OFF, 1, ISA_ALU_X | ISA_F_W32, 4,         \
	  "%d s/= %s")                                                                          \
	X(ALU_MOD_K, ISA_ALU | 0x90 | ISA_K, ISA_VAR_OFF, 0, ISA_ALU_K | ISA_F_W32, 1,          \
	  "%d %%= %i")                                                                          \
	X(ALU_MOD_X, ISA_ALU | 0x90 | ISA_X, ISA_VAR_OFF, 0, ISA_ALU_X | ISA_F_W32, 1,          \
	  "%d %%= %s")                                                                          \
	X(ALU_SMOD_K, ISA_ALU | 0x90 | ISA_K, ISA_VAR_OFF, 1, ISA_ALU_K | ISA_F_W32, 4,         \
	  "%d s%%= %i")                                                                         \
	X(ALU_SMOD_X, ISA_ALU | 0x90 | ISA_X, ISA_VAR_OFF, 1, ISA_ALU_X | ISA_F_W32, 4,         \
	  "%d s%%= %s")                                                                         \
	/* Moves: off 0 plain, off 8/16/32 sign-extending (v4 movsx). */                       \
	X(ALU64_MOV_K, ISA_ALU64 | 0xb0 | ISA_K, ISA_VAR_NONE, 0, ISA_F_DST_W | ISA_F_IMM, 1,   \
	  "%d = %i")                                                                            \
	X(ALU64_MOV_X, ISA_ALU64 | 0xb0 | ISA_X, ISA_VAR_OFF, 0, ISA_F_DST_W | ISA_F_SRC, 1,    \
	  "%d = %s")                                                                            \
	X(ALU64_MOVSX8, ISA_ALU64 | 0xb0 | ISA_X, ISA_VAR_OFF, 8, ISA_F_DST_W | ISA_F_SRC, 4,   \
	  "%d = (s8)%s")                                                                        \
	X(ALU64_MOVSX16, ISA_ALU64 | 0xb0 | ISA_X, ISA_VAR_OFF, 16, ISA_F_DST_W | ISA_F_SRC, 4, \
	  "%d = (s16)%s")                                                                       \
	X(ALU64_MOVSX32, ISA_ALU64 | 0xb0 | ISA_X, ISA_VAR_OFF, 32, ISA_F_DST_W | ISA_F_SRC, 4, \
	  "%d = (s32)%s")                                                                       \
	X(ALU_MOV_K, ISA_ALU | 0xb0 | ISA_K, ISA_VAR_NONE, 0,                                   \
	  ISA_F_DST_W | ISA_F_IMM | ISA_F_W32, 1, "%d = %i")                                    \
	X(ALU_MOV_X, ISA_ALU | 0xb0 | ISA_X, ISA_VAR_OFF, 0,                                    \
	  ISA_F_DST_W | ISA_F_SRC | ISA_F_W32, 1, "%d = %s")                                    \
	X(ALU_MOVSX8, ISA_ALU | 0xb0 | ISA_X, ISA_VAR_OFF, 8,                                   \
	  ISA_F_DST_W | ISA_F_SRC | ISA_F_W32, 4, "%d = (s8)%s")                                \
	X(ALU_MOVSX16, ISA_ALU | 0xb0 | ISA_X, ISA_VAR_OFF, 16,                                 \
	  ISA_F_DST_W | ISA_F_SRC | ISA_F_W32, 4, "%d = (s16)%s")                               \
	X(ALU64_NEG, ISA_ALU64 | 0x80, ISA_VAR_NONE, 0, ISA_RW, 1, "%d = -%d")                  \
	X(ALU_NEG, ISA_ALU | 0x80, ISA_VAR_NONE, 0, ISA_RW | ISA_F_W32, 1, "%d = -%d")          \
	/* Byte order: the width is in imm. */                                                  \
	X(LE16, ISA_ALU | 0xd0 | ISA_K, ISA_VAR_IMM, 16, ISA_RW, 1, "%d = le16 %d")             \
	X(LE32, ISA_ALU | 0xd0 | ISA_K, ISA_VAR_IMM, 32, ISA_RW, 1, "%d = le32 %d")             \
	X(LE64, ISA_ALU | 0xd0 | ISA_K, ISA_VAR_IMM, 64, ISA_RW, 1, "%d = le64 %d")             \
	X(BE16, ISA_ALU | 0xd0 | ISA_X, ISA_VAR_IMM, 16, ISA_RW, 1, "%d = be16 %d")             \
	X(BE32, ISA_ALU | 0xd0 | ISA_X, ISA_VAR_IMM, 32, ISA_RW, 1, "%d = be32 %d")             \
	X(BE64, ISA_ALU | 0xd0 | ISA_X, ISA_VAR_IMM, 64, ISA_RW, 1, "%d = be64 %d")             \
	X(BSWAP16, ISA_ALU64 | 0xd0 | ISA_K, ISA_VAR_IMM, 16, ISA_RW, 4, "%d = bswap16 %d")     \
	X(BSWAP32, ISA_ALU64 | 0xd0 | ISA_K, ISA_VAR_IMM, 32, ISA_RW, 4, "%d = bswap32 %d")     \
	X(BSWAP64, ISA_ALU64 | 0xd0 | ISA_K, ISA_VAR_IMM, 64, ISA_RW, 4, "%d = bswap64 %d")     \
	/* Control flow. */                                                                     \
	X(JA, ISA_JMP | 0x00, ISA_VAR_NONE, 0, ISA_F_OFF_JMP | ISA_F_JUMP, 1, "goto %j")        \
	X(JA32, ISA_JMP32 | 0x00, ISA_VAR_NONE, 0, ISA_F_IMM_JMP | ISA_F_JUMP, 4, "gotol %J")   \
	/* Linux's BPF_JCOND with src BPF_MAY_GOTO: falls through while the frame's hidden loop  \
	 * budget lasts, jumps once it is spent. */                                            \
	X(MAY_GOTO, ISA_JMP | ISA_JCOND, ISA_VAR_NONE, 0, ISA_F_OFF_JMP | ISA_F_JUMP, 1,       \
	  "may_goto %j")                                                                        \
	ISA_JMP_CONDS_ROWS(X)                                                                   \
	X(CALL_HELPER, ISA_JMP | 0x80, ISA_VAR_SRC, 0, ISA_F_IMM_CALL | ISA_F_CALL, 1, "call %c") \
	X(CALL_LOCAL, ISA_JMP | 0x80, ISA_VAR_SRC, ISA_PSEUDO_CALL, ISA_F_IMM_CALL | ISA_F_CALL, \
	  1, "call %c")                                                                         \
	X(CALL_KFUNC, ISA_JMP | 0x80, ISA_VAR_SRC, ISA_PSEUDO_KFUNC_CALL,                       \
	  ISA_F_IMM_CALL | ISA_F_OFF_ANY | ISA_F_CALL, 1, "call %c")                            \
	X(CALLX, ISA_JMP | 0x80 | ISA_X, ISA_VAR_NONE, 0, ISA_F_DST_R | ISA_F_CALL, 1, "callx %D") \
	X(EXIT, ISA_JMP | 0x90, ISA_VAR_NONE, 0, ISA_F_JUMP, 1, "exit")                         \
	/* 64-bit immediate loads; src selects what imm means. */                              \
	X(LDDW, ISA_LD | ISA_IMM | ISA_DW, ISA_VAR_SRC, 0, ISA_F_DST_W | ISA_F_IMM | ISA_F_WIDE, \
	  1, "%d = %L ll")                                                                      \
	X(LDDW_MAP_FD, ISA_LD | ISA_IMM | ISA_DW, ISA_VAR_SRC, ISA_PSEUDO_MAP_FD,               \
	  ISA_F_DST_W | ISA_F_IMM | ISA_F_WIDE, 1, "%d = map[id:%i] ll")                        \
	X(LDDW_MAP_VALUE, ISA_LD | ISA_IMM | ISA_DW, ISA_VAR_SRC, ISA_PSEUDO_MAP_VALUE,         \
	  ISA_F_DST_W | ISA_F_IMM | ISA_F_WIDE, 1, "%d = map[id:%i][0]+%n ll")                  \
	X(LDDW_BTF_ID, ISA_LD | ISA_IMM | ISA_DW, ISA_VAR_SRC, ISA_PSEUDO_BTF_ID,               \
	  ISA_F_DST_W | ISA_F_IMM | ISA_F_WIDE, 1, "%d = btf_id[%i] ll")                        \
	X(LDDW_FUNC, ISA_LD | ISA_IMM | ISA_DW, ISA_VAR_SRC, ISA_PSEUDO_FUNC,                   \
	  ISA_F_DST_W | ISA_F_IMM | ISA_F_WIDE, 1, "%d = func %J ll")                           \
	X(LDDW_MAP_IDX, ISA_LD | ISA_IMM | ISA_DW, ISA_VAR_SRC, ISA_PSEUDO_MAP_IDX,             \
	  ISA_F_DST_W | ISA_F_IMM | ISA_F_WIDE, 1, "%d = map[idx:%i] ll")                       \
	X(LDDW_MAP_IDX_VALUE, ISA_LD | ISA_IMM | ISA_DW, ISA_VAR_SRC, ISA_PSEUDO_MAP_IDX_VALUE, \
	  ISA_F_DST_W | ISA_F_IMM | ISA_F_WIDE, 1, "%d = map[idx:%i][0]+%n ll")                 \
	/* Legacy packet loads (socket filters): r0 = ntoh(*(skb data + [src +] imm)). */      \
	X(LD_ABS_B, ISA_LD | ISA_ABS | ISA_B, ISA_VAR_NONE, 0, ISA_F_IMM | ISA_F_LEGACY, 1,      \
	  "r0 = *(u8 *)skb[%i]")                                                                \
	X(LD_ABS_H, ISA_LD | ISA_ABS | ISA_H, ISA_VAR_NONE, 0, ISA_F_IMM | ISA_F_LEGACY, 1,      \
	  "r0 = *(u16 *)skb[%i]")                                                               \
	X(LD_ABS_W, ISA_LD | ISA_ABS | ISA_W, ISA_VAR_NONE, 0, ISA_F_IMM | ISA_F_LEGACY, 1,      \
	  "r0 = *(u32 *)skb[%i]")                                                               \
	X(LD_IND_B, ISA_LD | ISA_IND | ISA_B, ISA_VAR_NONE, 0,                                  \
	  ISA_F_SRC | ISA_F_IMM | ISA_F_LEGACY, 1, "r0 = *(u8 *)skb[%S + %i]")                  \
	X(LD_IND_H, ISA_LD | ISA_IND | ISA_H, ISA_VAR_NONE, 0,                                  \
	  ISA_F_SRC | ISA_F_IMM | ISA_F_LEGACY, 1, "r0 = *(u16 *)skb[%S + %i]")                 \
	X(LD_IND_W, ISA_LD | ISA_IND | ISA_W, ISA_VAR_NONE, 0,                                  \
	  ISA_F_SRC | ISA_F_IMM | ISA_F_LEGACY, 1, "r0 = *(u32 *)skb[%S + %i]")                 \
	ISA_MEM_ROWS(X)                                                                         \
	ISA_ATOMIC_ROWS(X, W, "u32", 3)                                                      \
	ISA_ATOMIC_ROWS(X, DW, "u64", 3)                                                     \
	ISA_ACQ_REL_ROWS(X, B, "u8")                                                            \
	ISA_ACQ_REL_ROWS(X, H, "u16")                                                           \
	ISA_ACQ_REL_ROWS(X, W, "u32")                                                           \
	ISA_ACQ_REL_ROWS(X, DW, "u64")

#define ISA_ALU_BINOP_ROW_(X, NAME, CODE, SYM)                                                  \
	X(ALU64_##NAME##_K, ISA_ALU64 | CODE | ISA_K, ISA_VAR_NONE, 0, ISA_ALU_K, 1, "%d " SYM " %i") \
	X(ALU64_##NAME##_X, ISA_ALU64 | CODE | ISA_X, ISA_VAR_NONE, 0, ISA_ALU_X, 1, "%d " SYM " %s") \
	X(ALU_##NAME##_K, ISA_ALU | CODE | ISA_K, ISA_VAR_NONE, 0, ISA_ALU_K | ISA_F_W32, 1,    \
	  "%d " SYM " %i")                                                                      \
	X(ALU_##NAME##_X, ISA_ALU | CODE | ISA_X, ISA_VAR_NONE, 0, ISA_ALU_X | ISA_F_W32, 1,    \
	  "%d " SYM " %s")
#define ISA_ALU_BINOPS_ROWS(X)                                                                  \
	ISA_ALU_BINOP_ROW_(X, ADD, 0x00, "+=")                                                  \
	ISA_ALU_BINOP_ROW_(X, SUB, 0x10, "-=")                                                  \
	ISA_ALU_BINOP_ROW_(X, MUL, 0x20, "*=")                                                  \
	ISA_ALU_BINOP_ROW_(X, OR, 0x40, "|=")                                                   \
	ISA_ALU_BINOP_ROW_(X, AND, 0x50, "&=")                                                  \
	ISA_ALU_BINOP_ROW_(X, LSH, 0x60, "<<=")                                                 \
	ISA_ALU_BINOP_ROW_(X, RSH, 0x70, ">>=")                                                 \
	ISA_ALU_BINOP_ROW_(X, XOR, 0xa0, "^=")                                                  \
	ISA_ALU_BINOP_ROW_(X, ARSH, 0xc0, "s>>=")

#define ISA_JMP_COND_ROW_(X, NAME, CODE, SYM, CPU)                                              \
	X(JMP_##NAME##_K, ISA_JMP | CODE | ISA_K, ISA_VAR_NONE, 0, ISA_JMP_K, CPU,              \
	  "if %d " SYM " %x goto %j")                                                           \
	X(JMP_##NAME##_X, ISA_JMP | CODE | ISA_X, ISA_VAR_NONE, 0, ISA_JMP_X, CPU,              \
	  "if %d " SYM " %s goto %j")                                                           \
	X(JMP32_##NAME##_K, ISA_JMP32 | CODE | ISA_K, ISA_VAR_NONE, 0, ISA_JMP_K | ISA_F_W32, 3, \
	  "if %d " SYM " %x goto %j")                                                           \
	X(JMP32_##NAME##_X, ISA_JMP32 | CODE | ISA_X, ISA_VAR_NONE, 0, ISA_JMP_X | ISA_F_W32, 3, \
	  "if %d " SYM " %s goto %j")
#define ISA_JMP_CONDS_ROWS(X)                                                                   \
	ISA_JMP_COND_ROW_(X, JEQ, 0x10, "==", 1)                                                \
	ISA_JMP_COND_ROW_(X, JGT, 0x20, ">", 1)                                                 \
	ISA_JMP_COND_ROW_(X, JGE, 0x30, ">=", 1)                                                \
	ISA_JMP_COND_ROW_(X, JSET, 0x40, "&", 1)                                                \
	ISA_JMP_COND_ROW_(X, JNE, 0x50, "!=", 1)                                                \
	ISA_JMP_COND_ROW_(X, JSGT, 0x60, "s>", 1)                                               \
	ISA_JMP_COND_ROW_(X, JSGE, 0x70, "s>=", 1)                                              \
	ISA_JMP_COND_ROW_(X, JLT, 0xa0, "<", 2)                                                 \
	ISA_JMP_COND_ROW_(X, JLE, 0xb0, "<=", 2)                                                \
	ISA_JMP_COND_ROW_(X, JSLT, 0xc0, "s<", 2)                                               \
	ISA_JMP_COND_ROW_(X, JSLE, 0xd0, "s<=", 2)

#define ISA_MEM_ROW_(X, SZ, BITS, UT, ST)                                                       \
	X(LDX_##SZ, ISA_LDX | ISA_MEM | BITS, ISA_VAR_NONE, 0, ISA_LDX_F, 1,                    \
	  "%d = *(" UT " *)(%S%o)")                                                             \
	X(ST_##SZ, ISA_ST | ISA_MEM | BITS, ISA_VAR_NONE, 0, ISA_ST_F, 1,                       \
	  "*(" UT " *)(%D%o) = %i")                                                             \
	X(STX_##SZ, ISA_STX | ISA_MEM | BITS, ISA_VAR_NONE, 0, ISA_STX_F, 1,                    \
	  "*(" UT " *)(%D%o) = %S")
#define ISA_MEM_ROWS(X)                                                                         \
	ISA_MEM_ROW_(X, B, ISA_B, "u8", "s8")                                                   \
	ISA_MEM_ROW_(X, H, ISA_H, "u16", "s16")                                                 \
	ISA_MEM_ROW_(X, W, ISA_W, "u32", "s32")                                                 \
	ISA_MEM_ROW_(X, DW, ISA_DW, "u64", "s64")                                               \
	X(LDXS_B, ISA_LDX | ISA_MEMSX | ISA_B, ISA_VAR_NONE, 0, ISA_LDX_F, 4, "%d = *(s8 *)(%S%o)") \
	X(LDXS_H, ISA_LDX | ISA_MEMSX | ISA_H, ISA_VAR_NONE, 0, ISA_LDX_F, 4,                   \
	  "%d = *(s16 *)(%S%o)")                                                                \
	X(LDXS_W, ISA_LDX | ISA_MEMSX | ISA_W, ISA_VAR_NONE, 0, ISA_LDX_F, 4,                   \
	  "%d = *(s32 *)(%S%o)")

/* Atomics of one width. The plain add predates v3 (it was XADD) but ships with the rest. */
#define ISA_ATOMIC_ROWS(X, SZ, UT, CPU)                                                 \
	X(ATOMIC_##SZ##_ADD, ISA_STX | ISA_ATOMIC | ISA_##SZ, ISA_VAR_IMM, 0x00, ISA_ATOMIC_F, 1, \
	  "lock *(" UT " *)(%D%o) += %S")                                                       \
	X(ATOMIC_##SZ##_OR, ISA_STX | ISA_ATOMIC | ISA_##SZ, ISA_VAR_IMM, 0x40, ISA_ATOMIC_F, CPU, \
	  "lock *(" UT " *)(%D%o) |= %S")                                                       \
	X(ATOMIC_##SZ##_AND, ISA_STX | ISA_ATOMIC | ISA_##SZ, ISA_VAR_IMM, 0x50, ISA_ATOMIC_F,  \
	  CPU, "lock *(" UT " *)(%D%o) &= %S")                                                  \
	X(ATOMIC_##SZ##_XOR, ISA_STX | ISA_ATOMIC | ISA_##SZ, ISA_VAR_IMM, 0xa0, ISA_ATOMIC_F,  \
	  CPU, "lock *(" UT " *)(%D%o) ^= %S")                                                  \
	X(ATOMIC_##SZ##_FETCH_ADD, ISA_STX | ISA_ATOMIC | ISA_##SZ, ISA_VAR_IMM, 0x01,          \
	  ISA_ATOMIC_FETCH_F, CPU, "%S = atomic_fetch_add((" UT " *)(%D%o), %S)")                     \
	X(ATOMIC_##SZ##_FETCH_OR, ISA_STX | ISA_ATOMIC | ISA_##SZ, ISA_VAR_IMM, 0x41,           \
	  ISA_ATOMIC_FETCH_F, CPU, "%S = atomic_fetch_or((" UT " *)(%D%o), %S)")                      \
	X(ATOMIC_##SZ##_FETCH_AND, ISA_STX | ISA_ATOMIC | ISA_##SZ, ISA_VAR_IMM, 0x51,          \
	  ISA_ATOMIC_FETCH_F, CPU, "%S = atomic_fetch_and((" UT " *)(%D%o), %S)")                     \
	X(ATOMIC_##SZ##_FETCH_XOR, ISA_STX | ISA_ATOMIC | ISA_##SZ, ISA_VAR_IMM, 0xa1,          \
	  ISA_ATOMIC_FETCH_F, CPU, "%S = atomic_fetch_xor((" UT " *)(%D%o), %S)")                     \
	X(ATOMIC_##SZ##_XCHG, ISA_STX | ISA_ATOMIC | ISA_##SZ, ISA_VAR_IMM, ISA_XCHG,           \
	  ISA_ATOMIC_FETCH_F, CPU, "%S = xchg((" UT " *)(%D%o), %S)")                                 \
	X(ATOMIC_##SZ##_CMPXCHG, ISA_STX | ISA_ATOMIC | ISA_##SZ, ISA_VAR_IMM, ISA_CMPXCHG,     \
	  ISA_ATOMIC_FETCH_F, CPU, "r0 = cmpxchg((" UT " *)(%D%o), r0, %S)")

/* Ordered plain accesses: a load into dst (zero-extended), a store of src's low bytes.
 * Registers print as rN at every width, as Linux's log shows them. */
#define ISA_ACQ_REL_ROWS(X, SZ, UT)                                                             \
	X(LOAD_ACQ_##SZ, ISA_STX | ISA_ATOMIC | ISA_##SZ, ISA_VAR_IMM, ISA_LOAD_ACQ, ISA_LDX_F,  \
	  4, "%d = load_acquire((" UT " *)(%S%o))")                                             \
	X(STORE_REL_##SZ, ISA_STX | ISA_ATOMIC | ISA_##SZ, ISA_VAR_IMM, ISA_STORE_REL,          \
	  ISA_STX_F, 4, "store_release((" UT " *)(%D%o), %S)")

enum isa_op {
#define ISA_ENUM_(ID, CODE, VAR, VAL, FLAGS, CPU, FMT) ISA_OP_##ID,
	ISA_OPS(ISA_ENUM_)
#undef ISA_ENUM_
	ISA_OP_COUNT,
	ISA_OP_INVALID = ISA_OP_COUNT,
};

struct isa_desc {
	const char *name; /* "ALU64_ADD_K" */
	uint8_t code;
	uint8_t variant; /* enum isa_variant */
	int32_t variant_value;
	uint32_t flags; /* enum isa_flag */
	uint8_t cpu;	/* lowest -mcpu version with this instruction */
	const char *fmt;
};

extern const struct isa_desc isa_descs[ISA_OP_COUNT];

#endif
