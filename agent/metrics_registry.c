/*
 * metrics_registry.c - registering metrics and finding their children.
 *
 * Registration checks what Prometheus would reject later, at the line
 * that made the mistake: names and label names against the exposition
 * format's rules, label values and help against UTF-8, histogram
 * buckets against order, and every name a family produces (samples,
 * and the OpenMetrics family name) against those of the families
 * already there. Children are found without a lock in an
 * open-addressing table that is only ever replaced, never changed in
 * place, so a request handler may call _with() on every request.
 */
#include "metrics.h"

#include "options.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The thread's last error; not initial-exec: it is not on a hot path. */
static __thread char error_text[256];

static struct metrics_family *families, *families_last;

/* client_golang's DefBuckets: request latencies in seconds. */
static const double default_bounds[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

static const char *const kind_names[] = {"counter", "gauge", "histogram"};

void metrics_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error_text, sizeof(error_text), fmt, ap);
	va_end(ap);
}

TRIAGE_API const char *triage_metric_error(void)
{
	return error_text;
}

struct metrics_family *metrics_families(void)
{
	return families;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool metrics_valid_metric_name(const char *s, size_t *bad)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (is_alpha(s[i]) || s[i] == ':' || (i && is_digit(s[i])))
			continue;
		*bad = i;
		return false;
	}
	*bad = 0;
	return i > 0;
}

bool metrics_valid_label_name(const char *s, size_t *bad)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (is_alpha(s[i]) || (i && is_digit(s[i])))
			continue;
		*bad = i;
		return false;
	}
	*bad = 0;
	return i > 0;
}

/* Well-formed UTF-8: no overlong forms, surrogates or values past
 * U+10FFFF, which Prometheus refuses in label values. */
