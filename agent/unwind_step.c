/*
 * unwind_step.c - one step of a walk: from a frame's registers to its
 * caller's, by the frame's CFI rules.
 *
 * A step first asks the cache. On a miss it finds the module and the FDE,
 * runs the CFA program up to the PC, and, when the rules are simple,
 * packs them, caches them and applies the packed form, so that a stack
 * unwinds the same whether its rules came from the cache or not. Other
 * rules (expressions, signal frames, registers copied between columns)
 * are applied by the general path and never cached.
 *
 * After a step, registers a callee may clobber (rax, rcx, rdx, rsi, rdi,
 * r8-r11) are unknown unless the CFI restored them, as it does for a
 * signal frame; a rule that needs an unknown register stops the walk.
 */
#include "unwind_internal.h"

const uint8_t tunw_simple_regs[TUNW_SIMPLE_NSAVED] = {
    TUNW_RBX, TUNW_RBP, TUNW_R12, TUNW_R13, TUNW_R14, TUNW_R15,
};

/* The byte of a simple rule for a register saved at CFA + off. */
static bool pack_offset(const struct tunw_rule *r, uint8_t *byte)
{
	if (r->kind == TUNW_R_UNSPEC || r->kind == TUNW_R_SAME) {
		*byte = 0;
		return true;
	}
	if (r->kind != TUNW_R_OFFSET || r->val == 0 || r->val % 8 ||
	    r->val / 8 < INT8_MIN || r->val / 8 > INT8_MAX)
		return false;
	*byte = (uint8_t)(int8_t)(r->val / 8);
	return true;
}

bool tunw_simple_pack(const struct tunw_rules *rules, struct tunw_simple *out)
{
	const struct tunw_row *row = &rules->row;
	const struct tunw_rule *ra = &row->reg[TUNW_RA];
	uint64_t a, b = 0;
	uint8_t byte;
	int reg, i;

	if (rules->signal || rules->ra_reg != TUNW_RA ||
	    row->cfa.kind != TUNW_R_CFA_REG || row->cfa.reg > TUNW_R15)
		return false;
	a = row->cfa.reg | (uint64_t)(uint32_t)row->cfa.val << 32;

	/* Clobbered registers end up unknown either way; rsp is the CFA. */
	for (reg = 0; reg < TUNW_RA; reg++) {
		uint8_t kind = row->reg[reg].kind;

		if (TUNW_CALLEE_SAVED & TUNW_BIT(reg))
			continue;
		if (kind != TUNW_R_UNSPEC &&
		    (kind != TUNW_R_UNDEF || reg == TUNW_RSP))
			return false;
	}
	for (i = 0; i < TUNW_SIMPLE_NSAVED; i++) {
		if (!pack_offset(&row->reg[tunw_simple_regs[i]], &byte))
			return false;
		b |= (uint64_t)byte << (8 * i);
		if (byte)
			a |= 1ull << (TUNW_SIMPLE_SAVED_SHIFT + i);
	}

	if (ra->kind == TUNW_R_UNDEF) {
		a |= TUNW_SIMPLE_RA_UNDEF;
	} else {
		if (ra->kind != TUNW_R_OFFSET || !pack_offset(ra, &byte))
			return false;
		b |= (uint64_t)byte << (8 * TUNW_SIMPLE_RA_BYTE);
	}
	out->a = a;
	out->b = b;
	return true;
}

/*
 * Applies a simple rule. The frame's PC and rsp live in *pc and *sp
 * rather than in w->regs (whose entries for them are stale), so that
 * the hot loop keeps them in registers; the other registers are in
 * w->regs. Inline in the frame loop: this is the hot path of a sample.
 */
