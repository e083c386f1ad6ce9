/*
 * metrics_agent.c - the agent's own health on /metrics: profiles
 * served, CPU-profile samples taken and dropped, and the counters that
 * the logger and the span exporter feed.
 *
 * A counter appears only once something feeds it: the logger's and the
 * exporter's are registered when those modules first ask for them, so
 * /metrics never shows a zero that means "not implemented".
 */
#include "metrics.h"

#include "cpu_profiler.h"
#include "log.h"

#include <stddef.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static struct metrics_series *profiles_served;

static void init(void)
{
	static const char *const labels[] = {"profile", NULL};
	static const char *const cpu[] = {"cpu", NULL};

	if (metrics_register(METRICS_COUNTER, "triage_profiles_served_total",
			     "Profiles the agent has served, by profile.",
			     labels, NULL, 0, true, &profiles_served)) {
		tlog(TLOG_WARN, "no triage_profiles_served_total: %s",
		     triage_metric_error());
		return;
	}
	/* Shown at 0 from the start, so a rate() has a first point. */
	metrics_child(profiles_served, cpu, 0);
}

void metrics_agent_init(void)
{
	pthread_once(&init_once, init);
}

void metrics_profile_served(const char *kind)
{
	const char *const v[] = {kind, NULL};
	struct metrics_series *s;

	metrics_agent_init();
	s = profiles_served ? metrics_child(profiles_served, v, 0) : NULL;
	if (s)
		triage_metric_counter_inc((struct triage_metric_counter *)s);
}

void metrics_write_agent(struct metrics_buf *b, bool om)
{
	static const char taken[] = "triage_cpu_profile_samples_total";
	static const char dropped[] =
	    "triage_cpu_profile_samples_dropped_total";
	struct cpu_profile_stats st;

	cpu_profile_stats(&st);
	metrics_write_header(b, om, taken,
			     "CPU-profile samples the agent has taken.",
			     "counter");
	metrics_write_sample(b, om, taken, NULL, NULL, NULL, 0, NULL, NULL,
			     (double)st.samples);
	metrics_write_header(b, om, dropped,
			     "CPU-profile samples lost because the agent's "
			     "ring was full.",
			     "counter");
	metrics_write_sample(b, om, dropped, NULL, NULL, NULL, 0, NULL, NULL,
			     (double)st.dropped);
}

static const struct {
	const char *name, *help;
} agent_counters[] = {
    [METRICS_LOG_LINES] = {"triage_log_lines_total",
			   "Log lines the agent's logger has written."},
    [METRICS_LOG_LINES_DROPPED] = {"triage_log_lines_dropped_total",
				   "Log lines the logger dropped."},
    [METRICS_SPANS_EXPORTED] = {"triage_spans_exported_total",
				"Spans the agent has exported."},
    [METRICS_SPANS_DROPPED] = {"triage_spans_dropped_total",
			       "Spans the exporter dropped."},
};

struct triage_metric_counter *
metrics_agent_counter(enum metrics_agent_counter which)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static struct metrics_series *made[4];
	struct metrics_series *s;

	if ((size_t)which >= sizeof(made) / sizeof(made[0]))
		return NULL;
	pthread_mutex_lock(&lock);
	if (!made[which] &&
	    metrics_register(METRICS_COUNTER, agent_counters[which].name,
			     agent_counters[which].help, NULL, NULL, 0, true,
			     &made[which]))
		tlog(TLOG_WARN, "no %s: %s", agent_counters[which].name,
		     triage_metric_error());
	s = made[which];
	pthread_mutex_unlock(&lock);
	return (struct triage_metric_counter *)s;
}
