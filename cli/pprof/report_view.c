/*
 * report_view.c - which samples and frames a report looks at, as pprof
 * decides it before building its graph:
 *
 * 1. drop_frames (with keep_frames): a frame whose simplified function
 *    name matches fully is cut off together with every frame beneath it
 *    toward the leaf, though never before the first frame from the root
 *    that does not match;
 * 2. focus keeps samples with a frame matching it, ignore drops samples
 *    with one (names, file names and mapping files are matched);
 * 3. hide removes matching frames, show keeps only matching frames.
 *
 * Before all that, equal samples are merged (report_merge.c). The
 * profile is not touched: lines and stacks are views into it.
 */
#include "report_internal.h"

#include "triage.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

/* What the filters decided about a location. */
enum {
	LOC_FOCUS = 1,	 /* matches focus (or there is no focus) */
	LOC_IGNORE = 2,	 /* matches ignore */
	LOC_HIDDEN = 4,	 /* no lines left after hide/show */
	LOC_PRUNE = 8,	 /* drop_frames matched its outermost line */
	LOC_BENEATH = 16 /* drop_frames matched one of its lines */
};

/* The compiled filters; a NULL pointer is an absent filter. */
struct filters {
	regex_t rx[4];
	regex_t *focus, *ignore, *hide, *show;
};

static bool rx_match(const regex_t *re, const char *s)
{
	return regexec(re, s, 0, NULL, 0) == 0;
}

/* Compiles `src` into `re` as a POSIX extended regex. */
static int rx_compile(regex_t *re, const char *src, const char *what, char *err,
		      size_t errlen)
{
	char why[128];
	int rc = regcomp(re, src, REG_EXTENDED | REG_NOSUB);

	if (!rc)
		return 0;
	regerror(rc, re, why, sizeof(why));
	snprintf(err, errlen, "parsing %s regexp: %s: %s", what, src, why);
	return TRIAGE_EINVAL;
}

/*
 * pprof's simplification of a name before drop_frames: no leading '.',
 * and no argument list (cut at the first '(' that neither starts
 * "(anonymous namespace)" nor is part of "operator()"). Returns the
 * length of what is left of `*name` (moved past the '.').
 */
static size_t simplified_length(const char **name)
{
	static const char anon[] = "(anonymous namespace)";
	static const char op[] = "operator()";
	const char *s = *name + (**name == '.');
	size_t i;

	for (i = 0; s[i]; i++) {
		if (!strncmp(s + i, anon, sizeof(anon) - 1)) {
			i += sizeof(anon) - 2;
			continue;
		}
		if (!strncmp(s + i, op, sizeof(op) - 1)) {
			i += sizeof(op) - 2;
			continue;
		}
		if (s[i] == '(')
			break;
	}
	*name = s;
	return i;
}

/* Whether the simplified `name` matches `re` in full (anchored). */
static bool simplified_match(const regex_t *re, const char *name)
{
	char small[512], *buf = small;
	size_t n = simplified_length(&name);
	bool m;

	if (n >= sizeof(small) && !(buf = tprof_malloc(n + 1)))
		return false;
	memcpy(buf, name, n);
	buf[n] = '\0';
	m = rx_match(re, buf);
	if (buf != small)
		tprof_mfree(buf);
	return m;
}

/* Compiles `^(src)$` into `re`; false when it does not compile. */
static bool rx_compile_full(regex_t *re, const char *src)
{
	size_t n = strlen(src) + 5;
	char *full = tprof_malloc(n);
	bool ok;

	if (!full)
		return false;
	snprintf(full, n, "^(%s)$", src);
	ok = !regcomp(re, full, REG_EXTENDED | REG_NOSUB);
	tprof_mfree(full);
	return ok;
}

/*
 * The outermost line of a location (scanning from the physical caller
 * inward) whose function drop_frames matches and keep_frames does not,
 * or (size_t)-1.
 */
static size_t drop_line(const struct report_loc *l, const regex_t *drop,
			const regex_t *keep)
{
	size_t j;

	for (j = l->nlines; j-- > 0;) {
		const char *fn = l->lines[j]->function->name;

		if (*fn && simplified_match(drop, fn) &&
		    (!keep || !simplified_match(keep, fn)))
			break;
	}
	return j;
}

/*
 * Marks the locations drop_frames cuts at, shortening their lines. A
 * regex that does not compile disables pruning, as in pprof.
 */
