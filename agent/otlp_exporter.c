/*
 * otlp_exporter.c - the span exporter: its queue and its thread,
 * triage-otlp (see otlp_exporter.h and docs/tracing.md).
 *
 * Threads that end spans push them on a bounded lock-free queue and,
 * when a batch is full, wake the exporter through an eventfd. The
 * exporter sends a batch when one is full or when the delay passes,
 * retries what the receiver could not take (429, 502, 503, 504, no
 * connection) with backoff or after its Retry-After, and counts what it
 * had to drop. Nothing a host thread does waits on the network.
 *
 * The exporter configures itself from the environment the first time a
 * span ends, so spans work with or without triage_start().
 */
#include "otlp_exporter.h"

#include "log.h"
#include "metrics.h"
#include "options.h"
#include "otlp_config.h"
#include "otlp_encode.h"
#include "otlp_queue.h"
#include "otlp_send.h"
#include "threads.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static struct {
	pthread_once_t once;
	atomic_bool setup_done;
	atomic_bool enabled;
	bool resources; /* queue, eventfds, libcurl, exit and fork hooks */
	struct otlp_config cfg;
	struct otlp_queue q;
	int wake_fd, stop_fd;
	atomic_bool wake_pending;

	pthread_mutex_t start_lock;
	atomic_bool running;
	atomic_bool stopping;
	atomic_bool stuck;    /* a stop timed out: do not start again */
	uint64_t deadline_ns; /* of a stop, written before `stopping` */
	pthread_t thread;

	atomic_uint_fast64_t exported, dropped;
	/* /metrics' counters, looked up once: a drop takes no lock. */
	struct triage_metric_counter *c_exported, *c_dropped;
	bool failing; /* the last batch failed: log recovery once */
} ex = {
    .once = PTHREAD_ONCE_INIT,
    .wake_fd = -1,
    .stop_fd = -1,
    .start_lock = PTHREAD_MUTEX_INITIALIZER,
};

/* triage_start()'s options when they come before the first span. */
static struct {
	pthread_mutex_t lock;
	bool set;
	char *endpoint, *service;
} pending = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- counting --- */

static void count_exported(size_t n)
{
	atomic_fetch_add(&ex.exported, n);
	triage_metric_counter_add(ex.c_exported, (double)n);
}

static void count_dropped(size_t n)
{
	atomic_fetch_add(&ex.dropped, n);
	triage_metric_counter_add(ex.c_dropped, (double)n);
}

void otlp_exporter_counts(uint64_t *exported, uint64_t *dropped)
{
	*exported = atomic_load(&ex.exported);
	*dropped = atomic_load(&ex.dropped);
}

/* Logs the first failure of a run of them, and the recovery. */
static void note_result(bool ok, const struct otlp_result *r, size_t lost)
{
	if (ok && ex.failing)
		tlog(TLOG_INFO, "spans reach %s again", ex.cfg.url);
	else if (!ok && !ex.failing)
		tlog(TLOG_WARN,
		     "spans not exported to %s: %s; %zu dropped (further "
		     "failures are counted in triage_spans_dropped_total)",
		     ex.cfg.url, r ? r->error : "out of memory", lost);
	ex.failing = !ok;
}

/* --- the exporter thread --- */

/* Waits up to `ms` for a stop (and, with `wake`, for a full batch).
 * True when a stop is asked. */
static bool wait_fds(long ms, bool wake)
{
	struct pollfd p[2] = {{ex.stop_fd, POLLIN, 0}, {ex.wake_fd, POLLIN, 0}};
	uint64_t v;
	int n = poll(p, wake ? 2 : 1, (int)(ms < 0 ? 0 : ms));

	if (n > 0 && wake && (p[1].revents & POLLIN)) {
		if (read(ex.wake_fd, &v, sizeof(v)) < 0) {
			/* EAGAIN: another read took it. */
		}
		atomic_store(&ex.wake_pending, false);
	}
	return n > 0 && (p[0].revents & POLLIN);
}

