/*
 * unwind_internal.h - what the files of the unwinder share: registers,
 * the module snapshot, CFI rows, the rule cache and bounded stack reads.
 *
 * unwind.c        lifecycle, snapshot publication and entry points
 * unwind_step.c   the frame loop: rules from the cache or the CFI, applied
 * unwind_cfi.c    .eh_frame_hdr search, CIE/FDE parsing, CFA programs
 * unwind_expr.c   the DWARF expression evaluator
 * unwind_cache.c  the lock-free per-PC cache of simple rules
 * unwind_stack.c  stack bounds of a thread and reads within them
 * unwind_snapshot.c  loaded objects and writable mappings, published
 *                    for handlers
 */
#ifndef TRIAGE_AGENT_UNWIND_INTERNAL_H
#define TRIAGE_AGENT_UNWIND_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "unwind.h"

/* DWARF register numbers of x86_64; 16 is the return address column. */
enum {
	TUNW_RAX,
	TUNW_RDX,
	TUNW_RCX,
	TUNW_RBX,
	TUNW_RSI,
	TUNW_RDI,
	TUNW_RBP,
	TUNW_RSP,
	TUNW_R8,
	TUNW_R9,
	TUNW_R10,
	TUNW_R11,
	TUNW_R12,
	TUNW_R13,
	TUNW_R14,
	TUNW_R15,
	TUNW_RA,
	TUNW_NREGS
};

#define TUNW_BIT(r) (1u << (r))
/* Registers a callee must preserve (rsp is handled as the CFA). */
#define TUNW_CALLEE_SAVED                                                      \
	(TUNW_BIT(TUNW_RBX) | TUNW_BIT(TUNW_RBP) | TUNW_BIT(TUNW_R12) |        \
	 TUNW_BIT(TUNW_R13) | TUNW_BIT(TUNW_R14) | TUNW_BIT(TUNW_R15))

/* The registers of one frame; r[TUNW_RA] is the frame's PC. A register
 * whose bit is clear in `valid` is unknown and must not be used. */
struct tunw_regs {
	uint64_t r[TUNW_NREGS];
	uint32_t valid;
};

/* A byte range [lo, hi) of the address space. */
struct tunw_span {
	uint64_t lo, hi;
};

/* Unaligned loads from an address held in an integer. */
typedef uint64_t tunw_u64u __attribute__((aligned(1), may_alias));
typedef uint32_t tunw_u32u __attribute__((aligned(1), may_alias));
typedef uint16_t tunw_u16u __attribute__((aligned(1), may_alias));

/* ---- module snapshot (unwind_snapshot.c) ---- */

#define TUNW_MAX_SEGS 8

/* One loaded object's unwind tables, as found by tunw_refresh(). */
struct tunw_module {
	uint64_t hdr;	    /* .eh_frame_hdr */
	uint64_t table;	    /* its sorted (initial location, FDE) pairs */
	uint64_t fde_count; /* 0 when the object has no usable table */
	uint8_t table_enc;  /* DW_EH_PE_* of the pairs' fields */
	uint8_t field_size; /* bytes of one field of a pair */
	uint8_t nsegs;
	struct tunw_span segs[TUNW_MAX_SEGS]; /* readable PT_LOADs */
};

/* An executable range of a module; sorted and disjoint in a snapshot. */
struct tunw_range {
	uint64_t lo, hi;
	uint32_t mod;
};

struct tunw_snapshot {
	uint32_t gen;	 /* changes when the set of modules may have changed */
	uint32_t serial; /* changes with every snapshot */
	unsigned long long adds, subs; /* dl_iterate_phdr's counters */
	uint32_t nmods, nranges, nmaps;
	struct tunw_module *mods;
	struct tunw_range *ranges;
	struct tunw_span *maps; /* writable mappings, sorted, merged */
	struct tunw_snapshot *retired_next;
};

/* Builds a snapshot; `prev` (may be NULL) lends its generation when the
 * modules are unchanged. Outside signal context. NULL when out of
 * memory. */