bool metrics_valid_utf8(const char *str, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (s[i]) {
		unsigned c = s[i], need, min, cp, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, min = 0x10000, cp = c & 0x07;
		else
			goto bad;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += need + 1;
	}
	return true;
bad:
	*bad = i;
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static size_t count_strings(const char *const *v, size_t max)
{
	size_t n = 0;

	while (v && v[n] && n <= max)
		n++;
	return n;
}

/* The name rules of the kind; false with the error set. */
static bool check_name(enum metrics_kind kind, const char *name, bool internal)
{
	static const char *const hist_suffixes[] = {"_total", "_bucket", "_sum",
						    "_count"};
	size_t bad, i;

	if (!name || !*name) {
		metrics_set_error("a metric needs a name");
		return false;
	}
	if (strlen(name) > METRICS_MAX_NAME) {
		metrics_set_error("metric name \"%.40s...\" is longer than %d "
				  "characters",
				  name, METRICS_MAX_NAME);
		return false;
	}
	if (!metrics_valid_metric_name(name, &bad)) {
		metrics_set_error("metric name \"%.80s\": '%c' at %zu is not "
				  "allowed; names match "
				  "[a-zA-Z_:][a-zA-Z0-9_:]*",
				  name, name[bad], bad);
		return false;
	}
	if (kind == METRICS_COUNTER &&
	    (!ends_with(name, "_total") || !strcmp(name, "_total"))) {
		metrics_set_error("counter \"%.80s\" must end in _total, as "
				  "Prometheus names counters",
				  name);
		return false;
	}
	for (i = 0; kind == METRICS_HISTOGRAM && i < 4; i++) {
		if (ends_with(name, hist_suffixes[i])) {
			metrics_set_error("histogram \"%.80s\" must not end in "
					  "%s: its samples add _bucket, _sum "
					  "and _count",
					  name, hist_suffixes[i]);
			return false;
		}
	}
	if (!internal &&
	    (!strncmp(name, "triage_", 7) || !strncmp(name, "process_", 8))) {
		metrics_set_error("metric name \"%.80s\": the prefixes "
				  "triage_ and process_ are the agent's own",
				  name);
		return false;
	}
	return true;
}

static bool check_labels(enum metrics_kind kind, const char *name,
			 const char *const *labels, size_t *n)
{
	size_t i, j, bad;

	*n = count_strings(labels, TRIAGE_METRIC_MAX_LABELS);
	if (*n > TRIAGE_METRIC_MAX_LABELS) {
		metrics_set_error("metric \"%.80s\": more than %d labels", name,
				  TRIAGE_METRIC_MAX_LABELS);
		return false;
	}
	for (i = 0; i < *n; i++) {
		const char *l = labels[i];

		if (!metrics_valid_label_name(l, &bad)) {
			metrics_set_error(
			    "metric \"%.80s\": label name \"%.80s\" is not "
			    "allowed ('%c' at %zu); label names match "
			    "[a-zA-Z_][a-zA-Z0-9_]*",
			    name, l, l[bad] ? l[bad] : ' ', bad);
			return false;
		}
		if (!strncmp(l, "__", 2)) {
			metrics_set_error("metric \"%.80s\": label names "
					  "starting with __ are Prometheus's "
					  "own (\"%.80s\")",
					  name, l);
			return false;
		}
		if (kind == METRICS_HISTOGRAM && !strcmp(l, "le")) {
			metrics_set_error("histogram \"%.80s\": the label le "
					  "is its buckets'",
					  name);
			return false;
		}
		for (j = 0; j < i; j++) {
			if (!strcmp(labels[j], l)) {
				metrics_set_error("metric \"%.80s\": label "
						  "\"%.80s\" appears twice",
						  name, l);
				return false;
			}
		}
	}
	return true;
}

/* Checks and normalises buckets: a final +Inf is dropped. */
static bool check_bounds(const char *name, const double **bounds, size_t *n)
{
	size_t i;

	if (!*bounds) {
		if (*n) {
			metrics_set_error("histogram \"%.80s\": %zu buckets "
					  "but no array",
					  name, *n);
			return false;
		}
		*bounds = default_bounds;
		*n = sizeof(default_bounds) / sizeof(default_bounds[0]);
		return true;
	}
	if (*n && isinf((*bounds)[*n - 1]) && (*bounds)[*n - 1] > 0)
		(*n)--;
	if (*n > TRIAGE_METRIC_MAX_BUCKETS) {
		metrics_set_error("histogram \"%.80s\": %zu buckets, more "
				  "than %d",
				  name, *n, TRIAGE_METRIC_MAX_BUCKETS);
		return false;
	}
	for (i = 0; i < *n; i++) {
		double b = (*bounds)[i];

		if (!isfinite(b)) {
			metrics_set_error("histogram \"%.80s\": bucket %zu is "
					  "%g; bounds are finite (+Inf is "
					  "always there)",
					  name, i, b);
			return false;
		}
		if (i && !(b > (*bounds)[i - 1])) {
			metrics_set_error("histogram \"%.80s\": bucket %zu "
					  "(%g) is not above bucket %zu (%g); "
					  "bounds must increase",
					  name, i, b, i - 1, (*bounds)[i - 1]);
			return false;
		}
	}
	return true;
}

/*
 * Every name a family puts in an exposition: its own, its OpenMetrics
 * family name, its samples'. Two families clash when any is shared.
 */
#define NAME_BUF (METRICS_MAX_NAME + 8)
static size_t family_names(enum metrics_kind kind, const char *name,
			   char out[5][NAME_BUF])
{
	size_t n = strlen(name), k = 0;

	snprintf(out[k++], NAME_BUF, "%s", name);
	if (kind == METRICS_COUNTER)
		snprintf(out[k++], NAME_BUF, "%.*s", (int)(n - 6), name);
	if (kind == METRICS_HISTOGRAM) {
		snprintf(out[k++], NAME_BUF, "%s_bucket", name);
		snprintf(out[k++], NAME_BUF, "%s_sum", name);
		snprintf(out[k++], NAME_BUF, "%s_count", name);
	}
	return k;
}

static bool same_strings(char **a, const char *const *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

static bool same_definition(const struct metrics_family *f,
			    enum metrics_kind kind, const char *help,
			    const char *const *labels, size_t nlabels,
			    const double *bounds, size_t nbounds)
{
	return f->kind == kind && !strcmp(f->help, help) &&
	       f->nlabels == nlabels &&
	       same_strings(f->labels, labels, nlabels) &&
	       f->nbounds == (kind == METRICS_HISTOGRAM ? nbounds : 0) &&
	       (kind != METRICS_HISTOGRAM ||
		!memcmp(f->bounds, bounds, nbounds * sizeof(double)));
}

/* TRIAGE_EEXIST when a family's names clash with `name`'s; under the
 * lock. `*clash` is the family that has one of the names. */
static int check_clash(enum metrics_kind kind, const char *name,
		       struct metrics_family **clash)
{
	char mine[5][NAME_BUF], theirs[5][NAME_BUF];
	size_t nm = family_names(kind, name, mine), nt, i, j;
	struct metrics_family *f;

	for (f = families; f; f = f->next) {
		nt = family_names(f->kind, f->name, theirs);
		for (i = 0; i < nm; i++) {
			for (j = 0; j < nt; j++) {
				if (strcmp(mine[i], theirs[j]))
					continue;
				*clash = f;
				return TRIAGE_EEXIST;
			}
		}
	}
	return 0;
}

static char **copy_strings(const char *const *v, size_t n)
{
	char **out = calloc(n ? n : 1, sizeof(*out));
	size_t i;

	for (i = 0; out && i < n; i++) {
		out[i] = strdup(v[i]);
		if (!out[i]) {
			while (i--)
				free(out[i]);
			free(out);
			return NULL;
		}
	}
	return out;
}

/* A series with its cells; padded to a cache line so that two gauges
 * updated by different threads do not share one. Under the lock. */
static struct metrics_series *series_new(struct metrics_family *f)
{
	size_t size = (sizeof(struct metrics_series) + 63) & ~(size_t)63;
	struct metrics_series *s = aligned_alloc(64, size);

	if (!s)
		return NULL;
	memset(s, 0, size);
	s->fam = f;
	if (f->ncells && metrics_cells_reserve(f->ncells, &s->off)) {
		free(s);
		return NULL;
	}
	s->where = metrics_where(s->off);
	return s;
}

static void family_free(struct metrics_family *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; f->labels && i < f->nlabels; i++)
		free(f->labels[i]);
	free(f->labels);
	free(f->name);
	free(f->help);
	free(f->bounds);
	free(f);
}

static struct metrics_family *family_new(enum metrics_kind kind,
					 const char *name, const char *help,
					 const char *const *labels,
					 size_t nlabels, const double *bounds,
					 size_t nbounds)
{
	struct metrics_family *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->kind = kind;
	f->name = strdup(name);
	f->help = strdup(help);
	f->nlabels = nlabels;
	f->labels = copy_strings(labels, nlabels);
	if (kind == METRICS_HISTOGRAM) {
		f->nbounds = nbounds;
		f->bounds = malloc((nbounds ? nbounds : 1) * sizeof(double));
		if (f->bounds)
			memcpy(f->bounds, bounds, nbounds * sizeof(double));
		f->ncells = (uint32_t)nbounds + 2;
	} else {
		f->ncells = kind == METRICS_COUNTER ? 2 : 0;
	}
	if (!f->name || !f->help || !f->labels ||
	    (kind == METRICS_HISTOGRAM && !f->bounds)) {
		family_free(f);
		return NULL;
	}
	return f;
}

static void report_clash(const char *name, const struct metrics_family *f,
			 bool same)
{
	if (!strcmp(f->name, name))
		metrics_set_error("metric \"%.80s\" is already registered%s",
				  name, same ? "" : " with another definition");
	else
		metrics_set_error("metric \"%.80s\" clashes with %s \"%.80s\" "
				  "registered before (a sample or family "
				  "name would be the same)",
				  name, kind_names[f->kind], f->name);
}

/* Validates everything that needs no lock; false with the error set. */
static bool check_all(enum metrics_kind kind, const char *name,
		      const char **help, const char *const *labels,
		      size_t *nlabels, const double **bounds, size_t *nbounds,
		      bool internal)
{
	size_t bad;

	if (!check_name(kind, name, internal) ||
	    !check_labels(kind, name, labels, nlabels))
		return false;
	if (!*help)
		*help = "";
	if (!metrics_valid_utf8(*help, &bad)) {
		metrics_set_error("metric \"%.80s\": help is not UTF-8 (byte "
				  "%zu)",
				  name, bad);
		return false;
	}
	return kind != METRICS_HISTOGRAM || check_bounds(name, bounds, nbounds);
}

int metrics_register(enum metrics_kind kind, const char *name, const char *help,
		     const char *const *labels, const double *bounds,
		     size_t nbounds, bool internal, struct metrics_series **out)
{
	struct metrics_family *f = NULL, *clash;
	size_t nlabels;
	int err;

	*out = NULL;
	error_text[0] = '\0';
	if (!check_all(kind, name, &help, labels, &nlabels, &bounds, &nbounds,
		       internal))
		return TRIAGE_EINVAL;
	pthread_mutex_lock(&metrics_lock);
	err = check_clash(kind, name, &clash);
	if (err) {
		bool same = same_definition(clash, kind, help, labels, nlabels,
					    bounds, nbounds) &&
			    !strcmp(clash->name, name);

		report_clash(name, clash, same);
		if (same)
			*out = clash->root;
		goto out;
	}
	err = TRIAGE_ENOMEM;
	f = family_new(kind, name, help, labels, nlabels, bounds, nbounds);
	if (!f || !(f->root = series_new(f))) {
		metrics_set_error("metric \"%.80s\": out of memory", name);
		family_free(f);
		goto out;
	}
	if (!nlabels) {
		f->first = f->last = f->root;
		f->nseries = 1;
	}
	if (families_last)
		families_last->next = f;
	else
		families = f;
	families_last = f;
	*out = f->root;
	err = 0;
out:
	pthread_mutex_unlock(&metrics_lock);
	return err;
}

static uint64_t hash_values(const char *const *v, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)v[i];

		for (; *p; p++)
			h = (h ^ *p) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
	}
	return h;
}

