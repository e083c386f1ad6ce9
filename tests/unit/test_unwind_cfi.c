/*
 * test_unwind_cfi.c - the unwinder's parsers on hand-built CFI: pointer
 * encodings, .eh_frame_hdr, CIE/FDE parsing, CFA programs, the DWARF
 * expression evaluator, and a walk over a fake stack; then malformed
 * input (truncated, corrupted, hostile) that must fail cleanly.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unwind_internal.h"

/* ---- building CFI by hand ---- */

struct blob {
	uint8_t b[1024];
	size_t n;
};

static uint64_t at(struct blob *x, size_t off)
{
	return (uint64_t)(uintptr_t)(x->b + off);
}

static void put(struct blob *x, const void *p, size_t n)
{
	assert_true(x->n + n <= sizeof(x->b));
	memcpy(x->b + x->n, p, n);
	x->n += n;
}

static void u8(struct blob *x, uint8_t v)
{
	put(x, &v, 1);
}

static void u32(struct blob *x, uint32_t v)
{
	put(x, &v, 4);
}

static void uleb(struct blob *x, uint64_t v)
{
	do {
		u8(x, (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
		v >>= 7;
	} while (v);
}

static void sleb(struct blob *x, int64_t v)
{
	bool more = true;
	uint8_t b;

	while (more) {
		b = v & 0x7f;
		v >>= 7;
		more = !((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40)));
		u8(x, (uint8_t)(b | (more ? 0x80 : 0)));
	}
}

static void patch32(struct blob *x, size_t off, uint32_t v)
{
	memcpy(x->b + off, &v, 4);
}

/* Offsets of the parts of a built .eh_frame plus .eh_frame_hdr. */
struct eh {
	struct blob x;
	size_t cie, fde, hdr;
	uint64_t pc_begin, pc_range;
	struct tunw_module m;
};

/* A GCC-like function: push rbp; mov rsp, rbp; ...; leave; ret. */
static const uint8_t gcc_cie_insns[] = {
    0x0c, 7, 8, /* def_cfa rsp+8 */
    0x90, 1,	/* offset r16 (RA) at cfa-8 */
};
static const uint8_t gcc_fde_insns[] = {
    0x41,	 /* advance_loc 1 */
    0x0e, 16,	 /* def_cfa_offset 16 */
    0x86, 2,	 /* offset rbp at cfa-16 */
    0x43,	 /* advance_loc 3 */
    0x0d, 6,	 /* def_cfa_register rbp */
    0x54,	 /* advance_loc 20 */
    0x0c, 7,  8, /* def_cfa rsp+8 */
};

/*
 * Builds a "zR" CIE with the given program, an FDE (pcrel sdata4) with
 * its own, and an .eh_frame_hdr whose table has that one FDE, and a
 * module over the lot.
 */
static void build(struct eh *e, const uint8_t *cie_insns, size_t cie_len,
		  const uint8_t *fde_insns, size_t fde_len)
{
	size_t len_at, field;

	memset(e, 0, sizeof(*e));
	e->pc_begin = at(&e->x, 0) + 0x10000;
	e->pc_range = 0x100;

	e->cie = e->x.n;
	u32(&e->x, 0);
	u32(&e->x, 0);
	u8(&e->x, 1);
	put(&e->x, "zR", 3);
	uleb(&e->x, 1);
	sleb(&e->x, -8);
	u8(&e->x, 16);
	uleb(&e->x, 1);
	u8(&e->x, 0x1b);
	put(&e->x, cie_insns, cie_len);
	patch32(&e->x, e->cie, (uint32_t)(e->x.n - e->cie - 4));

	e->fde = len_at = e->x.n;
	u32(&e->x, 0);
	u32(&e->x, (uint32_t)(e->x.n - e->cie));
	field = e->x.n;
	u32(&e->x, (uint32_t)(e->pc_begin - at(&e->x, field)));
	u32(&e->x, (uint32_t)e->pc_range);
	uleb(&e->x, 0);
	put(&e->x, fde_insns, fde_len);
	patch32(&e->x, len_at, (uint32_t)(e->x.n - len_at - 4));
	u32(&e->x, 0); /* terminator */

	/* version, eh_frame_ptr pcrel sdata4, count udata4, table
	 * datarel sdata4 */
	e->hdr = e->x.n;
	u8(&e->x, 1);
	u8(&e->x, 0x1b);
	u8(&e->x, 0x03);
	u8(&e->x, 0x3b);
	u32(&e->x, (uint32_t)(at(&e->x, e->cie) - at(&e->x, e->x.n)));
	u32(&e->x, 1);
	u32(&e->x, (uint32_t)(e->pc_begin - at(&e->x, e->hdr)));
	u32(&e->x, (uint32_t)(at(&e->x, e->fde) - at(&e->x, e->hdr)));

	e->m.nsegs = 1;
	e->m.segs[0].lo = at(&e->x, 0);
	e->m.segs[0].hi = at(&e->x, e->x.n);
	assert_int_equal(
	    tunw_cfi_parse_hdr(&e->m, at(&e->x, e->hdr), &e->m.segs[0]), 0);
}

static void build_gcc(struct eh *e)
{
	build(e, gcc_cie_insns, sizeof(gcc_cie_insns), gcc_fde_insns,
	      sizeof(gcc_fde_insns));
}

/* Runs the program of e's FDE up to pc_begin + off. */
static int rules_at(struct eh *e, uint64_t off, struct tunw_rules *r)
{
	struct tunw_fde fde;
	int rc = tunw_cfi_find(&e->m, e->pc_begin + off, &fde);

	if (rc < 0)
		return rc;
	return tunw_cfi_run(&fde, e->pc_begin + off, r);
}

static void expect_cfa(const struct tunw_rules *r, int reg, int off)
{
	assert_int_equal(r->row.cfa.kind, TUNW_R_CFA_REG);
	assert_int_equal(r->row.cfa.reg, reg);
	assert_int_equal(r->row.cfa.val, off);
}

/* ---- encodings ---- */

static void test_pointer_encodings(void **state)
{
	static const struct {
		uint8_t enc;
		uint8_t bytes[9];
		size_t n;
		uint64_t want; /* before pcrel/datarel */
	} cases[] = {
	    {0x00, {1, 2, 3, 4, 5, 6, 7, 8}, 8, 0x0807060504030201},
	    {0x02, {0xfe, 0xff}, 2, 0xfffe},
	    {0x0a, {0xfe, 0xff}, 2, (uint64_t)-2},
	    {0x03, {0xfc, 0xff, 0xff, 0xff}, 4, 0xfffffffc},
	    {0x0b, {0xfc, 0xff, 0xff, 0xff}, 4, (uint64_t)-4},
	    {0x04, {1, 0, 0, 0, 0, 0, 0, 0x80}, 8, 0x8000000000000001},
	    {0x0c,
	     {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	     8,
	     (uint64_t)-1},
	    {0x01, {0xe5, 0x8e, 0x26}, 3, 624485},
	    {0x09, {0xc0, 0xbb, 0x78}, 3, (uint64_t)-123456},
	};
	uint8_t buf[16];
	struct tunw_cur c;
	uint64_t v, base = 0x1000;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(buf, cases[i].bytes, cases[i].n);
		c = (struct tunw_cur){(uintptr_t)buf, (uintptr_t)buf + 16};
		assert_int_equal(
		    tunw_read_encoded(&c, cases[i].enc, 0, NULL, &v), 0);
		assert_int_equal(v, cases[i].want);
		assert_int_equal(c.p, (uintptr_t)buf + cases[i].n);

		/* pcrel adds the field's address, datarel the base. */
		c.p = (uintptr_t)buf;
		assert_int_equal(
		    tunw_read_encoded(&c, cases[i].enc | 0x10, 0, NULL, &v), 0);
		assert_int_equal(v, cases[i].want + (uintptr_t)buf);
		c.p = (uintptr_t)buf;
		assert_int_equal(
		    tunw_read_encoded(&c, cases[i].enc | 0x30, base, NULL, &v),
		    0);
		assert_int_equal(v, cases[i].want + base);

		/* One byte short: an error, never a read past the end. */
		c = (struct tunw_cur){(uintptr_t)buf,
				      (uintptr_t)buf + cases[i].n - 1};
		assert_int_equal(
		    tunw_read_encoded(&c, cases[i].enc, 0, NULL, &v), -1);
	}
}

static void test_pointer_encodings_rejected(void **state)
{
	uint64_t target = 0x1122334455667788, v;
	uint64_t slot = (uint64_t)(uintptr_t)&target;
	uint8_t buf[8];
	struct tunw_module m;
	struct tunw_cur c;

	memcpy(buf, &slot, 8);
	memset(&m, 0, sizeof(m));
	c = (struct tunw_cur){(uintptr_t)buf, (uintptr_t)buf + 8};

	/* omit, textrel, funcrel, aligned, an unknown format */
	assert_int_equal(tunw_read_encoded(&c, 0xff, 0, NULL, &v), -1);
	assert_int_equal(tunw_read_encoded(&c, 0x20, 0, NULL, &v), -1);
	c.p = (uintptr_t)buf;
	assert_int_equal(tunw_read_encoded(&c, 0x40, 0, NULL, &v), -1);
	c.p = (uintptr_t)buf;
	assert_int_equal(tunw_read_encoded(&c, 0x50, 0, NULL, &v), -1);
	c.p = (uintptr_t)buf;
	assert_int_equal(tunw_read_encoded(&c, 0x07, 0, NULL, &v), -1);

	/* indirect: followed only inside the module's segments */
	c.p = (uintptr_t)buf;
	assert_int_equal(tunw_read_encoded(&c, 0x80, 0, NULL, &v), -1);
	c.p = (uintptr_t)buf;
	assert_int_equal(tunw_read_encoded(&c, 0x80, 0, &m, &v), -1);
	m.nsegs = 1;
	m.segs[0].lo = slot;
	m.segs[0].hi = slot + 8;
	c.p = (uintptr_t)buf;
	assert_int_equal(tunw_read_encoded(&c, 0x80, 0, &m, &v), 0);
	assert_int_equal(v, target);
	m.segs[0].hi = slot + 7;
	c.p = (uintptr_t)buf;
	assert_int_equal(tunw_read_encoded(&c, 0x80, 0, &m, &v), -1);
}

static void test_leb128_limits(void **state)
{
	uint8_t eleven[11], ten[10];
	struct tunw_cur c;
	uint64_t v;
	int64_t s;

	memset(eleven, 0x80, sizeof(eleven));
	c = (struct tunw_cur){(uintptr_t)eleven, (uintptr_t)eleven + 11};
	assert_false(tunw_cur_uleb(&c, &v));
	c.p = (uintptr_t)eleven;
	assert_false(tunw_cur_sleb(&c, &s));

	memset(ten, 0xff, sizeof(ten));
	ten[9] = 0x01;
	c = (struct tunw_cur){(uintptr_t)ten, (uintptr_t)ten + 10};
	assert_true(tunw_cur_uleb(&c, &v));
	assert_int_equal(v, UINT64_MAX);

	/* Unterminated */
	c = (struct tunw_cur){(uintptr_t)ten, (uintptr_t)ten + 9};
	assert_false(tunw_cur_uleb(&c, &v));
}

/* ---- FDE lookup and CFA programs ---- */

static void test_gcc_frame_rows(void **state)
{
	struct tunw_rules r;
	struct tunw_simple s;
	struct eh e;

	build_gcc(&e);
	assert_int_equal(e.m.fde_count, 1);

	assert_int_equal(rules_at(&e, 0, &r), 0);
	expect_cfa(&r, TUNW_RSP, 8);
	assert_int_equal(r.row.reg[TUNW_RA].kind, TUNW_R_OFFSET);
	assert_int_equal(r.row.reg[TUNW_RA].val, -8);
	assert_int_equal(r.row.reg[TUNW_RBP].kind, TUNW_R_UNSPEC);
	assert_false(r.signal);
	assert_true(tunw_simple_pack(&r, &s));
	assert_int_equal(s.a, TUNW_RSP | (8ull << 32));
	assert_int_equal(s.b, 0xffull << (8 * TUNW_SIMPLE_RA_BYTE));

	assert_int_equal(rules_at(&e, 1, &r), 0);
	expect_cfa(&r, TUNW_RSP, 16);
	assert_int_equal(r.row.reg[TUNW_RBP].kind, TUNW_R_OFFSET);
	assert_int_equal(r.row.reg[TUNW_RBP].val, -16);
	assert_int_equal(rules_at(&e, 3, &r), 0);
	expect_cfa(&r, TUNW_RSP, 16);
	assert_int_equal(rules_at(&e, 4, &r), 0);
	expect_cfa(&r, TUNW_RBP, 16);
	assert_int_equal(rules_at(&e, 23, &r), 0);
	expect_cfa(&r, TUNW_RBP, 16);
	assert_int_equal(rules_at(&e, 24, &r), 0);
	expect_cfa(&r, TUNW_RSP, 8);
	assert_int_equal(rules_at(&e, 0xff, &r), 0);

	/* Outside the FDE's range. */
	assert_int_equal(rules_at(&e, 0x100, &r), -1);
	assert_int_equal(rules_at(&e, (uint64_t)-1, &r), -1);
}

static void test_remember_restore_and_restore(void **state)
{
	static const uint8_t fde[] = {
	    0x41, 0x0e, 16,   0x86, 2, /* +1: cfa rsp+16, rbp at -16 */
	    0x41, 0x0a,		       /* +2: remember */
	    0x0e, 8,	0xc6,	       /* cfa rsp+8, restore rbp */
	    0x41, 0x0b,		       /* +3: restore_state */
	};
	struct tunw_rules r;
	struct eh e;

	build(&e, gcc_cie_insns, sizeof(gcc_cie_insns), fde, sizeof(fde));
	assert_int_equal(rules_at(&e, 2, &r), 0);
	expect_cfa(&r, TUNW_RSP, 8);
	assert_int_equal(r.row.reg[TUNW_RBP].kind, TUNW_R_UNSPEC);
	assert_int_equal(rules_at(&e, 3, &r), 0);
	expect_cfa(&r, TUNW_RSP, 16);
	assert_int_equal(r.row.reg[TUNW_RBP].kind, TUNW_R_OFFSET);
}

static void test_other_register_rules(void **state)
{
	static const uint8_t fde[] = {
	    0x08, 3,		       /* same_value rbx */
	    0x07, 12,		       /* undefined r12 */
	    0x09, 13,	14,	       /* r13 in r14 */
	    0x14, 15,	2,	       /* val_offset r15 = cfa-16 */
	    0x11, 14,	0x7e,	       /* offset_extended_sf r14 at cfa+16 */
	    0x05, 0x11, 3,	       /* offset_extended xmm0: ignored */
	    0x2e, 32,		       /* GNU_args_size */
	    0x2f, 6,	3,	       /* GNU_negative_offset_extended: +24 */
	    0x10, 0,	2,    0x77, 8, /* expression rax: breg7 8 */
	    0x16, 1,	1,    0x31,    /* val_expression rdx: lit1 */
	};
	struct tunw_rules r;
	struct tunw_simple s;
	struct eh e;

	build(&e, gcc_cie_insns, sizeof(gcc_cie_insns), fde, sizeof(fde));
	assert_int_equal(rules_at(&e, 0, &r), 0);
	assert_int_equal(r.row.reg[TUNW_RBX].kind, TUNW_R_SAME);
	assert_int_equal(r.row.reg[TUNW_R12].kind, TUNW_R_UNDEF);
	assert_int_equal(r.row.reg[TUNW_R13].kind, TUNW_R_REGISTER);
	assert_int_equal(r.row.reg[TUNW_R13].reg, TUNW_R14);
	assert_int_equal(r.row.reg[TUNW_R15].kind, TUNW_R_VAL_OFFSET);
	assert_int_equal(r.row.reg[TUNW_R15].val, -16);
	assert_int_equal(r.row.reg[TUNW_R14].kind, TUNW_R_OFFSET);
	assert_int_equal(r.row.reg[TUNW_R14].val, 16);
	assert_int_equal(r.row.reg[TUNW_RBP].kind, TUNW_R_OFFSET);
	assert_int_equal(r.row.reg[TUNW_RBP].val, 24);
	assert_int_equal(r.row.reg[TUNW_RAX].kind, TUNW_R_EXPR);
	assert_int_equal(r.row.reg[TUNW_RAX].len, 2);
	assert_int_equal(r.row.reg[TUNW_RDX].kind, TUNW_R_VAL_EXPR);
	/* Expressions and copies between registers are not simple. */
	assert_false(tunw_simple_pack(&r, &s));
}

static void test_malformed_programs(void **state)
{
	static const struct {
		uint8_t insns[24];
		size_t n;
	} bad[] = {
	    {{0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a}, 9},
	    {{0x0b}, 1},		   /* restore_state, none saved */
	    {{0x3f}, 1},		   /* unknown op */
	    {{0x2d}, 1},		   /* SPARC window save */
	    {{0x0f, 1, 0x30, 0x0e, 8}, 5}, /* offset on a CFA expr */
	    {{0x0f, 1, 0x30, 0x0d, 6}, 5}, /* register on a CFA expr */
	    {{0x0c, 7}, 2},		   /* operand missing */
	    {{0x10, 0, 9, 0x30}, 4},	   /* block past the end */
	    {{0x0e, 0xff, 0xff, 0xff, 0xff, 0x7f}, 6}, /* offset > 2^31 */
	    {{0x01, 0, 0, 0, 0}, 5},		       /* set_loc backwards */
	};
	struct tunw_rules r;
	struct eh e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build(&e, gcc_cie_insns, sizeof(gcc_cie_insns), bad[i].insns,
		      bad[i].n);
		if (rules_at(&e, 0x20, &r) != -2)
			fail_msg("bad program %zu was accepted", i);
	}
}