struct tunw_snapshot *tunw_snapshot_build(const struct tunw_snapshot *prev);
void tunw_snapshot_free(struct tunw_snapshot *s);
/* Reads dl_iterate_phdr's load and unload counters. */
void tunw_snapshot_counters(unsigned long long *adds, unsigned long long *subs);

/* The module whose executable range holds pc, or NULL. */
const struct tunw_module *tunw_snapshot_module(const struct tunw_snapshot *s,
					       uint64_t pc);
/* The writable mapping holding addr, into *out; false when none. */
bool tunw_snapshot_mapping(const struct tunw_snapshot *s, uint64_t addr,
			   struct tunw_span *out);
/* The readable segment of m holding addr, or NULL. */
const struct tunw_span *tunw_module_segment(const struct tunw_module *m,
					    uint64_t addr);

/* ---- CFI (unwind_cfi.c) ---- */

/* A bounded cursor over memory the caller knows to be readable. */
struct tunw_cur {
	uint64_t p, end;
};

/* The parts of an FDE and its CIE that the CFA program needs. */
struct tunw_fde {
	uint64_t pc_begin, pc_end;
	struct tunw_cur cie_insns, fde_insns;
	uint64_t code_align;
	int64_t data_align;
	uint64_t expr_base; /* expression blocks are at expr_base + offset */
	uint64_t data_base; /* base of DW_EH_PE_datarel */
	uint8_t ra_reg;
	uint8_t fde_enc;
	bool signal; /* 'S': the caller's PC is exact, not a return address */
};

enum tunw_rule_kind {
	TUNW_R_UNSPEC,	   /* no rule: callee-saved keep, others unknown */
	TUNW_R_UNDEF,	   /* undefined (for the RA: outermost frame) */
	TUNW_R_SAME,	   /* same value */
	TUNW_R_OFFSET,	   /* saved at CFA + val */
	TUNW_R_VAL_OFFSET, /* value is CFA + val */
	TUNW_R_REGISTER,   /* value is in register `reg` */
	TUNW_R_EXPR,	   /* saved at the address an expression computes */
	TUNW_R_VAL_EXPR,   /* value is what an expression computes */
	TUNW_R_CFA_REG,	   /* CFA = reg + val */
	TUNW_R_CFA_EXPR,   /* CFA = what an expression computes */
};

/* One rule, packed small because remember_state keeps copies on the
 * handler's stack. Expressions are (val, len) relative to expr_base. */
struct tunw_rule {
	uint8_t kind;
	uint8_t reg;
	uint16_t len;
	int32_t val;
};

struct tunw_row {
	struct tunw_rule cfa;
	struct tunw_rule reg[TUNW_NREGS];
};

/* The row of the CFI table that holds at one PC. */
struct tunw_rules {
	struct tunw_row row;
	uint64_t expr_base;
	uint8_t ra_reg;
	bool signal;
};

/* Reads one byte; false at the end. */
static inline bool tunw_cur_u8(struct tunw_cur *c, uint8_t *v)
{
	if (c->p >= c->end)
		return false;
	*v = *(const uint8_t *)c->p;
	c->p++;
	return true;
}

/* Reads a little-endian unsigned of n (1, 2, 4 or 8) bytes. */
static inline bool tunw_cur_fixed(struct tunw_cur *c, unsigned int n,
				  uint64_t *v)
{
	if (c->p >= c->end || c->end - c->p < n)
		return false;
	if (n == 8)
		*v = *(const tunw_u64u *)c->p;
	else if (n == 4)
		*v = *(const tunw_u32u *)c->p;
	else if (n == 2)
		*v = *(const tunw_u16u *)c->p;
	else if (n == 1)
		*v = *(const uint8_t *)c->p;
	else
		return false;
	c->p += n;
	return true;
}

bool tunw_cur_uleb(struct tunw_cur *c, uint64_t *v);
bool tunw_cur_sleb(struct tunw_cur *c, int64_t *v);

/* Reads a DW_EH_PE_* encoded pointer at c; datarel is relative to
 * data_base. An indirect pointer is followed only within m's segments
 * (m may be NULL: then it is malformed). 0, or -1 when malformed. */