static inline __attribute__((always_inline)) int
simple_apply(const struct tunw_simple *r, struct tunw_walk *w, uint64_t *pc,
	     uint64_t *sp)
{
	struct tunw_regs *regs = &w->regs;
	unsigned int reg = r->a & 15, i;
	uint32_t saved = (r->a >> TUNW_SIMPLE_SAVED_SHIFT) & 0x3f;
	uint32_t loaded = 0;
	uint64_t cfa, ra, v;
	int8_t off;

	if (reg == TUNW_RSP)
		cfa = *sp;
	else if (regs->valid & TUNW_BIT(reg))
		cfa = regs->r[reg];
	else
		return TUNW_STEP_BAD_RULE;
	cfa += (uint64_t)(int64_t)(int32_t)(r->a >> 32);
	/* A caller's frame lies above its callee's: no loops. */
	if (cfa <= *sp)
		return TUNW_STEP_BAD_RULE;
	if (r->a & TUNW_SIMPLE_RA_UNDEF)
		return TUNW_STEP_END;

	off = (int8_t)(r->b >> (8 * TUNW_SIMPLE_RA_BYTE));
	if (tunw_stack_read(&w->stk, cfa + (uint64_t)(off * 8), 8, &ra) < 0)
		return TUNW_STEP_BAD_READ;
	while (saved) {
		i = (unsigned int)__builtin_ctz(saved);
		saved &= saved - 1;
		off = (int8_t)(r->b >> (8 * i));
		if (tunw_stack_read(&w->stk, cfa + (uint64_t)(off * 8), 8, &v) <
		    0)
			return TUNW_STEP_BAD_READ;
		regs->r[tunw_simple_regs[i]] = v;
		loaded |= TUNW_BIT(tunw_simple_regs[i]);
	}

	regs->valid = (regs->valid & TUNW_CALLEE_SAVED) | loaded |
		      TUNW_BIT(TUNW_RSP) | TUNW_BIT(TUNW_RA);
	*sp = cfa;
	*pc = ra;
	w->exact = false;
	return TUNW_STEP_OK;
}

/* Evaluates the CFA rule against the callee's registers. */
static int eval_cfa(const struct tunw_rules *rules, const struct tunw_regs *old,
		    struct tunw_stack *stk, uint64_t *cfa)
{
	const struct tunw_rule *c = &rules->row.cfa;

	if (c->kind == TUNW_R_CFA_REG) {
		if (c->reg >= TUNW_NREGS || !(old->valid & TUNW_BIT(c->reg)))
			return TUNW_STEP_BAD_RULE;
		*cfa = old->r[c->reg] + (uint64_t)(int64_t)c->val;
		return 0;
	}
	if (c->kind != TUNW_R_CFA_EXPR ||
	    tunw_expr_eval(rules->expr_base + (uint32_t)c->val, c->len, old,
			   stk, NULL, cfa) < 0)
		return TUNW_STEP_BAD_RULE;
	return 0;
}

/* Recovers one register of the caller; *known is false when the rule
 * leaves it unknown. */
static int recover(const struct tunw_rules *rules, int reg,
		   const struct tunw_regs *old, uint64_t cfa,
		   struct tunw_stack *stk, uint64_t *v, bool *known)
{
	const struct tunw_rule *r = &rules->row.reg[reg];
	uint64_t addr = cfa + (uint64_t)(int64_t)r->val;

	*known = true;
	switch (r->kind) {
	case TUNW_R_UNSPEC:
	case TUNW_R_SAME:
		if (r->kind == TUNW_R_UNSPEC &&
		    !(TUNW_CALLEE_SAVED & TUNW_BIT(reg)))
			break;
		*v = old->r[reg];
		*known = (old->valid & TUNW_BIT(reg)) != 0;
		return 0;
	case TUNW_R_OFFSET:
		return tunw_stack_read(stk, addr, 8, v) < 0 ? TUNW_STEP_BAD_READ
							    : 0;
	case TUNW_R_VAL_OFFSET:
		*v = addr;
		return 0;
	case TUNW_R_REGISTER:
		if (r->reg >= TUNW_NREGS)
			break;
		*v = old->r[r->reg];
		*known = (old->valid & TUNW_BIT(r->reg)) != 0;
		return 0;
	case TUNW_R_EXPR:
	case TUNW_R_VAL_EXPR:
		if (tunw_expr_eval(rules->expr_base + (uint32_t)r->val, r->len,
				   old, stk, &cfa, &addr) < 0)
			return TUNW_STEP_BAD_RULE;
		if (r->kind == TUNW_R_VAL_EXPR) {
			*v = addr;
			return 0;
		}
		return tunw_stack_read(stk, addr, 8, v) < 0 ? TUNW_STEP_BAD_READ
							    : 0;
	}
	*known = false;
	return 0;
}