/* Corrupts the CIE header fields one at a time. */
static void test_malformed_cie_and_fde(void **state)
{
	struct tunw_fde fde;
	struct tunw_span seg;
	struct eh e;
	uint64_t fde_at;
	size_t cut;

	build_gcc(&e);
	fde_at = at(&e.x, e.fde);
	assert_int_equal(
	    tunw_cfi_parse_fde(fde_at, &e.m.segs[0], 0, NULL, &fde), 0);

	/* Every truncation of the FDE or its CIE fails cleanly. */
	for (cut = 0; cut < e.hdr - 4; cut++) {
		seg.lo = at(&e.x, 0);
		seg.hi = at(&e.x, cut);
		if (tunw_cfi_parse_fde(fde_at, &seg, 0, NULL, &fde) != -2)
			fail_msg("truncated at %zu: accepted", cut);
	}

	e.x.b[e.cie + 4] = 1; /* CIE id */
	assert_int_equal(
	    tunw_cfi_parse_fde(fde_at, &e.m.segs[0], 0, NULL, &fde), -2);
	build_gcc(&e);
	e.x.b[e.cie + 8] = 2; /* version */
	assert_int_equal(
	    tunw_cfi_parse_fde(fde_at, &e.m.segs[0], 0, NULL, &fde), -2);
	build_gcc(&e);
	e.x.b[e.cie + 9] = 'e'; /* "eR": no 'z' */
	assert_int_equal(
	    tunw_cfi_parse_fde(fde_at, &e.m.segs[0], 0, NULL, &fde), -2);
	build_gcc(&e);
	e.x.b[e.cie + 14] = 99; /* RA column */
	assert_int_equal(
	    tunw_cfi_parse_fde(fde_at, &e.m.segs[0], 0, NULL, &fde), -2);
	build_gcc(&e);
	patch32(&e.x, e.fde + 4, 0x10000); /* CIE pointer before segment */
	assert_int_equal(
	    tunw_cfi_parse_fde(fde_at, &e.m.segs[0], 0, NULL, &fde), -2);
	build_gcc(&e);
	patch32(&e.x, e.fde + 4, 0); /* a CIE where an FDE should be */
	assert_int_equal(
	    tunw_cfi_parse_fde(fde_at, &e.m.segs[0], 0, NULL, &fde), -2);
	build_gcc(&e);
	patch32(&e.x, e.fde, 0xffffffff); /* 64-bit length past the end */
	assert_int_equal(
	    tunw_cfi_parse_fde(fde_at, &e.m.segs[0], 0, NULL, &fde), -2);
	build_gcc(&e);
	patch32(&e.x, e.cie, 0x7fffffff); /* CIE length past the end */
	assert_int_equal(
	    tunw_cfi_parse_fde(fde_at, &e.m.segs[0], 0, NULL, &fde), -2);
}

