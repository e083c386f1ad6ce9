/*
 * fuzz_unwind_cfi.c - the unwinder's CFI parsers and frame steps on
 * arbitrary bytes: .eh_frame_hdr, CIE/FDE parsing, CFA programs, DWARF
 * expressions and a walk over a fake stack.
 *
 * Input: an 8-byte header, then `cfi_len` bytes treated as one readable
 * segment of a module (its .eh_frame and .eh_frame_hdr), then the bytes
 * of a fake stack.
 *   0-1  cfi_len (little-endian; clamped to what is there)
 *   2-3  offset of the PC to unwind within the first FDE found
 *   4    offset of the .eh_frame_hdr in the segment
 *   5    word of the stack that rbp points to
 *   6-7  offset of an FDE to parse directly
 * Seeds come from tests/fuzz/unwind_cfi_seeds.py.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unwind_internal.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Walks a fake stack from pc, with the module's FDEs as the only CFI. */
static void walk(struct tunw_module *m, uint64_t pc, uint64_t lo, uint64_t hi,
		 uint64_t *stack, size_t words, uint8_t rbp)
{
	struct tunw_snapshot snap;
	struct tunw_range range = {lo, hi, 0};
	struct tunw_walk w;
	uint64_t pcs[16];
	int why;

	if (lo >= hi)
		return;
	memset(&snap, 0, sizeof(snap));
	snap.gen = 1;
	snap.nmods = snap.nranges = 1;
	snap.mods = m;
	snap.ranges = &range;

	memset(&w, 0, sizeof(w));
	w.snap = &snap;
	w.exact = true;
	w.regs.r[TUNW_RA] = pc;
	w.regs.r[TUNW_RSP] = (uintptr_t)stack;
	w.regs.r[TUNW_RBP] = (uintptr_t)(stack + (words ? rbp % words : 0));
	w.regs.valid = (1u << TUNW_NREGS) - 1;
	w.stk.lo = (uintptr_t)stack;
	w.stk.hi = w.stk.lo + words * 8;
	w.stk.fast_span = words ? words * 8 - 7 : 0;
	tunw_walk_frames(&w, pcs, 16, 0, &why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tunw_module m;
	struct tunw_fde fde;
	struct tunw_rules rules;
	struct tunw_simple simple;
	size_t cfi_len, words;
	uint8_t *seg;
	uint64_t *stack, lo, pc, v;
	struct tunw_regs regs;
	struct tunw_stack stk;

	if (size < 8)
		return 0;
	cfi_len = le16(data);
	if (cfi_len > size - 8)
		cfi_len = size - 8;
	words = (size - 8 - cfi_len) / 8;

	/* Exact-size copies, so that ASan sees any read past the end. */
	seg = malloc(cfi_len ? cfi_len : 1);
	stack = malloc(words ? words * 8 : 8);
	if (!seg || !stack)
		goto out;
	memcpy(seg, data + 8, cfi_len);
	memcpy(stack, data + 8 + cfi_len, words * 8);
	lo = (uintptr_t)seg;

	memset(&m, 0, sizeof(m));
	m.nsegs = 1;
	m.segs[0].lo = lo;
	m.segs[0].hi = lo + cfi_len;

	/* Through the search table, as a handler would, from a PC after
	 * the table's first location. */
	if (data[4] < cfi_len &&
	    tunw_cfi_parse_hdr(&m, lo + data[4], &m.segs[0]) == 0) {
		struct tunw_cur c = {m.table, m.table + m.field_size};

		if (tunw_read_encoded(&c, m.table_enc, m.hdr, NULL, &pc) == 0 &&
		    pc < UINT64_MAX - 0x20000)
			walk(&m, pc + le16(data + 2), pc, pc + 0x10000, stack,
			     words, data[5]);
	}

	/* One FDE directly, its rules applied to the fake stack. */
	if (le16(data + 6) < cfi_len &&
	    tunw_cfi_parse_fde(lo + le16(data + 6), &m.segs[0], lo, &m, &fde) ==
		0 &&
	    tunw_cfi_run(&fde, fde.pc_begin + le16(data + 2), &rules) == 0) {
		struct tunw_walk w;

		tunw_simple_pack(&rules, &simple);
		memset(&w, 0, sizeof(w));
		w.regs.r[TUNW_RSP] = (uintptr_t)stack;
		w.regs.r[TUNW_RA] = fde.pc_begin;
		w.regs.valid = TUNW_BIT(TUNW_RSP) | TUNW_BIT(TUNW_RA);
		w.stk.lo = (uintptr_t)stack;
		w.stk.hi = w.stk.lo + words * 8;
		w.stk.fast_span = words ? words * 8 - 7 : 0;
		tunw_rules_apply(&rules, &w);
	}

	/* The whole segment as an expression. */
	memset(&regs, 0, sizeof(regs));
	regs.r[TUNW_RSP] = (uintptr_t)stack;
	regs.valid = TUNW_BIT(TUNW_RSP);
	memset(&stk, 0, sizeof(stk));
	stk.lo = (uintptr_t)stack;
	stk.hi = stk.lo + words * 8;
	stk.fast_span = words ? words * 8 - 7 : 0;
	tunw_expr_eval(lo, cfi_len, &regs, &stk, &stk.lo, &v);
out:
	free(seg);
	free(stack);
	return 0;
}
