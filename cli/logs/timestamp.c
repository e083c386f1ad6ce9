/*
 * timestamp.c - the times and durations written in log lines: RFC 3339
 * times (Go's layout 2006-01-02T15:04:05.000Z07:00, as go-zero and the
 * triage logger write @timestamp) and Go durations ("12.3ms").
 *
 * Every line's time is parsed, so this does its own calendar arithmetic
 * instead of calling timegm() and its time-zone machinery.
 */
#include "logs.h"

#include <string.h>
#include <time.h>

/* `n` decimal digits at s; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;

	while (n--) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/* Days from 1970-01-01 to the given civil date (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* The fraction after the seconds (".123"), as microseconds; advances
 * *i past it. */
static int fraction_us(const char *s, size_t n, size_t *i)
{
	int us = 0, scale = 100000, count = 0;

	if (*i >= n || s[*i] != '.')
		return 0;
	for ((*i)++; *i < n && s[*i] >= '0' && s[*i] <= '9'; (*i)++) {
		if (++count > 9)
			return -1;
		us += (s[*i] - '0') * scale;
		scale /= 10;
	}
	return count ? us : -1;
}

/* The zone at s[i]: Z, or +HH:MM / -HH:MM, in seconds east of UTC. */
static int zone_offset(const char *s, size_t n, size_t i, int *off)
{
	int h, m;

	if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
		*off = 0;
		return 0;
	}
	if (i + 6 != n || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':')
		return -1;
	h = digits(s + i + 1, 2);
	m = digits(s + i + 4, 2);
	if (h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	*off = (h * 3600 + m * 60) * (s[i] == '-' ? -1 : 1);
	return 0;
}

int logs_time_parse(const char *s, size_t n, int64_t *us)
{
	int y, mo, d, h, mi, sec, frac, off;
	size_t i = 19;

	if (n < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return -1;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
		return -1;
	frac = fraction_us(s, n, &i);
	if (frac < 0 || zone_offset(s, n, i, &off))
		return -1;
	*us = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
		off) *
	       1000000) +
	      frac;
	return 0;
}

void logs_time_format(int64_t us, char out[LOGS_TIME_TEXT])
{
	time_t secs = (time_t)(us / 1000000);
	int64_t frac = us % 1000000;
	struct tm tm;

	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	gmtime_r(&secs, &tm);
	snprintf(out, LOGS_TIME_TEXT, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)frac);
}

/* The unit at s (longest first), in microseconds; its length in *len. */
static double unit_us(const char *s, size_t n, size_t *len)
{
	static const struct {
		const char *name;
		double us;
	} units[] = {
	    {"ns", 1e-3}, {"us", 1},  {"\xc2\xb5s", 1}, {"\xce\xbcs", 1},
	    {"ms", 1e3},  {"s", 1e6}, {"m", 60e6},	{"h", 3600e6},
	};
	size_t i, l;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		l = strlen(units[i].name);
		if (l <= n && !memcmp(s, units[i].name, l)) {
			*len = l;
			return units[i].us;
		}
	}
	return -1;
}

int logs_duration_parse(const char *s, size_t n, double *us)
{
	double total = 0, v, scale, unit;
	size_t i = 0, len;
	bool any;

	if (!n)
		return -1;
	while (i < n) {
		v = 0;
		any = false;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, any = true)
			v = v * 10 + (s[i] - '0');
		if (i < n && s[i] == '.')
			for (i++, scale = 0.1;
			     i < n && s[i] >= '0' && s[i] <= '9';
			     i++, scale /= 10, any = true)
				v += (s[i] - '0') * scale;
		unit = any ? unit_us(s + i, n - i, &len) : -1;
		if (unit < 0)
			return -1;
		total += v * unit;
		i += len;
	}
	*us = total;
	return 0;
}