static void test_malformed_hdr(void **state)
{
	struct tunw_span seg;
	struct eh e;
	size_t cut;

	build_gcc(&e);
	for (cut = e.hdr; cut < e.x.n; cut++) {
		seg.lo = at(&e.x, 0);
		seg.hi = at(&e.x, cut);
		if (tunw_cfi_parse_hdr(&e.m, at(&e.x, e.hdr), &seg) != -1)
			fail_msg("hdr truncated at %zu: accepted", cut);
		assert_int_equal(e.m.fde_count, 0);
	}
	build_gcc(&e);
	e.x.b[e.hdr] = 2; /* version */
	assert_int_equal(
	    tunw_cfi_parse_hdr(&e.m, at(&e.x, e.hdr), &e.m.segs[0]), -1);
	build_gcc(&e);
	e.x.b[e.hdr + 3] = 0x01; /* table in uleb128: not searchable */
	assert_int_equal(
	    tunw_cfi_parse_hdr(&e.m, at(&e.x, e.hdr), &e.m.segs[0]), -1);
	build_gcc(&e);
	patch32(&e.x, e.hdr + 8, 1000); /* more entries than bytes */
	assert_int_equal(
	    tunw_cfi_parse_hdr(&e.m, at(&e.x, e.hdr), &e.m.segs[0]), -1);

	/* A table entry pointing outside the module. */
	build_gcc(&e);
	patch32(&e.x, e.hdr + 16, 0x40000000);
	{
		struct tunw_rules r;

		assert_int_equal(rules_at(&e, 0, &r), -2);
	}
}

