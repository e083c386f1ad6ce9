/*
 * report_units.c - how pprof turns numbers into text: scaling between
 * units of one kind (bytes, time, GCUs), picking a readable unit, and
 * the percentage format. The unit tables and rules are pprof's (its
 * measurement package), so that the rows read exactly as Go prints them.
 */
#include "report_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct unit {
	const char *name;	/* canonical: how it is printed */
	const char *aliases[4]; /* NULL-terminated */
	double factor;		/* in the kind's base unit */
};

struct unit_kind {
	struct unit units[10]; /* ascending; name NULL ends the list */
	struct unit fallback;  /* used when the target unit is unknown */
};

static const struct unit_kind kinds[] = {
    {{{"B", {"b", "byte"}, 1},
      {"kB", {"kb", "kbyte", "kilobyte"}, 1024.0},
      {"MB", {"mb", "mbyte", "megabyte"}, 1048576.0},
      {"GB", {"gb", "gbyte", "gigabyte"}, 1073741824.0},
      {"TB", {"tb", "tbyte", "terabyte"}, 1099511627776.0},
      {"PB", {"pb", "pbyte", "petabyte"}, 1125899906842624.0}},
     {"B", {"b", "byte"}, 1}},
    {{{"ns", {"ns", "nanosecond"}, 1},
      {"us", {"\xce\xbcs", "us", "microsecond"}, 1e3},
      {"ms", {"ms", "millisecond"}, 1e6},
      {"s", {"s", "sec", "second"}, 1e9},
      {"hrs", {"hour", "hr"}, 3600e9}},
     {"s", {NULL}, 1e9}},
    {{{"n*GCU", {"nanogcu"}, 1e-9},
      {"u*GCU", {"microgcu"}, 1e-6},
      {"m*GCU", {"milligcu"}, 1e-3},
      {"GCU", {"gcu"}, 1},
      {"k*GCU", {"kilogcu"}, 1e3},
      {"M*GCU", {"megagcu"}, 1e6},
      {"G*GCU", {"gigagcu"}, 1e9},
      {"T*GCU", {"teragcu"}, 1e12},
      {"P*GCU", {"petagcu"}, 1e15}},
     {"GCU", {NULL}, 1}},
};

/*
 * The unit of `kind` that `unit` names: lower-cased, and with one
 * trailing "s" dropped when longer than two bytes ("bytes" -> "byte").
 */
static const struct unit *sniff_unit(const struct unit_kind *kind,
				     const char *unit)
{
	char low[64];
	size_t i, j, len = strlen(unit);

	if (len >= sizeof(low))
		return NULL;
	for (i = 0; i <= len; i++)
		low[i] = (char)tolower((unsigned char)unit[i]);
	if (len > 2 && low[len - 1] == 's')
		low[len - 1] = '\0';
	for (i = 0; kind->units[i].name; i++)
		for (j = 0; kind->units[i].aliases[j]; j++)
			if (!strcmp(low, kind->units[i].aliases[j]))
				return &kind->units[i];
	return NULL;
}

/* The largest unit of `kind` in which `v` (base units) is at least 1. */
static const struct unit *auto_unit(const struct unit_kind *kind, double v)
{
	const struct unit *best = NULL;
	double f = 0;
	size_t i;

	for (i = 0; kind->units[i].name; i++) {
		const struct unit *u = &kind->units[i];

		if (u->factor >= f && v / u->factor >= 1.0) {
			f = u->factor;
			best = u;
		}
	}
	return best;
}

/* Converts within one kind; false when `from` is not of this kind. */
static bool convert_unit(const struct unit_kind *kind, int64_t value,
			 const char *from, const char *to, double *out,
			 const char **unit)
{
	const struct unit *fu = sniff_unit(kind, from), *tu;
	double v;

	if (!fu)
		return false;
	v = (double)value * fu->factor;
	if (!strcmp(to, "minimum") || !strcmp(to, "auto")) {
		tu = auto_unit(kind, v);
		if (!tu)
			tu = &kind->fallback;
	} else {
		tu = sniff_unit(kind, to);
		if (!tu)
			tu = &kind->fallback;
	}
	*out = v / tu->factor;
	*unit = tu->name;
	return true;
}

double report_scale(int64_t value, const char *from, const char *to,
		    const char **unit)
{
	double v;
	size_t i;

	/* Negative values scale as their magnitude (not INT64_MIN). */
	if (value < 0 && value != INT64_MIN)
		return -report_scale(-value, from, to, unit);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (convert_unit(&kinds[i], value, from, to, &v, unit))
			return v;
	if (!strcmp(to, "count") || !strcmp(to, "sample") ||
	    !strcmp(to, "unit") || !strcmp(to, "minimum") ||
	    !strcmp(to, "auto"))
		*unit = "";
	else
		*unit = to;
	return (double)value;
}

void report_scaled_label(char *buf, size_t len, int64_t value, const char *from,
			 const char *to)
{
	const char *unit;
	double v = report_scale(value, from, to, &unit);
	char num[64];
	size_t n;

	snprintf(num, sizeof(num), "%.2f", v);
	n = strlen(num);
	if (n >= 3 && !strcmp(num + n - 3, ".00"))
		num[n - 3] = '\0';
	if (!strcmp(num, "0") || !strcmp(num, "-0")) {
		snprintf(buf, len, "0");
		return;
	}
	snprintf(buf, len, "%s%s", num, unit);
}

void report_percentage(char *buf, size_t len, int64_t value, int64_t total)
{
	double ratio = 0;

	if (total != 0)
		ratio = fabs((double)value / (double)total) * 100;
	if (ratio >= 99.95 && ratio <= 100.05)
		snprintf(buf, len, "  100%%");
	else if (ratio >= 1.0)
		snprintf(buf, len, "%5.2f%%", ratio);
	else
		snprintf(buf, len, "%5.2g%%", ratio);
}