static long stop_ms_left(void)
{
	uint64_t now = mono_ns();

	return now >= ex.deadline_ns ? 0
				     : (long)((ex.deadline_ns - now) / 1000000);
}

/* Sleeps `ms` before a retry. False when a stop asks to be done before
 * the wait would end: the batch is then given up. */
static bool pause_ms(long ms)
{
	uint64_t end = mono_ns() + (uint64_t)ms * 1000000u;
	uint64_t now;

	while ((now = mono_ns()) < end) {
		if (atomic_load(&ex.stopping)) {
			struct timespec ts;

			if (end > ex.deadline_ns)
				return false;
			ts.tv_sec = (time_t)((end - now) / 1000000000u);
			ts.tv_nsec = (long)((end - now) % 1000000000u);
			nanosleep(&ts, NULL);
			continue;
		}
		wait_fds((long)((end - now) / 1000000u) + 1, false);
	}
	return true;
}

static double jitter(void)
{
	uint8_t b[8];
	uint64_t v;

	span_random_id(b, 8);
	memcpy(&v, b, 8);
	return (double)(v >> 11) / 9007199254740992.0;
}

/* Sends one batch, with retries, then frees its spans. */
static void send_batch(struct otlp_sender *snd, struct triage_span **b,
		       size_t n, const struct otlp_resource *res)
{
	struct otlp_result r;
	uint8_t *body = NULL;
	size_t len, i;
	long timeout, wait;
	int attempt;
	bool retry;

	if (otlp_encode_spans(b, n, res, &body, &len)) {
		count_dropped(n);
		note_result(false, NULL, n);
		goto out;
	}
	for (attempt = 0;; attempt++) {
		timeout = ex.cfg.timeout_ms;
		if (atomic_load(&ex.stopping) && stop_ms_left() < timeout)
			timeout = stop_ms_left();
		if (timeout <= 0) {
			count_dropped(n);
			break;
		}
		if (otlp_send(snd, body, len, timeout, &r) == 0) {
			size_t rejected =
			    r.rejected < (int64_t)n ? (size_t)r.rejected : n;

			count_exported(n - rejected);
			if (rejected)
				count_dropped(rejected);
			note_result(true, &r, 0);
			break;
		}

		/* OTLP: retry 429, 502, 503, 504 and lost connections;
		 * Retry-After counts for 429 and 503. */
		retry = r.status == 0 || otlp_retryable_status(r.status);
		wait = r.retry_after_ms >= 0 &&
			       (r.status == 429 || r.status == 503)
			   ? r.retry_after_ms
			   : otlp_backoff_ms(attempt, jitter());
		if (!retry || attempt >= ex.cfg.retries || !pause_ms(wait)) {
			count_dropped(n);
			note_result(false, &r, n);
			break;
		}
	}
out:
	free(body);
	for (i = 0; i < n; i++)
		span_free(b[i]);
}

static size_t take_batch(struct triage_span **b)
{
	size_t n = 0;

	while (n < (size_t)ex.cfg.batch && (b[n] = oq_pop(&ex.q)))
		n++;
	return n;
}

/* A request under way gives up once a stop's deadline has passed. */
static bool past_deadline(void)
{
	return atomic_load(&ex.stopping) && mono_ns() >= ex.deadline_ns;
}

/* Sends batches as they fill or as the delay passes; on a stop, sends
 * what is left until the deadline, drops the rest, and returns. */