/* ---- expressions ---- */

static struct tunw_regs regs_with(uint64_t rsp, uint64_t rbp, uint64_t pc)
{
	struct tunw_regs r;

	memset(&r, 0, sizeof(r));
	r.r[TUNW_RSP] = rsp;
	r.r[TUNW_RBP] = rbp;
	r.r[TUNW_RA] = pc;
	r.valid = TUNW_BIT(TUNW_RSP) | TUNW_BIT(TUNW_RBP) | TUNW_BIT(TUNW_RA);
	return r;
}

/* A stack reader over buf, as tunw_stack_open would set it. */
static void stack_over(struct tunw_stack *s, const void *buf, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->lo = (uintptr_t)buf;
	s->hi = s->lo + len;
	s->fast_span = len >= 8 ? len - 7 : 0;
}

static int eval(const uint8_t *e, size_t n, const struct tunw_regs *r,
		struct tunw_stack *s, uint64_t *out)
{
	return tunw_expr_eval((uintptr_t)e, n, r, s, NULL, out);
}

static void test_plt_expression(void **state)
{
	/* CFA = rsp + 8 + ((rip & 15) >= 11 ? 8 : 0) */
	static const uint8_t plt[] = {0x77, 8,	  0x80, 0,    0x3f, 0x1a,
				      0x3b, 0x2a, 0x33, 0x24, 0x22};
	struct tunw_regs r = regs_with(1000, 0, 0x4005);
	struct tunw_stack s;
	uint64_t v;

	stack_over(&s, NULL, 0);
	assert_int_equal(eval(plt, sizeof(plt), &r, &s, &v), 0);
	assert_int_equal(v, 1008);
	r.r[TUNW_RA] = 0x400c;
	assert_int_equal(eval(plt, sizeof(plt), &r, &s, &v), 0);
	assert_int_equal(v, 1016);
}