int tunw_read_encoded(struct tunw_cur *c, uint8_t enc, uint64_t data_base,
		      const struct tunw_module *m, uint64_t *out);

/* Parses an .eh_frame_hdr at hdr, bounded by seg, into m's table fields.
 * 0, or -1 when it has no usable search table. Outside signal context
 * or on memory the caller owns. */
int tunw_cfi_parse_hdr(struct tunw_module *m, uint64_t hdr,
		       const struct tunw_span *seg);

/* Finds and parses the FDE of m covering pc. 0, -1 when there is none,
 * -2 when the CFI is malformed. */
int tunw_cfi_find(const struct tunw_module *m, uint64_t pc,
		  struct tunw_fde *out);

/* Parses the FDE at address fde (and its CIE) within seg; m (may be
 * NULL) bounds indirect pointers. 0 or -2. */
int tunw_cfi_parse_fde(uint64_t fde, const struct tunw_span *seg,
		       uint64_t data_base, const struct tunw_module *m,
		       struct tunw_fde *out);

/* Runs the CIE's and the FDE's CFA programs up to pc. 0 or -2. */
int tunw_cfi_run(const struct tunw_fde *fde, uint64_t pc,
		 struct tunw_rules *out);

/* ---- stack bounds and reads (unwind_stack.c) ---- */

#define TUNW_RED_ZONE 128
#define TUNW_WINDOW 256

/* Where a walk may read the stack: [lo, hi) directly, or (slow) any
 * address through process_vm_readv, which cannot fault. */
struct tunw_stack {
	uint64_t lo, hi;
	/* Direct 8-byte reads may start in [lo, lo + fast_span): the one
	 * compare of the hot path. 0 in slow mode. */
	uint64_t fast_span;
	bool slow;
	uint32_t slow_reads;
	uint64_t win_addr; /* slow mode: a window read ahead */
	uint32_t win_len;
	unsigned char win[TUNW_WINDOW];
};

/* Sets the bounds for a walk starting at rsp. Async-signal-safe. */
void tunw_stack_open(struct tunw_stack *s, const struct tunw_snapshot *snap,
		     uint64_t rsp);
/* Reads n (1, 2, 4 or 8) bytes at addr, zero-extended, directly or
 * through process_vm_readv. 0, or -1 when out of bounds or unreadable. */
int tunw_stack_read_any(struct tunw_stack *s, uint64_t addr, size_t n,
			uint64_t *out);
/* Set by a handler that met an unknown stack; cleared by a refresh. */
extern int tunw_maps_wanted;

/* Reads n bytes of the stack at addr; the 8-byte direct read inline. */
__attribute__((no_sanitize("address"))) static inline int
tunw_stack_read(struct tunw_stack *s, uint64_t addr, size_t n, uint64_t *out)
{
	if (__builtin_expect(n == 8 && addr - s->lo < s->fast_span, 1)) {
		*out = *(const volatile tunw_u64u *)addr;
		return 0;
	}
	return tunw_stack_read_any(s, addr, n, out);
}

/* ---- expressions (unwind_expr.c) ---- */

/* Evaluates the DWARF expression [p, p + len) with regs as the frame's
 * registers; push_first seeds the stack (the CFA for DW_CFA_expression).
 * Memory reads go through stk. 0, or -1 when unsupported or failing. */
int tunw_expr_eval(uint64_t p, size_t len, const struct tunw_regs *regs,
		   struct tunw_stack *stk, const uint64_t *push_first,
		   uint64_t *out);

/* ---- per-PC cache of simple rules (unwind_cache.c) ---- */

/*
 * A frame whose rules fit "CFA = reg + off; RA and the callee-saved
 * registers saved at small multiples of 8 from the CFA or unchanged".
 * a: bits 0-3 the CFA register, bit 4 RA undefined (outermost frame),
 *    bits 8-13 which of tunw_simple_regs[] are saved,
 *    bits 32-63 the CFA offset (signed).
 * b: one byte per register of tunw_simple_regs[], then the RA: the
 *    signed offset from the CFA / 8, or 0 for unchanged.
 */
