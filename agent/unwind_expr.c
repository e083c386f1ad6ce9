/*
 * unwind_expr.c - a small DWARF expression evaluator for CFI (DWARF 5
 * section 2.5): enough for the PLT's CFA expression, glibc's signal
 * trampoline (registers saved in the sigcontext), GCC's stack-realigning
 * prologues (the CFA loaded through rbp) and what else compilers emit.
 *
 * It never faults and never loops: its stack has a fixed depth, it runs a
 * bounded number of operations, and memory reads go through the walk's
 * bounded stack reader.
 */
#include "unwind_internal.h"

#define STACK_DEPTH 16
#define MAX_OPS 256

enum {
	OP_ADDR = 0x03,
	OP_DEREF = 0x06,
	OP_CONST1U = 0x08,
	OP_CONST1S = 0x09,
	OP_CONST2U = 0x0a,
	OP_CONST2S = 0x0b,
	OP_CONST4U = 0x0c,
	OP_CONST4S = 0x0d,
	OP_CONST8U = 0x0e,
	OP_CONST8S = 0x0f,
	OP_CONSTU = 0x10,
	OP_CONSTS = 0x11,
	OP_DUP = 0x12,
	OP_DROP = 0x13,
	OP_OVER = 0x14,
	OP_PICK = 0x15,
	OP_SWAP = 0x16,
	OP_ROT = 0x17,
	OP_ABS = 0x19,
	OP_AND = 0x1a,
	OP_DIV = 0x1b,
	OP_MINUS = 0x1c,
	OP_MOD = 0x1d,
	OP_MUL = 0x1e,
	OP_NEG = 0x1f,
	OP_NOT = 0x20,
	OP_OR = 0x21,
	OP_PLUS = 0x22,
	OP_PLUS_UCONST = 0x23,
	OP_SHL = 0x24,
	OP_SHR = 0x25,
	OP_SHRA = 0x26,
	OP_XOR = 0x27,
	OP_BRA = 0x28,
	OP_EQ = 0x29,
	OP_GE = 0x2a,
	OP_GT = 0x2b,
	OP_LE = 0x2c,
	OP_LT = 0x2d,
	OP_NE = 0x2e,
	OP_SKIP = 0x2f,
	OP_LIT0 = 0x30,
	OP_LIT31 = 0x4f,
	OP_BREG0 = 0x70,
	OP_BREG31 = 0x8f,
	OP_BREGX = 0x92,
	OP_DEREF_SIZE = 0x94,
	OP_NOP = 0x96,
};

struct eval {
	uint64_t st[STACK_DEPTH];
	int sp;
	uint64_t start; /* of the expression, for branches */
	const struct tunw_regs *regs;
	struct tunw_stack *stk;
};

static int push(struct eval *e, uint64_t v)
{
	if (e->sp == STACK_DEPTH)
		return -1;
	e->st[e->sp++] = v;
	return 0;
}

/* Reads a constant operand of n bytes, sign-extended when asked. */
static int op_const(struct eval *e, struct tunw_cur *c, unsigned int n,
		    bool sign)
{
	uint64_t v;

	if (!tunw_cur_fixed(c, n, &v))
		return -1;
	if (sign && n < 8 && (v >> (8 * n - 1)) & 1)
		v |= ~(uint64_t)0 << (8 * n);
	return push(e, v);
}

/* Pushes register reg plus a signed offset. */
static int op_breg(struct eval *e, struct tunw_cur *c, uint64_t reg)
{
	int64_t off;

	if (!tunw_cur_sleb(c, &off) || reg >= TUNW_NREGS ||
	    !(e->regs->valid & TUNW_BIT(reg)))
		return -1;
	return push(e, e->regs->r[reg] + (uint64_t)off);
}

/* The comparisons, signed as DWARF wants them: 1 or 0. */
static uint64_t compare(uint8_t op, int64_t a, int64_t b)
{
	switch (op) {
	case OP_EQ:
		return a == b;
	case OP_NE:
		return a != b;
	case OP_GE:
		return a >= b;
	case OP_GT:
		return a > b;
	case OP_LE:
		return a <= b;
	default: /* OP_LT */
		return a < b;
	}
}

/* The binary operators: pops b then a, pushes a OP b. */
static int op_binary(struct eval *e, uint8_t op)
{
	uint64_t b, a, r;

	if (e->sp < 2)
		return -1;
	b = e->st[--e->sp];
	a = e->st[e->sp - 1];
	if (op >= OP_EQ && op <= OP_NE) {
		e->st[e->sp - 1] = compare(op, (int64_t)a, (int64_t)b);
		return 0;
	}
	/* Division must not trap: no zero divisor, no INT64_MIN / -1. */
	if ((op == OP_DIV || op == OP_MOD) &&
	    (b == 0 ||
	     (op == OP_DIV && (int64_t)b == -1 && (int64_t)a == INT64_MIN)))
		return -1;

	switch (op) {
	case OP_AND:
		r = a & b;
		break;
	case OP_OR:
		r = a | b;
		break;
	case OP_XOR:
		r = a ^ b;
		break;
	case OP_PLUS:
		r = a + b;
		break;
	case OP_MINUS:
		r = a - b;
		break;
	case OP_MUL:
		r = a * b;
		break;
	case OP_SHL:
		r = b < 64 ? a << b : 0;
		break;
	case OP_SHR:
		r = b < 64 ? a >> b : 0;
		break;
	case OP_SHRA:
		r = (uint64_t)((int64_t)a >> (b < 64 ? b : 63));
		break;
	case OP_DIV:
		r = (uint64_t)((int64_t)a / (int64_t)b);
		break;
	default: /* OP_MOD */
		r = a % b;
		break;
	}
	e->st[e->sp - 1] = r;
	return 0;
}

