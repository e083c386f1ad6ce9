/*
 * unwind_cfi.c - finding the FDE of a PC through an object's
 * .eh_frame_hdr search table, and running its CIE's and its own CFA
 * programs up to the PC (DWARF 5 section 6.4 as .eh_frame uses it:
 * Linux Standard Base, "Exception Frames").
 *
 * Every read goes through a cursor bounded by a segment that the snapshot
 * recorded as mapped and readable, so malformed CFI ends in an error,
 * never in a fault. Nothing here allocates: the handler runs it on a
 * cache miss.
 */
#include "unwind_internal.h"

#include <string.h>

/* DW_EH_PE_*: the low nibble is the format, the high one how it applies. */
enum {
	PE_ABSPTR = 0x00,
	PE_ULEB128 = 0x01,
	PE_UDATA2 = 0x02,
	PE_UDATA4 = 0x03,
	PE_UDATA8 = 0x04,
	PE_SLEB128 = 0x09,
	PE_SDATA2 = 0x0a,
	PE_SDATA4 = 0x0b,
	PE_SDATA8 = 0x0c,
	PE_PCREL = 0x10,
	PE_DATAREL = 0x30,
	PE_INDIRECT = 0x80,
	PE_OMIT = 0xff,
};

/* DW_CFA_* with an operand in the low six bits, then the others. */
enum {
	CFA_ADVANCE_LOC = 0x40,
	CFA_OFFSET = 0x80,
	CFA_RESTORE = 0xc0,
	CFA_NOP = 0x00,
	CFA_SET_LOC = 0x01,
	CFA_ADVANCE_LOC1 = 0x02,
	CFA_ADVANCE_LOC2 = 0x03,
	CFA_ADVANCE_LOC4 = 0x04,
	CFA_OFFSET_EXTENDED = 0x05,
	CFA_RESTORE_EXTENDED = 0x06,
	CFA_UNDEFINED = 0x07,
	CFA_SAME_VALUE = 0x08,
	CFA_REGISTER = 0x09,
	CFA_REMEMBER_STATE = 0x0a,
	CFA_RESTORE_STATE = 0x0b,
	CFA_DEF_CFA = 0x0c,
	CFA_DEF_CFA_REGISTER = 0x0d,
	CFA_DEF_CFA_OFFSET = 0x0e,
	CFA_DEF_CFA_EXPRESSION = 0x0f,
	CFA_EXPRESSION = 0x10,
	CFA_OFFSET_EXTENDED_SF = 0x11,
	CFA_DEF_CFA_SF = 0x12,
	CFA_DEF_CFA_OFFSET_SF = 0x13,
	CFA_VAL_OFFSET = 0x14,
	CFA_VAL_OFFSET_SF = 0x15,
	CFA_VAL_EXPRESSION = 0x16,
	CFA_GNU_ARGS_SIZE = 0x2e,
	CFA_GNU_NEGATIVE_OFFSET_EXTENDED = 0x2f,
};

/* Depth of DW_CFA_remember_state; compilers nest it once or twice. */
#define REMEMBER_DEPTH 8