static void prune_locations(struct report_view *v, uint8_t *flags)
{
	const struct tprof *p = v->p;
	regex_t drop, keep;
	bool has_keep = *p->keep_frames != '\0';
	size_t i, j;

	if (!rx_compile_full(&drop, p->drop_frames))
		return;
	if (has_keep && !rx_compile_full(&keep, p->keep_frames)) {
		regfree(&drop);
		return;
	}

	for (i = 0; i < p->nlocations; i++) {
		struct report_loc *l = &v->locs[i];

		j = drop_line(l, &drop, has_keep ? &keep : NULL);
		if (j == (size_t)-1)
			continue;
		flags[i] |= LOC_BENEATH;
		if (j == l->nlines - 1) {
			flags[i] |= LOC_PRUNE;
		} else {
			l->lines += j + 1;
			l->nlines -= j + 1;
		}
	}
	regfree(&drop);
	if (has_keep)
		regfree(&keep);
}

/* Cuts a sample's stack where drop_frames says, scanning from the root. */
static void prune_stack(const uint8_t *flags, const struct tprof *p,
			struct report_sample *s)
{
	bool user = false;
	size_t i;

	for (i = s->nlocs; i-- > 0;) {
		uint8_t f = flags[s->locs[i] - p->locations];

		if (!(f & (LOC_PRUNE | LOC_BENEATH))) {
			user = true;
			continue;
		}
		if (!user)
			continue;
		if (f & LOC_PRUNE) {
			s->locs += i + 1;
			s->nlocs -= i + 1;
		} else {
			s->locs += i;
			s->nlocs -= i;
		}
		return;
	}
}

/* Whether any line's function or file, or the mapping's file, matches. */
static bool loc_matches(const struct report_loc *vl,
			const struct tprof_location *l, const regex_t *re)
{
	size_t j;

	for (j = 0; j < vl->nlines; j++) {
		const struct tprof_function *f = vl->lines[j]->function;

		if (rx_match(re, f->name) || rx_match(re, f->filename))
			return true;
	}
	return l->mapping && rx_match(re, l->mapping->filename);
}

/* Keeps the lines that match `re` (or, with `invert`, those that do
 * not); a matching mapping file keeps all of them, or none. */
static void filter_lines(struct report_loc *vl, const struct tprof_location *l,
			 const regex_t *re, bool invert)
{
	size_t j, k = 0;

	if (l->mapping && rx_match(re, l->mapping->filename)) {
		if (invert)
			vl->nlines = 0;
		return;
	}
	for (j = 0; j < vl->nlines; j++) {
		const struct tprof_function *f = vl->lines[j]->function;
		bool m = rx_match(re, f->name) || rx_match(re, f->filename);

		if (m != invert)
			vl->lines[k++] = vl->lines[j];
	}
	vl->nlines = k;
}

/* Classifies each location for focus/ignore and applies hide/show. */
static void filter_locations(struct report_view *v, const struct filters *fl,
			     uint8_t *flags)
{
	size_t i;

	for (i = 0; i < v->p->nlocations; i++) {
		const struct tprof_location *l = &v->p->locations[i];
		struct report_loc *vl = &v->locs[i];

		if (fl->ignore && loc_matches(vl, l, fl->ignore))
			flags[i] |= LOC_IGNORE;
		else if (!fl->focus || loc_matches(vl, l, fl->focus))
			flags[i] |= LOC_FOCUS;

		if (fl->hide && loc_matches(vl, l, fl->hide)) {
			filter_lines(vl, l, fl->hide, true);
			if (!vl->nlines)
				flags[i] |= LOC_HIDDEN;
		}
		if (fl->show) {
			filter_lines(vl, l, fl->show, false);
			if (!vl->nlines)
				flags[i] |= LOC_HIDDEN;
		}
	}
}

/* A focused location and no ignored one in the stack. */
static bool stack_selected(const uint8_t *flags, const struct tprof *p,
			   const struct report_sample *s)
{
	bool focused = false;
	size_t i;

	for (i = 0; i < s->nlocs; i++) {
		uint8_t f = flags[s->locs[i] - p->locations];

		if (f & LOC_IGNORE)
			return false;
		if (f & LOC_FOCUS)
			focused = true;
	}
	return focused;
}

/* Drops hidden locations from a stack; false when none is left. */
static int stack_unhide(const uint8_t *flags, const struct tprof *p,
			struct report_sample *s, struct tprof_arena *a)
{
	const struct tprof_location **kept;
	size_t i, n = 0;