static void test_deref_expressions(void **state)
{
	/* glibc's sigreturn CFA: *(rsp + 160); GCC's DRAP: *(rbp - 8) */
	static const uint8_t sig[] = {0x77, 0xa0, 0x01, 0x06};
	static const uint8_t drap[] = {0x76, 0x78, 0x06};
	static const uint8_t narrow[] = {0x77, 0, 0x94, 2};
	uint64_t frame[32], v;
	struct tunw_regs r;
	struct tunw_stack s;

	memset(frame, 0, sizeof(frame));
	frame[20] = 0xdeadbeef;
	frame[3] = 0x1234567890;
	r = regs_with((uintptr_t)frame, (uintptr_t)&frame[4], 0);
	stack_over(&s, frame, sizeof(frame));
	assert_int_equal(eval(sig, sizeof(sig), &r, &s, &v), 0);
	assert_int_equal(v, 0xdeadbeef);
	assert_int_equal(eval(drap, sizeof(drap), &r, &s, &v), 0);
	assert_int_equal(v, 0x1234567890);
	r.r[TUNW_RSP] = (uintptr_t)&frame[3];
	assert_int_equal(eval(narrow, sizeof(narrow), &r, &s, &v), 0);
	assert_int_equal(v, 0x7890);

	/* Outside the stack's bounds: refused, not read. */
	r.r[TUNW_RSP] = (uintptr_t)&frame[31] + 1;
	assert_int_equal(eval(sig, sizeof(sig), &r, &s, &v), -1);
	r.r[TUNW_RBP] = (uintptr_t)frame;
	assert_int_equal(eval(drap, sizeof(drap), &r, &s, &v), -1);
}