/* Ops that rearrange or change the top of the stack. */
static int op_stack(struct eval *e, uint8_t op, struct tunw_cur *c)
{
	uint64_t v, *t;
	uint8_t idx;

	if (e->sp < 1)
		return -1;
	t = e->st + e->sp - 1;
	switch (op) {
	case OP_DUP:
		return push(e, *t);
	case OP_DROP:
		e->sp--;
		return 0;
	case OP_OVER:
		return e->sp < 2 ? -1 : push(e, t[-1]);
	case OP_PICK:
		if (!tunw_cur_u8(c, &idx) || idx >= e->sp)
			return -1;
		return push(e, t[-(int)idx]);
	case OP_SWAP:
		if (e->sp < 2)
			return -1;
		v = t[0], t[0] = t[-1], t[-1] = v;
		return 0;
	case OP_ROT: /* top -> third, second -> top, third -> second */
		if (e->sp < 3)
			return -1;
		v = t[0], t[0] = t[-1], t[-1] = t[-2], t[-2] = v;
		return 0;
	}
	switch (op) {
	case OP_ABS:
		if ((int64_t)*t < 0)
			*t = 0 - *t;
		return 0;
	case OP_NEG:
		*t = 0 - *t;
		return 0;
	case OP_NOT:
		*t = ~*t;
		return 0;
	case OP_PLUS_UCONST:
		if (!tunw_cur_uleb(c, &v))
			return -1;
		*t += v;
		return 0;
	default:
		return -1;
	}
}

/* Reads memory through the walk's bounded reader. */
static int op_deref(struct eval *e, uint8_t op, struct tunw_cur *c)
{
	uint8_t n = 8;
	uint64_t v;

	if (op == OP_DEREF_SIZE &&
	    (!tunw_cur_u8(c, &n) || n == 0 || n > 8 || (n & (n - 1))))
		return -1;
	if (e->sp < 1 || tunw_stack_read(e->stk, e->st[e->sp - 1], n, &v) < 0)
		return -1;
	e->st[e->sp - 1] = v;
	return 0;
}

/* DW_OP_skip and DW_OP_bra: a 2-byte signed offset from after it. */
static int op_branch(struct eval *e, uint8_t op, struct tunw_cur *c)
{
	uint64_t raw, to;
	int64_t off;

	if (!tunw_cur_fixed(c, 2, &raw))
		return -1;
	off = (int16_t)(uint16_t)raw;
	if (op == OP_BRA) {
		if (e->sp < 1)
			return -1;
		if (e->st[--e->sp] == 0)
			return 0;
	}
	to = c->p + (uint64_t)off;
	if (to < e->start || to > c->end)
		return -1;
	c->p = to;
	return 0;
}

static int step(struct eval *e, uint8_t op, struct tunw_cur *c)
{
	uint64_t v;
	int64_t s;

	if (op >= OP_LIT0 && op <= OP_LIT31)
		return push(e, op - OP_LIT0);
	if (op >= OP_BREG0 && op <= OP_BREG31)
		return op_breg(e, c, op - OP_BREG0);
	switch (op) {
	case OP_ADDR:
		return op_const(e, c, 8, false);
	case OP_CONST1U:
		return op_const(e, c, 1, false);
	case OP_CONST1S:
		return op_const(e, c, 1, true);
	case OP_CONST2U:
		return op_const(e, c, 2, false);
	case OP_CONST2S:
		return op_const(e, c, 2, true);
	case OP_CONST4U:
		return op_const(e, c, 4, false);
	case OP_CONST4S:
		return op_const(e, c, 4, true);
	case OP_CONST8U:
	case OP_CONST8S:
		return op_const(e, c, 8, false);
	case OP_CONSTU:
		return tunw_cur_uleb(c, &v) ? push(e, v) : -1;
	case OP_CONSTS:
		return tunw_cur_sleb(c, &s) ? push(e, (uint64_t)s) : -1;
	case OP_BREGX:
		return tunw_cur_uleb(c, &v) ? op_breg(e, c, v) : -1;
	case OP_DEREF:
	case OP_DEREF_SIZE:
		return op_deref(e, op, c);
	case OP_BRA:
	case OP_SKIP:
		return op_branch(e, op, c);
	case OP_NOP:
		return 0;
	}
	if ((op >= OP_AND && op <= OP_MUL) || (op >= OP_OR && op <= OP_PLUS) ||
	    (op >= OP_SHL && op <= OP_XOR) || (op >= OP_EQ && op <= OP_NE))
		return op_binary(e, op);
	return op_stack(e, op, c);
}

int tunw_expr_eval(uint64_t p, size_t len, const struct tunw_regs *regs,
		   struct tunw_stack *stk, const uint64_t *push_first,
		   uint64_t *out)
{
	struct tunw_cur c = {p, p + len};
	struct eval e;
	uint8_t op;
	int ops = 0;

	e.sp = 0;
	e.start = p;
	e.regs = regs;
	e.stk = stk;
	if (push_first)
		push(&e, *push_first);
	while (tunw_cur_u8(&c, &op)) {
		if (++ops > MAX_OPS || step(&e, op, &c) < 0)
			return -1;
	}
	if (e.sp < 1)
		return -1;
	*out = e.st[e.sp - 1];
	return 0;
}