static void *exporter_main(void *arg)
{
	struct otlp_resource res = {ex.cfg.service, (int64_t)getpid()};
	struct otlp_sender *snd =
	    otlp_sender_new(ex.cfg.url, ex.cfg.headers, ex.cfg.gzip);
	struct triage_span **b = malloc((size_t)ex.cfg.batch * sizeof(*b));
	size_t n;
	bool stopping;

	if (snd)
		otlp_sender_abort_when(snd, past_deadline);
	else
		note_result(false, NULL, 0);
	for (;;) {
		stopping = atomic_load(&ex.stopping);
		if (!stopping && oq_len(&ex.q) < (size_t)ex.cfg.batch)
			wait_fds(ex.cfg.delay_ms, true);
		while (b && (n = take_batch(b)) > 0) {
			stopping = atomic_load(&ex.stopping);
			if (!snd || (stopping && stop_ms_left() == 0)) {
				count_dropped(n);
				while (n)
					span_free(b[--n]);
				continue;
			}
			send_batch(snd, b, n, &res);
		}
		if (!b)
			tlog(TLOG_ERROR, "span exporter out of memory");
		if (stopping || !b)
			break;
	}
	free(b);
	otlp_sender_free(snd);
	return arg;
}

/* --- life cycle --- */

static int open_fds(void)
{
	ex.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ex.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return ex.wake_fd >= 0 && ex.stop_fd >= 0 ? 0 : TRIAGE_ESYS;
}

static void close_fds(void)
{
	if (ex.wake_fd >= 0)
		close(ex.wake_fd);
	if (ex.stop_fd >= 0)
		close(ex.stop_fd);
	ex.wake_fd = ex.stop_fd = -1;
}

static void at_exit(void)
{
	otlp_exporter_stop();
}

/* A forked child forgets the parent's queue and thread; its first span
 * starts its own exporter. */
static void after_fork_child(void)
{
	pthread_mutex_init(&ex.start_lock, NULL);
	pthread_mutex_init(&pending.lock, NULL);
	atomic_store(&ex.running, false);
	atomic_store(&ex.stopping, false);
	atomic_store(&ex.stuck, false);
	atomic_store(&ex.wake_pending, false);
	oq_reset(&ex.q);
	close_fds();
	if (open_fds()) {
		close_fds();
		atomic_store(&ex.enabled, false);
	}
}

/* What an enabled exporter needs, made once: the queue, the eventfds,
 * the counters, libcurl, the exit and fork hooks. */