static void test_expression_arithmetic(void **state)
{
	static const struct {
		uint8_t e[16];
		size_t n;
		uint64_t want;
	} ok[] = {
	    {{0x35, 0x33, 0x1c}, 3, 2},			       /* 5-3 */
	    {{0x11, 0x7f}, 2, (uint64_t)-1},		       /* consts -1 */
	    {{0x0a, 0x34, 0x12}, 3, 0x1234},		       /* const2u */
	    {{0x0b, 0xfe, 0xff}, 3, (uint64_t)-2},	       /* const2s */
	    {{0x3a, 0x33, 0x1b}, 3, 3},			       /* 10/3 */
	    {{0x3a, 0x33, 0x1d}, 3, 1},			       /* 10%3 */
	    {{0x34, 0x1f, 0x19}, 3, 4},			       /* abs(-4) */
	    {{0x31, 0x32, 0x33, 0x17}, 4, 2},		       /* rot */
	    {{0x31, 0x32, 0x16, 0x1c}, 4, 1},		       /* swap, 2-1 */
	    {{0x31, 0x32, 0x14, 0x22, 0x22}, 5, 4},	       /* over */
	    {{0x31, 0x32, 0x33, 0x15, 2}, 5, 1},	       /* pick 2 */
	    {{0x31, 0x12, 0x22}, 3, 2},			       /* dup plus */
	    {{0x31, 0x32, 0x13}, 3, 1},			       /* drop */
	    {{0x31, 0x23, 0x80, 0x01}, 4, 129},		       /* plus_uconst */
	    {{0x31, 0x28, 0x01, 0x00, 0x35, 0x36}, 6, 6},      /* bra taken */
	    {{0x30, 0x28, 0x01, 0x00, 0x35}, 5, 5},	       /* not taken */
	    {{0x2f, 0x01, 0x00, 0x35, 0x37}, 5, 7},	       /* skip */
	    {{0x30, 0x20}, 2, (uint64_t)-1},		       /* not 0 */
	    {{0x31, 0x08, 0x40, 0x24}, 4, 0},		       /* 1<<64 */
	    {{0x11, 0x7f, 0x08, 0x40, 0x26}, 5, (uint64_t)-1}, /* shra */
	    {{0x34, 0x33, 0x2d}, 3, 0},			       /* 4<3 */
	    {{0x96, 0x4f}, 2, 31},			       /* nop lit31 */
	};
	static const struct {
		uint8_t e[40];
		size_t n;
	} bad[] = {
	    {{0}, 0},		     /* empty */
	    {{0x1c}, 1},	     /* minus on nothing */
	    {{0x31, 0x30, 0x1b}, 3}, /* div by 0 */
	    {{0x31, 0x30, 0x1d}, 3}, /* mod by 0 */
	    {{0x31, 0x15, 1}, 3},    /* pick too deep */
	    {{0x2f, 0xfd, 0xff}, 3}, /* skip -3: loops */
	    {{0x2f, 0x10, 0x00}, 3}, /* skip past end */
	    {{0x72, 0}, 2},	     /* breg2: unknown */
	    {{0x92, 40, 0}, 3},	     /* bregx 40 */
	    {{0x31, 0x94, 3}, 3},    /* deref_size 3 */
	    {{0x50}, 1},	     /* reg0: not in CFI */
	    {{0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30,
	      0x30, 0x30, 0x30, 0x30, 0x30, 0x30},
	     17},		  /* depth */
	    {{0x0e, 1, 2, 3}, 4}, /* const8u short */
	};
	struct tunw_regs r = regs_with(0, 0, 0);
	struct tunw_stack s;
	uint64_t v;
	size_t i;

	stack_over(&s, NULL, 0);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (eval(ok[i].e, ok[i].n, &r, &s, &v) != 0 || v != ok[i].want)
			fail_msg("expression %zu: got %#lx, want %#lx", i,
				 (unsigned long)v, (unsigned long)ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (eval(bad[i].e, bad[i].n, &r, &s, &v) != -1)
			fail_msg("bad expression %zu was accepted", i);
	}
}

