/*
 * metrics_bench.cc - the cost of a counter increment and a histogram
 * observation on one and two threads, and of a scrape of 10,000
 * series, for triage against prometheus-cpp (Debian's
 * prometheus-cpp-dev) and a counter behind a mutex, in the same run.
 *
 *   metrics_bench [ROUNDS [OPS]]
 *
 * Each round runs every implementation in turn, the order rotating
 * from round to round; the figures are medians over the rounds. A
 * thread's cost is its own CPU time over its operations (what the
 * update takes from the thread, shared cache lines included), so other
 * load on the machine does not count; with two threads, pinned to two
 * CPUs, both update the same metric at once and the figure is their
 * mean; one thread runs on each CPU in turn, round by round. triage
 * is linked as the shared library a service would load.
 *
 * "triage" is the increment as a service compiles it (inlined,
 * triage.h) with the counter's handle in a local variable, as in a
 * loop; "triage-global" the same with the handle read from a global
 * each time, as a service that keeps its metrics in globals does;
 * "triage-call" calls the library's function, as a program built with
 * TRIAGE_NO_INLINE or another language's binding does. Every other
 * loop copies its handles to locals first, so that none reloads them
 * from the closure.
 */
#include "triage.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <vector>

namespace {

const int kSeries = 10000;
double values[4096];
struct triage_metric_counter *global_counter;

double cpu_ns()
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

double wall_ns()
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Latencies from 0.1 ms to 20 s, log-uniform: every bucket gets some. */
void make_values()
{
	unsigned long long x = 88172645463325252ull;

	for (double &v : values) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = 1e-4 * std::pow(2e5, (double)(x % 1000000) / 1e6);
	}
}

/* One benchmark: `run(n)` does n operations on the calling thread. */
struct Impl {
	const char *name;
	std::function<void(long)> run;
};

/* Thread i on CPU i: two threads must run on two cores to share (or
 * not) a cache line, not take turns on one. */