static bool make_resources(void)
{
	if (ex.resources)
		return true;
	if (ex.cfg.batch > ex.cfg.queue)
		ex.cfg.batch = ex.cfg.queue;
	if (oq_init(&ex.q, (size_t)ex.cfg.queue) || open_fds()) {
		close_fds();
		tlog(TLOG_ERROR, "span exporter not started: %s",
		     triage_strerror(TRIAGE_ENOMEM));
		return false;
	}

	/* Registered now: /metrics shows both from 0 once spans are
	 * exported. */
	ex.c_exported = metrics_agent_counter(METRICS_SPANS_EXPORTED);
	ex.c_dropped = metrics_agent_counter(METRICS_SPANS_DROPPED);

	/* libcurl first: atexit handlers run in reverse, so the flush at
	 * exit comes before anything libcurl's TLS library registered. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	atexit(at_exit);
	pthread_atfork(NULL, NULL, after_fork_child);
	ex.resources = true;
	return true;
}

/* Exports when there is an endpoint and what it takes could be made. */
static void enable(void)
{
	bool on = ex.cfg.url && ex.cfg.service && make_resources();

	atomic_store(&ex.enabled, on);
	if (on)
		tlog(TLOG_INFO, "exporting spans to %s as service %s",
		     ex.cfg.url, ex.cfg.service);
}

static void setup(void)
{
	pthread_mutex_lock(&pending.lock);
	otlp_read_config(&ex.cfg);
	if (pending.set)
		otlp_config_override(&ex.cfg, pending.endpoint,
				     pending.service);
	enable();
	atomic_store(&ex.setup_done, true);
	pthread_mutex_unlock(&pending.lock);
}

void otlp_exporter_configure(const char *endpoint, const char *service)
{
	if (!endpoint && !service)
		return;
	pthread_mutex_lock(&pending.lock);
	if (!atomic_load(&ex.setup_done)) {
		free(pending.endpoint);
		free(pending.service);
		pending.endpoint = endpoint ? strdup(endpoint) : NULL;
		pending.service = service ? strdup(service) : NULL;
		pending.set = true;
		pthread_mutex_unlock(&pending.lock);
		return;
	}
	pthread_mutex_unlock(&pending.lock);

	/* Live: what is queued goes to the old endpoint, then the switch,
	 * while no exporter thread runs (ending spans may wait here). A
	 * span ended meanwhile may have started the thread again: stop it
	 * again, since the thread uses the settings being replaced. */
	for (;;) {
		otlp_exporter_stop();
		pthread_mutex_lock(&ex.start_lock);
		if (!atomic_load(&ex.running) || atomic_load(&ex.stuck))
			break;
		pthread_mutex_unlock(&ex.start_lock);
	}
	if (!atomic_load(&ex.stuck)) {
		otlp_config_override(&ex.cfg, endpoint, service);
		enable();
	}
	pthread_mutex_unlock(&ex.start_lock);
}

static bool start_thread(void)
{
	uint64_t v;
	bool ok;

	pthread_mutex_lock(&ex.start_lock);
	if (!atomic_load(&ex.running) && !atomic_load(&ex.stuck) &&
	    atomic_load(&ex.enabled)) { /* configure may have turned it off */
		if (read(ex.stop_fd, &v, sizeof(v)) < 0) {
			/* EAGAIN: no stop was pending. */
		}
		atomic_store(&ex.stopping, false);
		if (thr_create_agent(&ex.thread, "otlp", exporter_main, NULL))
			tlog(TLOG_WARN, "no span exporter thread: %s",
			     strerror(errno));
		else
			atomic_store(&ex.running, true);
	}
	ok = atomic_load(&ex.running);
	pthread_mutex_unlock(&ex.start_lock);
	return ok;
}

bool otlp_enqueue(struct triage_span *s)
{
	uint64_t one = 1;

	pthread_once(&ex.once, setup);
	if (!atomic_load_explicit(&ex.enabled, memory_order_acquire))
		return false;
	if ((!atomic_load(&ex.running) && !start_thread()) ||
	    !oq_push(&ex.q, s)) {
		count_dropped(1);
		span_free(s);
		return true;
	}
	if (oq_len(&ex.q) >= (size_t)ex.cfg.batch &&
	    !atomic_exchange(&ex.wake_pending, true) &&
	    write(ex.wake_fd, &one, sizeof(one)) < 0)
		atomic_store(&ex.wake_pending, false);
	return true;
}

void otlp_exporter_stop(void)
{
	struct timespec until;
	uint64_t one = 1;
	long wait;

	if (!ex.resources)
		return;
	pthread_mutex_lock(&ex.start_lock);
	if (!atomic_load(&ex.running)) {
		pthread_mutex_unlock(&ex.start_lock);
		return;
	}
	ex.deadline_ns = mono_ns() + (uint64_t)ex.cfg.exit_wait_ms * 1000000u;
	atomic_store(&ex.stopping, true);
	if (write(ex.stop_fd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow from one write. */
	}

	/* The thread ends by the deadline, give or take the second that
	 * libcurl may take to notice it in a request under way. */
	wait = ex.cfg.exit_wait_ms + 1500;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait / 1000;
	until.tv_nsec += (wait % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	if (pthread_timedjoin_np(ex.thread, NULL, &until) == 0) {
		atomic_store(&ex.running, false);
	} else {
		atomic_store(&ex.stuck, true);
		tlog(TLOG_WARN,
		     "span exporter still busy after %ld ms; %zu "
		     "spans not sent",
		     ex.cfg.exit_wait_ms, oq_len(&ex.q));
	}
	pthread_mutex_unlock(&ex.start_lock);
}