/* ---- a walk over a fake stack ---- */

/*
 * Frame 0 stopped at pc_begin+5 (CFA = rbp+16) in the GCC-like function,
 * whose caller is the same function at pc_begin+0x11, whose caller is at
 * an address in no module.
 */
static void fake_stack(const struct eh *e, uint64_t *stack, struct tunw_walk *w)
{
	stack[4] = (uintptr_t)&stack[10]; /* frame 0's saved rbp */
	stack[5] = e->pc_begin + 0x11;	  /* frame 0's return address */
	stack[10] = 0;			  /* frame 1's saved rbp */
	stack[11] = 0x777;		  /* frame 1's return address */

	memset(w, 0, sizeof(*w));
	w->regs =
	    regs_with((uintptr_t)stack, (uintptr_t)&stack[4], e->pc_begin + 5);
	w->exact = true;
	stack_over(&w->stk, stack, 16 * 8);
}

static void test_walk_fake_stack(void **state)
{
	struct tunw_snapshot snap;
	struct tunw_range range;
	struct tunw_walk w;
	uint64_t stack[16], pcs[8];
	struct eh e;
	int n, why, round;

	build_gcc(&e);
	memset(&snap, 0, sizeof(snap));
	range = (struct tunw_range){e.pc_begin, e.pc_begin + e.pc_range, 0};
	snap.gen = 0xfeed0001;
	snap.nmods = snap.nranges = 1;
	snap.mods = &e.m;
	snap.ranges = &range;

	/* Without a cache, then twice with one: a miss and a hit. */
	for (round = 0; round < 3; round++) {
		if (round == 1)
			assert_int_equal(tunw_cache_create(), 0);
		memset(stack, 0, sizeof(stack));
		fake_stack(&e, stack, &w);
		w.snap = &snap;
		n = tunw_walk_frames(&w, pcs, 8, 0, &why);
		assert_int_equal(n, 3);
		assert_int_equal(pcs[0], e.pc_begin + 5);
		assert_int_equal(pcs[1], e.pc_begin + 0x11);
		assert_int_equal(pcs[2], 0x777);
		assert_int_equal(why, TUNW_STEP_NO_MODULE);
		assert_int_equal(w.hits, round == 2 ? 2 : 0);
		assert_int_equal(w.regs.r[TUNW_RSP], (uintptr_t)&stack[12]);
		assert_int_equal(w.regs.r[TUNW_RBP], 0);
	}

	/* A stack too short for frame 1's return address. */
	fake_stack(&e, stack, &w);
	w.snap = &snap;
	stack_over(&w.stk, stack, 11 * 8);
	n = tunw_walk_frames(&w, pcs, 8, 0, &why);
	assert_int_equal(n, 2);
	assert_int_equal(why, TUNW_STEP_BAD_READ);

	/* A CFA that does not go up: a loop, refused. */
	fake_stack(&e, stack, &w);
	w.snap = &snap;
	stack[4] = (uintptr_t)&stack[0];
	stack[1] = e.pc_begin + 0x11;
	n = tunw_walk_frames(&w, pcs, 8, 0, &why);
	assert_int_equal(why, TUNW_STEP_BAD_RULE);
	assert_int_equal(n, 2);

	/* max frames */
	fake_stack(&e, stack, &w);
	w.snap = &snap;
	assert_int_equal(tunw_walk_frames(&w, pcs, 1, 0, &why), 1);
	tunw_cache_destroy();
}