void pin(int i)
{
	cpu_set_t set;
	int n = (int)std::thread::hardware_concurrency();

	CPU_ZERO(&set);
	CPU_SET(n > 0 ? i % n : 0, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* ns per operation: mean over `threads` threads of CPU time / n. Thread
 * i runs on CPU first + i: a one-thread figure taken on CPU 0 in some
 * rounds and CPU 1 in others covers the same CPUs as a two-thread one,
 * which matters on a VM whose two CPUs are not equally fast. */
double measure(const Impl &impl, int threads, long n, int first)
{
	std::atomic<int> ready{0};
	std::atomic<bool> go{false};
	std::vector<double> ns(threads);
	std::vector<std::thread> t;

	for (int i = 0; i < threads; i++)
		t.emplace_back([&, i] {
			pin(first + i);
			ready++;
			while (!go.load())
				;
			double t0 = cpu_ns();

			impl.run(n);
			ns[i] = (cpu_ns() - t0) / (double)n;
		});
	while (ready.load() < threads)
		;
	go = true;
	for (auto &th : t)
		th.join();
	double sum = 0;

	for (double v : ns)
		sum += v;
	return sum / threads;
}

double median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	return v[v.size() / 2];
}

/* Runs each implementation `rounds` times, rotating the order. */
std::vector<double> compare(const std::vector<Impl> &impls, int threads,
			    long n, int rounds)
{
	std::vector<std::vector<double>> got(impls.size());
	std::vector<double> med;

	for (int r = 0; r < rounds; r++)
		for (size_t k = 0; k < impls.size(); k++) {
			size_t i = (k + (size_t)r) % impls.size();

			got[i].push_back(measure(impls[i], threads, n, r));
		}
	for (auto &g : got)
		med.push_back(median(g));
	return med;
}

void report(const char *what, int threads, const std::vector<Impl> &impls,
	    const std::vector<double> &med)
{
	std::printf("%-22s %d thread%s", what, threads, threads > 1 ? "s" : " ");
	for (size_t i = 0; i < impls.size(); i++)
		std::printf("  %s %7.2f ns", impls[i].name, med[i]);
	std::printf("  prometheus-cpp/triage %.1fx\n", med[1] / med[0]);
}

void die(const char *what, int err)
{
	std::fprintf(stderr, "metrics_bench: %s: %s (%s)\n", what,
		     triage_strerror(err), triage_metric_error());
	std::exit(1);
}

/* Scrapes of 10,000 counter series: median ms and bytes, both sides. */
void scrape(int rounds)
{
	static const char *const labels[] = {"id", nullptr};
	prometheus::Registry reg;
	auto &pfam = prometheus::BuildCounter()
			     .Name("bench_series_total")
			     .Help("Series of the scrape benchmark.")
			     .Register(reg);
	struct triage_metric_counter *tfam;
	std::vector<double> tms, pms;
	size_t tbytes = 0, pbytes = 0;
	int err;

	if ((err = triage_metric_counter_new(&tfam, "bench_series_total",
					     "Series of the scrape benchmark.",
					     labels)))
		die("bench_series_total", err);
	for (int i = 0; i < kSeries; i++) {
		std::string id = std::to_string(i);
		const char *v[] = {id.c_str(), nullptr};

		triage_metric_counter_add(triage_metric_counter_with(tfam, v),
					  i);
		pfam.Add({{"id", id}}).Increment(i);
	}
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < 2; k++) {
			double t0 = wall_ns();

			if ((k + r) % 2 == 0) {
				char *text;
				size_t len;

				if ((err = triage_metric_expose(
					     TRIAGE_METRIC_TEXT, &text, &len)))
					die("expose", err);
				tms.push_back((wall_ns() - t0) / 1e6);
				tbytes = len;
				std::free(text);
			} else {
				std::string s = prometheus::TextSerializer()
							.Serialize(reg.Collect());

				pms.push_back((wall_ns() - t0) / 1e6);
				pbytes = s.size();
			}
		}
	}
	std::printf("scrape of %d series     triage %.2f ms %zu bytes  "
		    "prometheus-cpp %.2f ms %zu bytes  prometheus-cpp/triage "
		    "%.1fx\n",
		    kSeries, median(tms), tbytes, median(pms), pbytes,
		    median(pms) / median(tms));
}

} // namespace

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? std::atoi(argv[1]) : 11;
	long n = argc > 2 ? std::atol(argv[2]) : 5000000;
	prometheus::Registry reg;
	auto &pc_fam = prometheus::BuildCounter().Name("c_total").Help("h").Register(
		reg);
	auto &ph_fam =
		prometheus::BuildHistogram().Name("h").Help("h").Register(reg);
	const std::vector<double> bounds = {
		0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
	};
	auto &pc = pc_fam.Add({});
	prometheus::Counter *pc4[4] = {&pc_fam.Add({{"k", "a"}}),
				       &pc_fam.Add({{"k", "b"}}),
				       &pc_fam.Add({{"k", "c"}}),
				       &pc_fam.Add({{"k", "d"}})};
	auto &ph = ph_fam.Add({}, bounds);
	struct triage_metric_counter *tc, *tc4[4];
	struct triage_metric_histogram *th;
	static const char *const k[] = {"k", nullptr};
	struct triage_metric_counter *tfam4;
	std::mutex mu[4];
	unsigned long long mc[4] = {0};
	int err;

	if (rounds < 1 || n < 1000) {
		std::fprintf(stderr, "usage: metrics_bench [ROUNDS [OPS]]\n");
		return 2;
	}
	make_values();
	if ((err = triage_metric_counter_new(&tc, "c_total", "h", nullptr)) ||
	    (err = triage_metric_counter_new(&tfam4, "c4_total", "h", k)) ||
	    (err = triage_metric_histogram_new(&th, "h", "h", nullptr,
					       bounds.data(), bounds.size())))
		die("register", err);
	for (int i = 0; i < 4; i++) {
		static const char *const names[] = {"a", "b", "c", "d"};
		const char *v[] = {names[i], nullptr};

		tc4[i] = triage_metric_counter_with(tfam4, v);
	}
	global_counter = tc;

	std::vector<Impl> inc = {
		{"triage", [tc](long m) {
			 struct triage_metric_counter *c = tc;

			 for (long i = 0; i < m; i++)
				 triage_metric_counter_inc(c);
		 }},
		{"prometheus-cpp", [&pc](long m) {
			 prometheus::Counter *p = &pc;

			 for (long i = 0; i < m; i++)
				 p->Increment();
		 }},
		{"mutex", [&](long m) {
			 for (long i = 0; i < m; i++) {
				 std::lock_guard<std::mutex> g(mu[0]);
				 mc[0]++;
			 }
		 }},
		{"triage-call", [tc](long m) {
			 struct triage_metric_counter *c = tc;

			 for (long i = 0; i < m; i++)
				 (triage_metric_counter_inc)(c);
		 }},
		{"triage-global", [](long m) {
			 for (long i = 0; i < m; i++)
				 triage_metric_counter_inc(global_counter);
		 }},
	};
	std::vector<Impl> inc4 = {
		{"triage", [tc4](long m) {
			 struct triage_metric_counter *c[4] = {tc4[0], tc4[1],
							      tc4[2], tc4[3]};

			 for (long i = 0; i < m; i++)
				 triage_metric_counter_inc(c[i & 3]);
		 }},
		{"prometheus-cpp", [pc4](long m) {
			 prometheus::Counter *p[4] = {pc4[0], pc4[1], pc4[2],
						      pc4[3]};

			 for (long i = 0; i < m; i++)
				 p[i & 3]->Increment();
		 }},
		{"mutex", [&](long m) {
			 for (long i = 0; i < m; i++) {
				 std::lock_guard<std::mutex> g(mu[i & 3]);
				 mc[i & 3]++;
			 }
		 }},
		{"triage-call", [tc4](long m) {
			 struct triage_metric_counter *c[4] = {tc4[0], tc4[1],
							      tc4[2], tc4[3]};

			 for (long i = 0; i < m; i++)
				 (triage_metric_counter_inc)(c[i & 3]);
		 }},
	};
	std::vector<Impl> observe = {
		{"triage", [th](long m) {
			 struct triage_metric_histogram *h = th;

			 for (long i = 0; i < m; i++)
				 triage_metric_histogram_observe(
					 h, values[i & 4095]);
		 }},
		{"prometheus-cpp", [&ph](long m) {
			 prometheus::Histogram *p = &ph;

			 for (long i = 0; i < m; i++)
				 p->Observe(values[i & 4095]);
		 }},
	};

	std::printf("metrics_bench: %d rounds of %ld operations per thread; "
		    "CPU ns per operation per thread, medians\n",
		    rounds, n);
	for (int t = 1; t <= 2; t++)
		report("counter increment", t, inc, compare(inc, t, n, rounds));
	for (int t = 1; t <= 2; t++)
		report("increment, 4 counters", t, inc4,
		       compare(inc4, t, n, rounds));
	for (int t = 1; t <= 2; t++)
		report("histogram observe", t, observe,
		       compare(observe, t, n, rounds));
	scrape(rounds);
	return 0;
}