	for (i = 0; i < s->nlocs; i++)
		if (!(flags[s->locs[i] - p->locations] & LOC_HIDDEN))
			n++;
	if (n == s->nlocs)
		return 1;
	if (n == 0)
		return 0;
	kept = tprof_arena_calloc(a, n, sizeof(*kept));
	if (!kept)
		return TRIAGE_ENOMEM;
	for (i = 0, n = 0; i < s->nlocs; i++)
		if (!(flags[s->locs[i] - p->locations] & LOC_HIDDEN))
			kept[n++] = s->locs[i];
	s->locs = kept;
	s->nlocs = n;
	return 1;
}

/* Selects the samples, pruned and filtered, into v->samples. */
static int select_samples(struct report_view *v, const uint8_t *flags,
			  bool any_hidden, struct tprof_arena *a)
{
	const struct tprof *p = v->p;
	size_t i;

	v->samples = tprof_arena_calloc(a, v->nmerged, sizeof(*v->samples));
	if (!v->samples)
		return TRIAGE_ENOMEM;
	for (i = 0; i < v->nmerged; i++) {
		const struct tprof_sample *ps = v->merged[i].sample;
		struct report_sample *s = &v->samples[v->nsamples];
		int rc = 1;

		s->locs = ps->locations;
		s->nlocs = ps->nlocations;
		s->value = v->merged[i].value;
		s->sample = ps;
		prune_stack(flags, p, s);
		if (!stack_selected(flags, p, s))
			continue;
		if (any_hidden)
			rc = stack_unhide(flags, p, s, a);
		if (rc < 0)
			return rc;
		if (rc)
			v->nsamples++;
	}
	return 0;
}

static void free_filters(struct filters *fl)
{
	regex_t *all[4] = {fl->focus, fl->ignore, fl->hide, fl->show};
	size_t i;

	for (i = 0; i < 4; i++)
		if (all[i])
			regfree(all[i]);
}

/* Compiles the filters of `o`; unset ones stay NULL. */
static int compile_filters(struct filters *fl, const struct report_options *o,
			   char *err, size_t errlen)
{
	const char *src[4] = {o->focus, o->ignore, o->hide, o->show};
	static const char *const names[4] = {"focus", "ignore", "hide", "show"};
	regex_t **dst[4] = {&fl->focus, &fl->ignore, &fl->hide, &fl->show};
	size_t i;

	fl->focus = fl->ignore = fl->hide = fl->show = NULL;
	for (i = 0; i < 4; i++) {
		if (!src[i] || !*src[i])
			continue;
		if (rx_compile(&fl->rx[i], src[i], names[i], err, errlen)) {
			free_filters(fl);
			return TRIAGE_EINVAL;
		}
		*dst[i] = &fl->rx[i];
	}
	return 0;
}

/* Points each view location at its own copy of its line pointers. */
static int copy_lines(struct report_view *v, struct tprof_arena *a)
{
	const struct tprof *p = v->p;
	const struct tprof_line **lines;
	size_t i, j, n = 0;

	for (i = 0; i < p->nlocations; i++)
		n += p->locations[i].nlines;
	v->locs = tprof_arena_calloc(a, p->nlocations, sizeof(*v->locs));
	lines = tprof_arena_calloc(a, n, sizeof(*lines));
	if (!v->locs || !lines)
		return TRIAGE_ENOMEM;
	for (i = 0; i < p->nlocations; i++) {
		v->locs[i].lines = lines;
		v->locs[i].nlines = p->locations[i].nlines;
		for (j = 0; j < p->locations[i].nlines; j++)
			*lines++ = &p->locations[i].lines[j];
	}
	return 0;
}

int report_view_build(struct report_view *v, const struct tprof *p,
		      size_t value_index, const struct report_options *o,
		      struct tprof_arena *a, char *err, size_t errlen)
{
	struct filters fl;
	uint8_t *flags;
	bool any_hidden = false;
	size_t i;
	int rc;

	memset(v, 0, sizeof(*v));
	v->p = p;
	v->value_index = value_index;
	rc = compile_filters(&fl, o, err, errlen);
	if (rc)
		return rc;
	flags = tprof_arena_calloc(a, p->nlocations, 1);
	rc = flags ? report_view_merge(v, a) : TRIAGE_ENOMEM;
	if (!rc)
		rc = copy_lines(v, a);

	if (!rc) {
		if (*p->drop_frames)
			prune_locations(v, flags);
		filter_locations(v, &fl, flags);
		for (i = 0; i < p->nlocations; i++)
			any_hidden |= (flags[i] & LOC_HIDDEN) != 0;
		rc = select_samples(v, flags, any_hidden, a);
	}
	free_filters(&fl);
	if (rc == TRIAGE_ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}