/* ---- hostile bytes ---- */

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random corruption of a valid .eh_frame: never a crash (ASan checks
 * every read), and the walk over a fake stack stays within it. */
static void test_corrupted_cfi_never_crashes(void **state)
{
	struct tunw_snapshot snap;
	struct tunw_range range;
	struct tunw_walk w;
	uint64_t stack[16], pcs[8];
	struct eh e;
	int i, j, why, ok = 0;

	for (i = 0; i < 20000; i++) {
		build_gcc(&e);
		for (j = 0; j < 1 + (int)(rnd() % 4); j++)
			e.x.b[rnd() % e.x.n] = (uint8_t)rnd();
		if (tunw_cfi_parse_hdr(&e.m, at(&e.x, e.hdr), &e.m.segs[0]) < 0)
			continue;
		memset(&snap, 0, sizeof(snap));
		range =
		    (struct tunw_range){e.pc_begin, e.pc_begin + e.pc_range, 0};
		snap.gen = 0xfeed0002;
		snap.nmods = snap.nranges = 1;
		snap.mods = &e.m;
		snap.ranges = &range;
		memset(stack, 0, sizeof(stack));
		fake_stack(&e, stack, &w);
		w.snap = &snap;
		if (tunw_walk_frames(&w, pcs, 8, 0, &why) == 3)
			ok++;
	}
	print_message("corrupted CFI still unwound: %d of 20000\n", ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pointer_encodings),
	    cmocka_unit_test(test_pointer_encodings_rejected),
	    cmocka_unit_test(test_leb128_limits),
	    cmocka_unit_test(test_gcc_frame_rows),
	    cmocka_unit_test(test_remember_restore_and_restore),
	    cmocka_unit_test(test_other_register_rules),
	    cmocka_unit_test(test_malformed_programs),
	    cmocka_unit_test(test_malformed_cie_and_fde),
	    cmocka_unit_test(test_malformed_hdr),
	    cmocka_unit_test(test_plt_expression),
	    cmocka_unit_test(test_deref_expressions),
	    cmocka_unit_test(test_expression_arithmetic),
	    cmocka_unit_test(test_walk_fake_stack),
	    cmocka_unit_test(test_corrupted_cfi_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
