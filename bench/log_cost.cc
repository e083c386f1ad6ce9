/*
 * log_cost.cc - the cost of one log line with five fields and a trace
 * context, written to a file, on one and two threads: triage's logger
 * against spdlog's synchronous file logger (Debian's libspdlog-dev, the
 * same line as JSON through its pattern and fmt) and a plain snprintf +
 * stdio baseline, in the same run. triage also runs with every line
 * written through (TRIAGE_LOG_SYNC=1), the price of batching's absence.
 *
 *   log_cost [ROUNDS [LINES [ONLY]]]   (ONLY: run just the logger named)
 *
 * LOG_COST_FILE=/dev/null writes every logger's lines there instead:
 * the formatting and the system calls without a file system's work.
 *
 * Each round runs every logger in turn, the order rotating from round
 * to round, each writing LINES lines per thread into a fresh file in
 * $TMPDIR, and includes the final flush. The figure is the process's
 * CPU time (every thread, user and kernel: the formatting and the
 * write(2)s, wherever they run) over the lines written: what a line
 * costs the machine. It is not inflated when other work preempts the
 * benchmark, as wall time is on a shared machine (wall time is shown
 * too). Medians over rounds, and the median of each round's ratio to
 * triage. A counting malloc counts the heap allocations made while the
 * lines are written.
 */
#include "triage.h"
extern "C" {
#include "span_current.h"
}

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

extern "C" void *__libc_malloc(size_t);
extern "C" void *__libc_calloc(size_t, size_t);
extern "C" void *__libc_realloc(void *, size_t);

/* agent/logger.h's, which is C11 (stdatomic.h). */
extern "C" void lg_configure(const struct triage_options *opts);

static std::atomic<long> allocations;

/* Every allocation of the process passes here (C++'s new included). */
extern "C" void *malloc(size_t n)
{
	allocations.fetch_add(1, std::memory_order_relaxed);
	return __libc_malloc(n);
}

extern "C" void *calloc(size_t n, size_t m)
{
	allocations.fetch_add(1, std::memory_order_relaxed);
	return __libc_calloc(n, m);
}

extern "C" void *realloc(void *p, size_t n)
{
	allocations.fetch_add(1, std::memory_order_relaxed);
	return __libc_realloc(p, n);
}

namespace
{

/* The line's variable parts, the same for every logger. */
struct event {
	int id;
	const char *path;
	int status;
	unsigned long bytes;
	double ms;
	bool cached;
};

const char *const kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
const char *const kSpan = "00f067aa0ba902b7";

double now_s(clockid_t clock = CLOCK_MONOTONIC)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void set_trace()
{
	struct span_current cur = {};

	for (int i = 0; i < 16; i++)
		cur.ctx.trace_id[i] = (uint8_t)(0x4b + i);
	for (int i = 0; i < 8; i++)
		cur.ctx.span_id[i] = (uint8_t)(0x0f + i);
	cur.ctx.flags = 1;
	span_current_set(&cur, nullptr);
}

event make_event(int i)
{
	return event{i,	   "/patients/import", 200, 4096ul + (unsigned)i,
		     12.5, (i & 1) != 0};
}

/* --- the loggers --- */

struct logger {
	const char *name;
	std::function<void(const std::string &path)> open;
	std::function<void(const event &)> line;
	std::function<void()> close;
};

void triage_line(const event &e)
{
	triage_info_kv(TRIAGE_FIELDS(TRIAGE_STR("path", e.path),
				     TRIAGE_INT("status", e.status),
				     TRIAGE_UINT("bytes", e.bytes),
				     TRIAGE_DOUBLE("ms", e.ms),
				     TRIAGE_BOOL("cached", e.cached)),
		       "request %d done", e.id);
}

void triage_open(const std::string &path, bool sync)
{
	struct triage_options o;

	triage_options_init(&o);
	o.log_path = path.c_str();
	o.log_daily = 0;
	o.log_sync = sync;
	lg_configure(&o);
	set_trace();
}

std::shared_ptr<spdlog::logger> spd;

void spdlog_open(const std::string &path)
{
	spdlog::drop("bench");
	spd = spdlog::basic_logger_mt("bench", path, true);
	spd->set_pattern("{\"@timestamp\":\"%Y-%m-%dT%H:%M:%S.%e%z\","
			 "\"level\":\"%l\",%v}");
	spd->set_level(spdlog::level::info);
}

void spdlog_line(const event &e)
{
	spd->info("\"content\":\"request {} done\",\"trace\":\"{}\","
		  "\"span\":\"{}\",\"caller\":\"{}:{}\",\"path\":\"{}\","
		  "\"status\":{},\"bytes\":{},\"ms\":{},\"cached\":{}",
		  e.id, kTrace, kSpan, "bench/log_cost.cc", __LINE__, e.path,
		  e.status, e.bytes, e.ms, e.cached);
}

FILE *stdio_file;

void stdio_line(const event &e)
{
	char ts[40], line[1024];
	struct timespec t;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &t);
	localtime_r(&t.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line),
		     "{\"@timestamp\":\"%s.%03ldZ\",\"level\":\"info\","
		     "\"content\":\"request %d done\",\"trace\":\"%s\","
		     "\"span\":\"%s\",\"caller\":\"%s:%d\",\"path\":\"%s\","
		     "\"status\":%d,\"bytes\":%lu,\"ms\":%g,\"cached\":%s}\n",
		     ts, t.tv_nsec / 1000000, e.id, kTrace, kSpan,
		     "bench/log_cost.cc", __LINE__, e.path, e.status, e.bytes,
		     e.ms, e.cached ? "true" : "false");
	fwrite(line, 1, (size_t)n, stdio_file);
}