static struct metrics_series *table_find(const struct metrics_table *t,
					 uint64_t h, const char *const *v,
					 size_t n)
{
	size_t i;

	if (!t)
		return NULL;
	for (i = h & t->mask;; i = (i + 1) & t->mask) {
		struct metrics_series *s =
		    __atomic_load_n(&t->slot[i], __ATOMIC_ACQUIRE);

		if (!s)
			return NULL;
		if (s->hash == h && same_strings(s->values, v, n))
			return s;
	}
}

static void table_put(struct metrics_table *t, struct metrics_series *s)
{
	size_t i;

	for (i = s->hash & t->mask; t->slot[i]; i = (i + 1) & t->mask)
		;
	__atomic_store_n(&t->slot[i], s, __ATOMIC_RELEASE);
}

/* Keeps the table under half full; the old one stays for readers that
 * may still be probing it. Under the lock. */
static int table_make_room(struct metrics_family *f)
{
	struct metrics_table *old = f->table, *t;
	size_t size = old ? (old->mask + 1) * 2 : 16;
	struct metrics_series *s;

	if (old && (f->nseries + 1) * 2 <= old->mask + 1)
		return 0;
	t = calloc(1, sizeof(*t) + size * sizeof(t->slot[0]));
	if (!t)
		return TRIAGE_ENOMEM;
	t->mask = size - 1;
	t->older = old;
	for (s = f->first; s; s = s->next)
		table_put(t, s);
	__atomic_store_n(&f->table, t, __ATOMIC_RELEASE);
	return 0;
}