int tunw_rules_apply(const struct tunw_rules *rules, struct tunw_walk *w)
{
	const struct tunw_regs old = w->regs;
	struct tunw_regs *regs = &w->regs;
	uint64_t cfa, v;
	bool known;
	int reg, rc;

	if (rules->ra_reg != TUNW_RA)
		return TUNW_STEP_BAD_RULE;
	rc = eval_cfa(rules, &old, &w->stk, &cfa);
	if (rc)
		return rc;
	/* A signal frame may switch stacks (sigaltstack); others go up. */
	if (!rules->signal && cfa <= old.r[TUNW_RSP])
		return TUNW_STEP_BAD_RULE;
	if (rules->row.reg[TUNW_RA].kind == TUNW_R_UNDEF)
		return TUNW_STEP_END;

	regs->valid = 0;
	for (reg = 0; reg < TUNW_NREGS; reg++) {
		rc = recover(rules, reg, &old, cfa, &w->stk, &v, &known);
		if (rc)
			return rc;
		if (known) {
			regs->r[reg] = v;
			regs->valid |= TUNW_BIT(reg);
		}
	}
	if (rules->row.reg[TUNW_RSP].kind == TUNW_R_UNSPEC) {
		regs->r[TUNW_RSP] = cfa;
		regs->valid |= TUNW_BIT(TUNW_RSP);
	}
	if (!(regs->valid & TUNW_BIT(TUNW_RA)) ||
	    !(regs->valid & TUNW_BIT(TUNW_RSP)))
		return TUNW_STEP_BAD_RULE;

	/* Out of a handler on an alternate stack: bound the one below. */
	if (rules->signal &&
	    (regs->r[TUNW_RSP] < w->stk.lo || regs->r[TUNW_RSP] >= w->stk.hi))
		tunw_stack_open(&w->stk, w->snap, regs->r[TUNW_RSP]);
	w->exact = rules->signal;
	return TUNW_STEP_OK;
}

/* The cache missed: decode the rules from the CFI. w->regs is
 * complete (pc and rsp included) on entry and on return. */
static __attribute__((noinline)) int step_decode(struct tunw_walk *w,
						 uint64_t pc)
{
	const struct tunw_module *m;
	struct tunw_fde fde;
	struct tunw_rules rules;
	struct tunw_simple simple;
	int rc;

	m = tunw_snapshot_module(w->snap, pc);
	if (!m)
		return TUNW_STEP_NO_MODULE;
	if (!m->fde_count)
		return TUNW_STEP_NO_FDE;
	rc = tunw_cfi_find(m, pc, &fde);
	if (rc == -1)
		return TUNW_STEP_NO_FDE;
	if (rc < 0 || tunw_cfi_run(&fde, pc, &rules) < 0)
		return TUNW_STEP_BAD_RULE;

	if (!tunw_simple_pack(&rules, &simple))
		return tunw_rules_apply(&rules, w);
	tunw_cache_put(pc, w->snap->gen, &simple);
	return simple_apply(&simple, w, &w->regs.r[TUNW_RA],
			    &w->regs.r[TUNW_RSP]);
}

int tunw_walk_frames(struct tunw_walk *w, uint64_t *pcs, int max, int skip,
		     int *why)
{
	uint32_t gen = w->snap ? w->snap->gen : 0;
	uint64_t pc = w->regs.r[TUNW_RA], sp = w->regs.r[TUNW_RSP], key;
	struct tunw_simple simple;
	int n = 0, rc = TUNW_STEP_OK;

	while (pc != 0) {
		if (skip > 0) {
			skip--;
		} else {
			pcs[n++] = pc;
			if (n == max)
				break;
		}
		if (!w->snap)
			break;

		/* A return address may follow a call that ends its
		 * function: look up the call instruction instead. */
		key = w->exact ? pc : pc - 1;
		if (tunw_cache_get(key, gen, &simple)) {
			w->hits++;
			rc = simple_apply(&simple, w, &pc, &sp);
		} else {
			w->misses++;
			w->regs.r[TUNW_RA] = pc;
			w->regs.r[TUNW_RSP] = sp;
			rc = step_decode(w, key);
			pc = w->regs.r[TUNW_RA];
			sp = w->regs.r[TUNW_RSP];
		}
		if (rc != TUNW_STEP_OK)
			break;
	}
	w->regs.r[TUNW_RA] = pc;
	w->regs.r[TUNW_RSP] = sp;
	*why = rc;
	return n;
}