bool tunw_cur_uleb(struct tunw_cur *c, uint64_t *v)
{
	uint64_t r = 0;
	unsigned int shift = 0;
	uint8_t b;

	do {
		if (!tunw_cur_u8(c, &b) || shift > 63)
			return false;
		r |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	*v = r;
	return true;
}

bool tunw_cur_sleb(struct tunw_cur *c, int64_t *v)
{
	uint64_t r = 0;
	unsigned int shift = 0;
	uint8_t b;

	do {
		if (!tunw_cur_u8(c, &b) || shift > 63)
			return false;
		r |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		r |= ~(uint64_t)0 << shift;
	*v = (int64_t)r;
	return true;
}

/* Reads the value part of an encoded pointer. */
static int read_format(struct tunw_cur *c, uint8_t fmt, uint64_t *v)
{
	int64_t s;

	switch (fmt) {
	case PE_ABSPTR:
	case PE_UDATA8:
	case PE_SDATA8:
		return tunw_cur_fixed(c, 8, v) ? 0 : -1;
	case PE_UDATA4:
		return tunw_cur_fixed(c, 4, v) ? 0 : -1;
	case PE_SDATA4:
		if (!tunw_cur_fixed(c, 4, v))
			return -1;
		*v = (uint64_t)(int64_t)(int32_t)(uint32_t)*v;
		return 0;
	case PE_UDATA2:
		return tunw_cur_fixed(c, 2, v) ? 0 : -1;
	case PE_SDATA2:
		if (!tunw_cur_fixed(c, 2, v))
			return -1;
		*v = (uint64_t)(int64_t)(int16_t)(uint16_t)*v;
		return 0;
	case PE_ULEB128:
		return tunw_cur_uleb(c, v) ? 0 : -1;
	case PE_SLEB128:
		if (!tunw_cur_sleb(c, &s))
			return -1;
		*v = (uint64_t)s;
		return 0;
	default:
		return -1;
	}
}

int tunw_read_encoded(struct tunw_cur *c, uint8_t enc, uint64_t data_base,
		      const struct tunw_module *m, uint64_t *out)
{
	uint64_t field = c->p, v;
	const struct tunw_span *seg;

	if (enc == PE_OMIT || read_format(c, enc & 0x0f, &v) < 0)
		return -1;

	/* textrel, funcrel and aligned have no use on x86_64 GNU/Linux. */
	switch (enc & 0x70) {
	case 0:
		break;
	case PE_PCREL:
		v += field;
		break;
	case PE_DATAREL:
		v += data_base;
		break;
	default:
		return -1;
	}

	if (enc & PE_INDIRECT) {
		seg = m ? tunw_module_segment(m, v) : NULL;
		if (!seg || seg->hi - v < 8)
			return -1;
		v = *(const tunw_u64u *)v;
	}
	*out = v;
	return 0;
}

/* Bytes of one field of a binary-search table entry; 0 if not fixed. */
static unsigned int table_field_size(uint8_t enc)
{
	if (enc & PE_INDIRECT)
		return 0;
	switch (enc & 0x70) {
	case 0:
	case PE_PCREL:
	case PE_DATAREL:
		break;
	default:
		return 0;
	}
	switch (enc & 0x0f) {
	case PE_UDATA2:
	case PE_SDATA2:
		return 2;
	case PE_UDATA4:
	case PE_SDATA4:
		return 4;
	case PE_ABSPTR:
	case PE_UDATA8:
	case PE_SDATA8:
		return 8;
	default:
		return 0;
	}
}

int tunw_cfi_parse_hdr(struct tunw_module *m, uint64_t hdr,
		       const struct tunw_span *seg)
{
	struct tunw_cur c = {hdr, seg->hi};
	uint8_t version, ptr_enc, count_enc, table_enc;
	uint64_t eh_frame, count;
	unsigned int size;

	m->fde_count = 0;
	if (!tunw_cur_u8(&c, &version) || version != 1 ||
	    !tunw_cur_u8(&c, &ptr_enc) || !tunw_cur_u8(&c, &count_enc) ||
	    !tunw_cur_u8(&c, &table_enc))
		return -1;
	if (tunw_read_encoded(&c, ptr_enc, hdr, m, &eh_frame) < 0 ||
	    tunw_read_encoded(&c, count_enc, hdr, m, &count) < 0)
		return -1;

	/* Without a fixed-size table there is nothing to search. */
	size = table_field_size(table_enc);
	if (!size || count == 0 || count > (c.end - c.p) / (2 * size))
		return -1;
	m->hdr = hdr;
	m->table = c.p;
	m->fde_count = count;
	m->table_enc = table_enc;
	m->field_size = (uint8_t)size;
	return 0;
}

/* Decodes field `which` (0: location, 1: FDE) of table entry i. */
static int table_field(const struct tunw_module *m, uint64_t i, int which,
		       uint64_t *v)
{
	uint64_t at = m->table + (2 * i + which) * m->field_size;
	struct tunw_cur c = {at, at + m->field_size};

	return tunw_read_encoded(&c, m->table_enc, m->hdr, NULL, v);
}

int tunw_cfi_find(const struct tunw_module *m, uint64_t pc,
		  struct tunw_fde *out)
{
	uint64_t lo = 0, hi = m->fde_count, mid, loc, fde;
	const struct tunw_span *seg;

	/* The last entry whose initial location is at or below pc. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (table_field(m, mid, 0, &loc) < 0)
			return -2;
		if (loc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	if (table_field(m, lo - 1, 1, &fde) < 0)
		return -2;

	seg = tunw_module_segment(m, fde);
	if (!seg)
		return -2;
	if (tunw_cfi_parse_fde(fde, seg, m->hdr, m, out) < 0)
		return -2;
	if (pc < out->pc_begin || pc >= out->pc_end)
		return -1;
	return 0;
}

/* Reads an entry's length and sets c->end to the entry's end. In
 * .eh_frame a 64-bit length changes nothing else: the CIE id and the CIE
 * pointer stay 4 bytes. */
static int read_length(struct tunw_cur *c, const struct tunw_span *seg)
{
	uint64_t len;

	if (!tunw_cur_fixed(c, 4, &len) || len == 0)
		return -1;
	if (len == 0xffffffffu && !tunw_cur_fixed(c, 8, &len))
		return -1;
	if (len > seg->hi - c->p)
		return -1;
	c->end = c->p + len;
	return 0;
}

/* Parses the augmentation data of a CIE whose string is aug ("z..."). */
static int parse_cie_aug(struct tunw_cur *c, const char *aug,
			 struct tunw_fde *out)
{
	uint64_t len, skip;
	struct tunw_cur data;
	uint8_t enc;

	if (!tunw_cur_uleb(c, &len) || len > c->end - c->p)
		return -1;
	data.p = c->p;
	data.end = c->p + len;
	c->p = data.end;

	/* Unknown letters end the walk: 'z' lets the rest be skipped. */
	for (aug++; *aug; aug++) {
		if (*aug == 'R') {
			if (!tunw_cur_u8(&data, &out->fde_enc))
				return -1;
		} else if (*aug == 'P') {
			if (!tunw_cur_u8(&data, &enc) ||
			    tunw_read_encoded(&data, enc & 0x7f, 0, NULL,
					      &skip) < 0)
				return -1;
		} else if (*aug == 'L') {
			if (!tunw_cur_u8(&data, &enc))
				return -1;
		} else if (*aug == 'S') {
			out->signal = true;
		} else if (*aug != 'B' && *aug != 'G') {
			break;
		}
	}
	return 0;
}

/* Parses the CIE at cie, filling the CIE half of out. Returns 1 when it
 * has augmentation data ('z'), 0 when not, -1 when malformed. */
static int parse_cie(uint64_t cie, const struct tunw_span *seg,
		     struct tunw_fde *out)
{
	struct tunw_cur c = {cie, seg->hi};
	uint64_t id, ra;
	uint8_t version, ch, skip;
	char aug[8];
	size_t n = 0;

	if (read_length(&c, seg) < 0 || !tunw_cur_fixed(&c, 4, &id) ||
	    id != 0 || !tunw_cur_u8(&c, &version) ||
	    (version != 1 && version != 3 && version != 4))
		return -1;
	do {
		if (!tunw_cur_u8(&c, &ch) || n == sizeof(aug))
			return -1;
		aug[n++] = (char)ch;
	} while (ch);

	/* Version 4 adds address and segment selector sizes. */
	if (version == 4 &&
	    (!tunw_cur_u8(&c, &skip) || !tunw_cur_u8(&c, &skip)))
		return -1;
	if (!tunw_cur_uleb(&c, &out->code_align) ||
	    !tunw_cur_sleb(&c, &out->data_align))
		return -1;
	if (version == 1) {
		if (!tunw_cur_u8(&c, &ch))
			return -1;
		ra = ch;
	} else if (!tunw_cur_uleb(&c, &ra)) {
		return -1;
	}
	if (ra >= TUNW_NREGS)
		return -1;
	out->ra_reg = (uint8_t)ra;

	out->fde_enc = PE_ABSPTR;
	out->signal = false;
	if (aug[0] == 'z') {
		if (parse_cie_aug(&c, aug, out) < 0)
			return -1;
	} else if (aug[0] != '\0') {
		return -1; /* "eh" and friends: layout unknown */
	}
	out->cie_insns = c;
	return aug[0] == 'z' ? 1 : 0;
}

int tunw_cfi_parse_fde(uint64_t fde, const struct tunw_span *seg,
		       uint64_t data_base, const struct tunw_module *m,
		       struct tunw_fde *out)
{
	struct tunw_cur c = {fde, seg->hi};
	uint64_t field, cie_off, range, aug_len;
	int has_z;

	if (fde < seg->lo || fde >= seg->hi || read_length(&c, seg) < 0)
		return -2;
	field = c.p;
	if (!tunw_cur_fixed(&c, 4, &cie_off) || cie_off == 0 ||
	    cie_off > field - seg->lo)
		return -2;
	has_z = parse_cie(field - cie_off, seg, out);
	if (has_z < 0)
		return -2;

	/* The range has the format of the start but applies to nothing. */
	if (tunw_read_encoded(&c, out->fde_enc, data_base, m, &out->pc_begin) <
		0 ||
	    tunw_read_encoded(&c, out->fde_enc & 0x0f, 0, NULL, &range) < 0 ||
	    range > UINT64_MAX - out->pc_begin)
		return -2;
	out->pc_end = out->pc_begin + range;
	if (has_z) {
		if (!tunw_cur_uleb(&c, &aug_len) || aug_len > c.end - c.p)
			return -2;
		c.p += aug_len;
	}
	out->fde_insns = c;
	out->expr_base = seg->lo;
	out->data_base = data_base;
	return 0;
}

/* The state of one run of CFA programs. */
struct prog {
	const struct tunw_fde *fde;
	struct tunw_row row, init;
	struct tunw_row saved[REMEMBER_DEPTH];
	int depth;
	uint64_t loc, target;
};

/* Sets a register's rule; columns beyond the integer registers (SSE,
 * x87...) are accepted and ignored. */
static int set_rule(struct prog *g, uint64_t reg, uint8_t kind, int64_t val)
{
	struct tunw_rule *r;

	if (reg >= TUNW_NREGS)
		return 0;
	if (val < INT32_MIN || val > INT32_MAX)
		return -1;
	r = &g->row.reg[reg];
	r->kind = kind;
	r->reg = 0;
	r->len = 0;
	r->val = (int32_t)val;
	return 0;
}

/* Reads an expression block and stores it as rule r. */
static int read_block(struct prog *g, struct tunw_cur *c, struct tunw_rule *r,
		      uint8_t kind)
{
	uint64_t len, off;

	if (!tunw_cur_uleb(c, &len) || len > c->end - c->p || len > 0xffff)
		return -1;
	off = c->p - g->fde->expr_base;
	if (off > INT32_MAX)
		return -1;
	c->p += len;
	r->kind = kind;
	r->reg = 0;
	r->len = (uint16_t)len;
	r->val = (int32_t)off;
	return 0;
}

/* Moves the location; returns 1 once it passes the target PC. */
static int advance(struct prog *g, uint64_t delta)
{
	if (delta > UINT64_MAX / (g->fde->code_align | 1))
		return -1;
	delta *= g->fde->code_align;
	if (delta > g->target - g->loc)
		return 1;
	g->loc += delta;
	return 0;
}

/* Ops that define the CFA. */
static int op_cfa(struct prog *g, uint8_t op, struct tunw_cur *c)
{
	struct tunw_rule *cfa = &g->row.cfa;
	uint64_t reg, off;
	int64_t soff;

	switch (op) {
	case CFA_DEF_CFA:
	case CFA_DEF_CFA_SF:
		if (!tunw_cur_uleb(c, &reg) || reg > 255)
			return -1;
		if (op == CFA_DEF_CFA) {
			if (!tunw_cur_uleb(c, &off) || off > INT32_MAX)
				return -1;
			soff = (int64_t)off;
		} else {
			if (!tunw_cur_sleb(c, &soff) ||
			    __builtin_mul_overflow(soff, g->fde->data_align,
						   &soff))
				return -1;
		}
		cfa->kind = TUNW_R_CFA_REG;
		cfa->reg = (uint8_t)reg;
		break;
	case CFA_DEF_CFA_REGISTER:
		if (!tunw_cur_uleb(c, &reg) || reg > 255 ||
		    cfa->kind != TUNW_R_CFA_REG)
			return -1;
		cfa->reg = (uint8_t)reg;
		return 0;
	case CFA_DEF_CFA_OFFSET:
		if (!tunw_cur_uleb(c, &off) || off > INT32_MAX)
			return -1;
		soff = (int64_t)off;
		break;
	case CFA_DEF_CFA_OFFSET_SF:
		if (!tunw_cur_sleb(c, &soff) ||
		    __builtin_mul_overflow(soff, g->fde->data_align, &soff))
			return -1;
		break;
	default: /* CFA_DEF_CFA_EXPRESSION */
		return read_block(g, c, cfa, TUNW_R_CFA_EXPR);
	}
	if (cfa->kind != TUNW_R_CFA_REG || soff < INT32_MIN || soff > INT32_MAX)
		return -1;
	cfa->val = (int32_t)soff;
	return 0;
}

/* Ops that give a register a rule from an operand pair. */
static int op_reg(struct prog *g, uint8_t op, struct tunw_cur *c)
{
	uint64_t reg, uoff;
	int64_t off;
	uint8_t kind = TUNW_R_OFFSET;

	if (!tunw_cur_uleb(c, &reg))
		return -1;
	switch (op) {
	case CFA_OFFSET_EXTENDED:
	case CFA_VAL_OFFSET:
	case CFA_GNU_NEGATIVE_OFFSET_EXTENDED:
		if (!tunw_cur_uleb(c, &uoff) || uoff > INT32_MAX)
			return -1;
		off = (int64_t)uoff;
		if (op == CFA_GNU_NEGATIVE_OFFSET_EXTENDED)
			off = -off;
		break;
	default: /* the _sf variants */
		if (!tunw_cur_sleb(c, &off))
			return -1;
		break;
	}
	if (op == CFA_VAL_OFFSET || op == CFA_VAL_OFFSET_SF)
		kind = TUNW_R_VAL_OFFSET;
	if (__builtin_mul_overflow(off, g->fde->data_align, &off))
		return -1;
	return set_rule(g, reg, kind, off);
}

/* Ops on one register with at most a register operand. */
static int op_reg1(struct prog *g, uint8_t op, struct tunw_cur *c)
{
	uint64_t reg, reg2;

	if (!tunw_cur_uleb(c, &reg))
		return -1;
	switch (op) {
	case CFA_RESTORE_EXTENDED:
		if (reg < TUNW_NREGS)
			g->row.reg[reg] = g->init.reg[reg];
		return 0;
	case CFA_UNDEFINED:
		return set_rule(g, reg, TUNW_R_UNDEF, 0);
	case CFA_SAME_VALUE:
		return set_rule(g, reg, TUNW_R_SAME, 0);
	case CFA_REGISTER:
		if (!tunw_cur_uleb(c, &reg2))
			return -1;
		set_rule(g, reg, TUNW_R_REGISTER, 0);
		if (reg < TUNW_NREGS)
			g->row.reg[reg].reg = reg2 < 255 ? (uint8_t)reg2 : 255;
		return 0;
	default: /* CFA_EXPRESSION, CFA_VAL_EXPRESSION */
		if (reg >= TUNW_NREGS) {
			struct tunw_rule ignored;

			return read_block(g, c, &ignored, TUNW_R_EXPR);
		}
		return read_block(g, c, &g->row.reg[reg],
				  op == CFA_EXPRESSION ? TUNW_R_EXPR
						       : TUNW_R_VAL_EXPR);
	}
}

/* Ops that move the location. Returns 1 when past the target. */
static int op_loc(struct prog *g, uint8_t op, struct tunw_cur *c)
{
	uint64_t v;

	switch (op) {
	case CFA_ADVANCE_LOC1:
		return tunw_cur_fixed(c, 1, &v) ? advance(g, v) : -1;
	case CFA_ADVANCE_LOC2:
		return tunw_cur_fixed(c, 2, &v) ? advance(g, v) : -1;
	case CFA_ADVANCE_LOC4:
		return tunw_cur_fixed(c, 4, &v) ? advance(g, v) : -1;
	default: /* CFA_SET_LOC */
		if (tunw_read_encoded(c, g->fde->fde_enc, g->fde->data_base,
				      NULL, &v) < 0 ||
		    v < g->loc)
			return -1;
		if (v > g->target)
			return 1;
		g->loc = v;
		return 0;
	}
}

/* One op without an operand in its low bits. */
static int op_extended(struct prog *g, uint8_t op, struct tunw_cur *c)
{
	uint64_t skip;

	switch (op) {
	case CFA_NOP:
		return 0;
	case CFA_SET_LOC:
	case CFA_ADVANCE_LOC1:
	case CFA_ADVANCE_LOC2:
	case CFA_ADVANCE_LOC4:
		return op_loc(g, op, c);
	case CFA_DEF_CFA:
	case CFA_DEF_CFA_SF:
	case CFA_DEF_CFA_REGISTER:
	case CFA_DEF_CFA_OFFSET:
	case CFA_DEF_CFA_OFFSET_SF:
	case CFA_DEF_CFA_EXPRESSION:
		return op_cfa(g, op, c);
	case CFA_OFFSET_EXTENDED:
	case CFA_OFFSET_EXTENDED_SF:
	case CFA_VAL_OFFSET:
	case CFA_VAL_OFFSET_SF:
	case CFA_GNU_NEGATIVE_OFFSET_EXTENDED:
		return op_reg(g, op, c);
	case CFA_RESTORE_EXTENDED:
	case CFA_UNDEFINED:
	case CFA_SAME_VALUE:
	case CFA_REGISTER:
	case CFA_EXPRESSION:
	case CFA_VAL_EXPRESSION:
		return op_reg1(g, op, c);
	case CFA_REMEMBER_STATE:
		if (g->depth == REMEMBER_DEPTH)
			return -1;
		g->saved[g->depth++] = g->row;
		return 0;
	case CFA_RESTORE_STATE:
		if (g->depth == 0)
			return -1;
		g->row = g->saved[--g->depth];
		return 0;
	case CFA_GNU_ARGS_SIZE:
		return tunw_cur_uleb(c, &skip) ? 0 : -1;
	default:
		return -1;
	}
}

/* Runs one CFA program until its end or past the target PC. */
static int run(struct prog *g, struct tunw_cur c)
{
	uint8_t op;
	uint64_t off;
	int rc;

	while (tunw_cur_u8(&c, &op)) {
		switch (op & 0xc0) {
		case CFA_ADVANCE_LOC:
			rc = advance(g, op & 0x3f);
			break;
		case CFA_OFFSET:
			rc = -1;
			if (tunw_cur_uleb(&c, &off) && off <= INT32_MAX)
				rc =
				    set_rule(g, op & 0x3f, TUNW_R_OFFSET,
					     (int64_t)off * g->fde->data_align);
			break;
		case CFA_RESTORE:
			if ((op & 0x3f) < TUNW_NREGS)
				g->row.reg[op & 0x3f] = g->init.reg[op & 0x3f];
			rc = 0;
			break;
		default:
			rc = op_extended(g, op, &c);
			break;
		}
		if (rc)
			return rc;
	}
	return 0;
}

int tunw_cfi_run(const struct tunw_fde *fde, uint64_t pc,
		 struct tunw_rules *out)
{
	struct prog g;
	int rc;

	if (fde->data_align < -4096 || fde->data_align > 4096)
		return -2;
	memset(&g.row, 0, sizeof(g.row));
	memset(&g.init, 0, sizeof(g.init));
	g.fde = fde;
	g.depth = 0;
	g.loc = fde->pc_begin;
	g.target = pc < fde->pc_begin ? fde->pc_begin : pc;

	/* The CIE's program sets the rules DW_CFA_restore goes back to. */
	rc = run(&g, fde->cie_insns);
	if (rc < 0)
		return -2;
	g.init = g.row;
	if (rc == 0 && run(&g, fde->fde_insns) < 0)
		return -2;

	out->row = g.row;
	out->expr_base = fde->expr_base;
	out->ra_reg = fde->ra_reg;
	out->signal = fde->signal;
	return 0;
}