/* A new child; under the lock. */
static struct metrics_series *child_new(struct metrics_family *f,
					const char *const *v, uint64_t h)
{
	struct metrics_series *s;

	if (table_make_room(f) || !(s = series_new(f)))
		return NULL;
	s->hash = h;
	s->values = copy_strings(v, f->nlabels);
	if (!s->values) {
		free(s); /* its cells stay reserved, unused */
		return NULL;
	}
	table_put(f->table, s);
	if (f->last)
		__atomic_store_n(&f->last->next, s, __ATOMIC_RELEASE);
	else
		f->first = s;
	f->last = s;
	f->nseries++;
	return s;
}

/* Checks the values against the family's labels; false with the error
 * set. */
static bool check_values(const struct metrics_family *f, const char *const *v)
{
	size_t n = count_strings(v, f->nlabels), i, bad;

	if (!f->nlabels) {
		metrics_set_error("metric \"%.80s\" has no labels", f->name);
		return false;
	}
	if (n != f->nlabels) {
		metrics_set_error("metric \"%.80s\" has %zu label%s but %s%zu "
				  "value%s given",
				  f->name, f->nlabels,
				  f->nlabels == 1 ? "" : "s",
				  n > f->nlabels ? "more than " : "",
				  n > f->nlabels ? f->nlabels : n,
				  n == 1 ? " was" : "s were");
		return false;
	}
	for (i = 0; i < n; i++) {
		if (!metrics_valid_utf8(v[i], &bad)) {
			metrics_set_error("metric \"%.80s\": the value of "
					  "label %s is not UTF-8 (byte %zu)",
					  f->name, f->labels[i], bad);
			return false;
		}
	}
	return true;
}