struct tunw_simple {
	uint64_t a, b;
};

#define TUNW_SIMPLE_RA_UNDEF 0x10u
#define TUNW_SIMPLE_SAVED_SHIFT 8
#define TUNW_SIMPLE_NSAVED 6
#define TUNW_SIMPLE_RA_BYTE 6
extern const uint8_t tunw_simple_regs[TUNW_SIMPLE_NSAVED];

#define TUNW_CACHE_SLOTS 16384u /* 512 KiB */
#define TUNW_CACHE_PROBES 4

struct tunw_slot {
	uint32_t seq; /* odd while being written */
	uint32_t gen;
	uint64_t pc;
	uint64_t a, b;
};

extern struct tunw_slot *tunw_cache_slots;

int tunw_cache_create(void);
void tunw_cache_destroy(void);
/* Stores a rule; gives up silently when the slot is busy. */
void tunw_cache_put(uint64_t pc, uint32_t gen, const struct tunw_simple *r);

/* The PC's slot (2^14 of them). Code addresses are dense and their low
 * bits vary most, so folding is enough, and shorter than a multiply on
 * the path from one frame's return address to the next frame's rule. */
static inline uint32_t tunw_cache_index(uint64_t pc)
{
	return (uint32_t)(pc ^ (pc >> 14) ^ (pc >> 28)) &
	       (TUNW_CACHE_SLOTS - 1);
}

/* Looks pc up for snapshot generation gen. Lock-free; false on a miss
 * or when the slot is being written. Inline: it runs once per frame. */
static inline bool tunw_cache_get(uint64_t pc, uint32_t gen,
				  struct tunw_simple *out)
{
	struct tunw_slot *tab, *s;
	uint32_t h, seq, g, i;
	uint64_t a, b;

	tab = __atomic_load_n(&tunw_cache_slots, __ATOMIC_ACQUIRE);
	if (!tab)
		return false;
	h = tunw_cache_index(pc);
	for (i = 0; i < TUNW_CACHE_PROBES; i++) {
		s = &tab[(h + i) & (TUNW_CACHE_SLOTS - 1)];
		seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		if ((seq & 1) ||
		    __atomic_load_n(&s->pc, __ATOMIC_RELAXED) != pc)
			continue;
		g = __atomic_load_n(&s->gen, __ATOMIC_RELAXED);
		a = __atomic_load_n(&s->a, __ATOMIC_RELAXED);
		b = __atomic_load_n(&s->b, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq ||
		    g != gen)
			return false;
		out->a = a;
		out->b = b;
		return true;
	}
	return false;
}

/* ---- one frame step (unwind_step.c) ---- */

enum tunw_step_result {
	TUNW_STEP_OK = 0,
	TUNW_STEP_END = 1, /* the outermost frame: no caller */
	TUNW_STEP_NO_MODULE = -1,
	TUNW_STEP_NO_FDE = -2,
	TUNW_STEP_BAD_RULE = -3,
	TUNW_STEP_BAD_READ = -4,
};

/* The state of one walk over one stack. */
struct tunw_walk {
	const struct tunw_snapshot *snap;
	struct tunw_stack stk;
	struct tunw_regs regs;
	bool exact; /* look the PC up as is (frame 0, after a signal) */
	uint32_t hits, misses;
};

/*
 * Walks from w->regs: stores each frame's PC into pcs (after skipping
 * `skip` frames, at most max) and steps to its caller, until the
 * outermost frame or a stop. Returns the number stored; *why gets the
 * last step's result.
 */
int tunw_walk_frames(struct tunw_walk *w, uint64_t *pcs, int max, int skip,
		     int *why);
/* Packs rules into a simple rule when they fit. */
bool tunw_simple_pack(const struct tunw_rules *rules, struct tunw_simple *out);
/* Applies general rules: replaces w->regs by the caller's registers. */
int tunw_rules_apply(const struct tunw_rules *rules, struct tunw_walk *w);

#endif
