/*
 * options.c - the agent's knobs: defaults, and the TRIAGE_* environment.
 *
 * Every knob has a variable and a field of struct triage_options. A
 * malformed variable is an error, never silently ignored: an operator
 * who typed TRIAGE_CPU_HZ=1OO must learn it at once.
 */
#include "options.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

TRIAGE_API void triage_options_init(struct triage_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->cpu_hz = TRIAGE_CPU_HZ_DEFAULT;
	opts->verbose = 1;
	opts->heap_sample = TRIAGE_HEAP_SAMPLE_DEFAULT;
	opts->log_level = TRIAGE_LOG_INFO;
	opts->log_daily = 1;
}

int opt_parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s || *s == '+' || *s == ' ')
		return TRIAGE_EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return TRIAGE_EINVAL;
	*out = v;
	return 0;
}

static int env_long(const char *name, long min, long max, long *field,
		    const char **bad)
{
	const char *s = getenv(name);

	if (!s)
		return 0;
	if (opt_parse_int(s, min, max, field) < 0) {
		*bad = name;
		return TRIAGE_EINVAL;
	}
	return 0;
}

static int env_int(const char *name, long min, long max, int *field,
		   const char **bad)
{
	long v = *field;
	int err = env_long(name, min, max, &v, bad);

	*field = (int)v;
	return err;
}

static int env_timer(int *field, const char **bad)
{
	static const char *const names[] = {"auto", "perf", "posix"};
	const char *s = getenv("TRIAGE_CPU_TIMER");
	int i;

	if (!s)
		return 0;
	for (i = 0; i < 3; i++) {
		if (!strcmp(s, names[i])) {
			*field = i;
			return 0;
		}
	}
	*bad = "TRIAGE_CPU_TIMER";
	return TRIAGE_EINVAL;
}

/* A real-time signal's number (SIGRTMIN..SIGRTMAX), or 0 for default. */
static int env_dump_signal(int *field, const char **bad)
{
	long v;
	const char *s = getenv("TRIAGE_DUMP_SIGNAL");

	if (!s)
		return 0;
	if (opt_parse_int(s, 0, SIGRTMAX, &v) < 0 ||
	    (v != 0 && v < SIGRTMIN)) {
		*bad = "TRIAGE_DUMP_SIGNAL";
		return TRIAGE_EINVAL;
	}
	*field = (int)v;
	return 0;
}

/* Empty strings count as unset, so `TRIAGE_LISTEN= prog` turns TCP off. */
static const char *env_str(const char *name)
{
	const char *s = getenv(name);

	return s && *s ? s : NULL;
}

/* One of `names` (a NULL-terminated list) by its index, or unset. */
static int env_enum(const char *name, const char *const *names, int *field,
		    const char **bad)
{
	const char *s = getenv(name);
	int i;

	if (!s)
		return 0;
	for (i = 0; names[i]; i++) {
		if (!strcasecmp(s, names[i])) {
			*field = i;
			return 0;
		}
	}
	*bad = name;
	return TRIAGE_EINVAL;
}

/* A byte count: decimal digits with an optional k, M or G (powers of
 * 1024), as logrotate's "size" takes it. */
static int env_size(const char *name, long long *field, const char **bad)
{
	const char *s = getenv(name);
	char digits[32];
	size_t n;
	long v;
	int shift = 0;

	if (!s)
		return 0;
	n = strlen(s);
	if (n > 0 && n < sizeof(digits)) {
		shift = strchr("kK", s[n - 1]) ? 10 :
			strchr("mM", s[n - 1]) ? 20 :
			strchr("gG", s[n - 1]) ? 30 : 0;
		memcpy(digits, s, n - (shift != 0));
		digits[n - (shift != 0)] = '\0';
		if (opt_parse_int(digits, 0, 1L << 40, &v) == 0) {
			*field = (long long)v << shift;
			return 0;
		}
	}
	*bad = name;
	return TRIAGE_EINVAL;
}