struct metrics_series *metrics_child(struct metrics_series *family,
				     const char *const *v, size_t limit)
{
	struct metrics_family *f;
	struct metrics_series *s;
	uint64_t h;

	error_text[0] = '\0';
	if (!family) {
		metrics_set_error("no metric given (NULL)");
		return NULL;
	}
	f = family->fam;
	if (!check_values(f, v))
		return NULL;
	h = hash_values(v, f->nlabels);
	s = table_find(__atomic_load_n(&f->table, __ATOMIC_ACQUIRE), h, v,
		       f->nlabels);
	if (s)
		return s;
	pthread_mutex_lock(&metrics_lock);
	s = table_find(f->table, h, v, f->nlabels);
	if (!s && (!limit || f->nseries < limit)) {
		s = child_new(f, v, h);
		if (!s)
			metrics_set_error("metric \"%.80s\": out of memory for "
					  "a child",
					  f->name);
	}
	pthread_mutex_unlock(&metrics_lock);
	return s;
}

TRIAGE_API int triage_metric_counter_new(struct triage_metric_counter **out,
					 const char *name, const char *help,
					 const char *const *label_names)
{
	struct metrics_series *s;
	int err = metrics_register(METRICS_COUNTER, name, help, label_names,
				   NULL, 0, false, &s);

	*out = (struct triage_metric_counter *)s;
	return err;
}

TRIAGE_API int triage_metric_gauge_new(struct triage_metric_gauge **out,
				       const char *name, const char *help,
				       const char *const *label_names)
{
	struct metrics_series *s;
	int err = metrics_register(METRICS_GAUGE, name, help, label_names, NULL,
				   0, false, &s);

	*out = (struct triage_metric_gauge *)s;
	return err;
}

TRIAGE_API int triage_metric_histogram_new(struct triage_metric_histogram **out,
					   const char *name, const char *help,
					   const char *const *label_names,
					   const double *buckets, size_t n)
{
	struct metrics_series *s;
	int err = metrics_register(METRICS_HISTOGRAM, name, help, label_names,
				   buckets, n, false, &s);

	*out = (struct triage_metric_histogram *)s;
	return err;
}

TRIAGE_API struct triage_metric_counter *
triage_metric_counter_with(struct triage_metric_counter *family,
			   const char *const *label_values)
{
	return (struct triage_metric_counter *)metrics_child(
	    family ? &family->s : NULL, label_values, 0);
}

TRIAGE_API struct triage_metric_gauge *
triage_metric_gauge_with(struct triage_metric_gauge *family,
			 const char *const *label_values)
{
	return (struct triage_metric_gauge *)metrics_child(
	    family ? &family->s : NULL, label_values, 0);
}

TRIAGE_API struct triage_metric_histogram *
triage_metric_histogram_with(struct triage_metric_histogram *family,
			     const char *const *label_values)
{
	return (struct triage_metric_histogram *)metrics_child(
	    family ? &family->s : NULL, label_values, 0);
}