std::vector<logger> loggers()
{
	return {
	    {"triage", [](const std::string &p) { triage_open(p, false); },
	     triage_line, [] { triage_log_flush(); }},
	    {"spdlog", spdlog_open, spdlog_line, [] { spd->flush(); }},
	    {"snprintf+stdio",
	     [](const std::string &p) { stdio_file = fopen(p.c_str(), "w"); },
	     stdio_line, [] { fclose(stdio_file); }},
	    {"triage sync", [](const std::string &p) { triage_open(p, true); },
	     triage_line, [] { triage_log_flush(); }},
	};
}

struct result {
	double ns_per_line;
	double wall_ns_per_line;
	double allocs_per_line;
	bool whole;
};

/* Counts the file's lines: each logger must have written them all. */
long count_lines(const std::string &path)
{
	FILE *f = fopen(path.c_str(), "r");
	static char buf[1 << 16];
	long n = 0;
	size_t got;

	if (!f)
		return -1;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		for (const char *p = buf;
		     (p = (const char *)memchr(p, '\n', buf + got - p)); p++)
			n++;
	fclose(f);
	return n;
}

/* False when LOG_COST_FILE names a device: nothing to unlink or count. */
bool regular = true;

result run(const logger &lg, const std::string &path, int threads, long lines)
{
	std::vector<std::thread> ts;
	std::atomic<int> ready{0};
	std::atomic<bool> go{false};
	long a0;
	double t0, t1, c0, c1;

	if (regular)
		unlink(path.c_str());
	lg.open(path);
	for (int t = 0; t < threads; t++) {
		ts.emplace_back([&] {
			set_trace();
			lg.line(make_event(-1)); /* the thread's first line */
			ready++;
			while (!go.load())
				;
			for (long i = 0; i < lines; i++)
				lg.line(make_event((int)i));
		});
	}
	while (ready.load() < threads)
		;
	a0 = allocations.load();
	t0 = now_s();
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	go = true;
	for (auto &t : ts)
		t.join();
	lg.close();
	t1 = now_s();
	c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);

	result r;
	r.ns_per_line = (c1 - c0) * 1e9 / ((double)lines * threads);
	r.wall_ns_per_line = (t1 - t0) * 1e9 / (double)lines;
	r.allocs_per_line =
	    (double)(allocations.load() - a0) / ((double)lines * threads);
	r.whole = !regular || count_lines(path) == (lines + 1) * threads;
	return r;
}

double median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

} // namespace

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 11;
	long lines = argc > 2 ? atol(argv[2]) : 200000;
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	std::string path =
	    std::string(tmp) + "/log_cost." + std::to_string(getpid()) + ".log";
	struct stat st;

	if (getenv("LOG_COST_FILE")) {
		path = getenv("LOG_COST_FILE");
		regular = stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode);
	}
	auto ls = loggers();

	if (argc > 3)
		ls.erase(std::remove_if(ls.begin(), ls.end(),
					[&](const logger &l) {
						return strcmp(l.name, argv[3]);
					}),
			 ls.end());
	if (ls.empty())
		return 2;

	printf("%ld lines a thread, %d rounds, file %s\n", lines, rounds,
	       path.c_str());
	for (int threads = 1; threads <= 2; threads++) {
		std::vector<std::vector<double>> ns(ls.size()),
		    allocs(ls.size()), ratio(ls.size()), wall(ls.size());
		bool whole = true;

		for (int r = 0; r < rounds; r++) {
			for (size_t k = 0; k < ls.size(); k++) {
				size_t i = (k + (size_t)r) % ls.size();
				result x = run(ls[i], path, threads, lines);

				ns[i].push_back(x.ns_per_line);
				allocs[i].push_back(x.allocs_per_line);
				ratio[i].push_back(x.ns_per_line);
				wall[i].push_back(x.wall_ns_per_line);
				if (!x.whole) {
					printf("%s: lines missing\n",
					       ls[i].name);
					whole = false;
				}
			}
		}
		printf("\n%d thread%s: CPU ns per line, wall ns per line of a "
		       "thread, allocations per line, CPU time / triage's "
		       "(medians)\n",
		       threads, threads > 1 ? "s" : "");
		/* Ratios round by round, then their median. */
		for (size_t i = 0; i < ls.size(); i++)
			for (int r = 0; r < rounds; r++)
				ratio[i][(size_t)r] /= ns[0][(size_t)r];
		for (size_t i = 0; i < ls.size(); i++)
			printf("  %-16s %6.0f ns cpu %6.0f ns wall %6.3f "
			       "allocs %5.2fx\n",
			       ls[i].name, median(ns[i]), median(wall[i]),
			       median(allocs[i]), median(ratio[i]));
		if (!whole)
			return 1;
	}
	if (regular)
		unlink(path.c_str());
	return 0;
}