int opt_log_from_env(struct triage_options *opts, const char **bad)
{
	static const char *const levels[] = {"debug", "info", "warn",
					     "error", "off",  NULL};
	static const char *const formats[] = {"json", "plain", NULL};
	int err = 0;

	opts->log_path = env_str("TRIAGE_LOG_PATH");
	opts->service_name = env_str("TRIAGE_SERVICE_NAME");
	opts->otlp_endpoint = env_str("TRIAGE_OTLP_ENDPOINT");
	if (!err)
		err = env_enum("TRIAGE_LOG_LEVEL", levels, &opts->log_level,
			       bad);
	if (!err)
		err = env_enum("TRIAGE_LOG_FORMAT", formats, &opts->log_format,
			       bad);
	if (!err)
		err = env_size("TRIAGE_LOG_MAX_SIZE", &opts->log_max_size, bad);
	if (!err)
		err = env_int("TRIAGE_LOG_DAILY", 0, 1, &opts->log_daily, bad);
	if (!err)
		err = env_int("TRIAGE_LOG_KEEP", 0, 100000, &opts->log_keep,
			      bad);
	if (!err)
		err = env_int("TRIAGE_LOG_MAX_AGE_DAYS", 0, 100000,
			      &opts->log_max_age_days, bad);
	if (!err)
		err = env_int("TRIAGE_LOG_SYNC", 0, 1, &opts->log_sync, bad);
	return err;
}

int opt_from_env(struct triage_options *opts, const char **bad)
{
	int err = 0;

	triage_options_init(opts);
	*bad = NULL;
	opts->socket_dir = env_str("TRIAGE_SOCKET_DIR");
	opts->listen = env_str("TRIAGE_LISTEN");
	opts->token = env_str("TRIAGE_TOKEN");
	opts->cpuprofile = env_str("TRIAGE_CPUPROFILE");
	if (!err)
		err = env_int("TRIAGE_CPU_HZ", 1, TRIAGE_CPU_HZ_MAX,
			      &opts->cpu_hz, bad);
	if (!err)
		err = env_int("TRIAGE_VERBOSE", 0, 2, &opts->verbose, bad);
	if (!err)
		err = env_timer(&opts->cpu_timer, bad);
	if (!err)
		err = env_long("TRIAGE_HEAP_SAMPLE", 0, 1L << 40,
			       &opts->heap_sample, bad);
	if (!err)
		err = env_int("TRIAGE_MUTEX_FRACTION", 0, 1 << 30,
			      &opts->mutex_fraction, bad);
	if (!err)
		err = env_long("TRIAGE_BLOCK_RATE", 0, 1L << 40,
			       &opts->block_rate, bad);
	if (!err)
		err = env_dump_signal(&opts->dump_signal, bad);
	if (!err)
		err = opt_log_from_env(opts, bad);
	return err;
}

TRIAGE_API int triage_options_from_env(struct triage_options *opts)
{
	const char *bad;

	return opt_from_env(opts, &bad);
}

bool opt_autostart(void)
{
	const char *pre = getenv("LD_PRELOAD");
	const char *on = getenv("TRIAGE_AUTOSTART");

	if (on && *on)
		return strcmp(on, "0") != 0;
	return pre && strstr(pre, "libtriage");
}

int opt_validate(const struct triage_options *o)
{
	if (o->cpu_hz < 1 || o->cpu_hz > TRIAGE_CPU_HZ_MAX)
		return TRIAGE_EINVAL;
	if (o->cpu_timer < 0 || o->cpu_timer > 2)
		return TRIAGE_EINVAL;
	if (o->heap_sample < 0 || o->mutex_fraction < 0 || o->block_rate < 0)
		return TRIAGE_EINVAL;
	if (o->dump_signal &&
	    (o->dump_signal < SIGRTMIN || o->dump_signal > SIGRTMAX))
		return TRIAGE_EINVAL;
	if (o->log_level < TRIAGE_LOG_DEBUG || o->log_level > TRIAGE_LOG_OFF ||
	    o->log_format < 0 || o->log_format > 1 || o->log_max_size < 0 ||
	    o->log_keep < 0 || o->log_max_age_days < 0)
		return TRIAGE_EINVAL;
	return 0;
}
