// contention_cxx - a C++ work queue, for checking that a program built on
// the standard library's locks runs unchanged under the agent and that
// its waits show in the profiles.
//
// PRODUCERS threads push the numbers 1..ITEMS through a bounded queue
// (std::mutex and two std::condition_variable, one waited on with a
// timeout) to CONSUMERS threads, which add them up and count them in a
// table behind a std::shared_mutex that a reader thread scans; a
// std::timed_mutex is taken with a timeout. The consumers start 100 ms
// before the producers, so they surely wait in consume(); first, a
// thread surely waits 100 ms for a std::mutex in wait_at_gate(), and
// times it. At the end it checks the sum and the count, prints
// "gate_ns=<n> sum=<n> count=<n> ok" (exit 0) or "... WRONG" (exit 1),
// and with "stay" prints "done" and waits to be killed.
//
// usage: contention_cxx PRODUCERS CONSUMERS ITEMS [stay]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

static const size_t kCapacity = 16;

static std::mutex queue_mu;
static std::condition_variable not_empty, not_full;
static std::deque<long> queue;
static int producers_left;

static std::shared_mutex table_mu;
static std::map<int, long> per_consumer;

static std::timed_mutex total_mu;
static long long total;

static std::atomic<bool> finished{false};

static std::mutex gate;
static std::atomic<bool> at_gate{false};
static long long gate_ns;

static __attribute__((noinline)) void wait_at_gate()
{
	auto t0 = std::chrono::steady_clock::now();

	at_gate = true;
	gate.lock();
	gate_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
			  std::chrono::steady_clock::now() - t0)
			  .count();
	gate.unlock();
}

// Holds the gate for 100 ms once a thread is about to take it.
static void gate_phase()
{
	gate.lock();
	std::thread t(wait_at_gate);
	while (!at_gate.load())
		std::this_thread::yield();
	std::this_thread::sleep_for(std::chrono::milliseconds(100));
	gate.unlock();
	t.join();
}

static __attribute__((noinline)) void produce(long from, long to)
{
	for (long v = from; v <= to; v++) {
		std::unique_lock<std::mutex> lk(queue_mu);
		not_full.wait(lk, [] { return queue.size() < kCapacity; });
		queue.push_back(v);
		not_empty.notify_one();
	}
	std::lock_guard<std::mutex> lk(queue_mu);
	producers_left--;
	not_empty.notify_all();
}

// Takes the next number, or returns false once every producer is done.
static __attribute__((noinline)) bool consume(long *v)
{
	std::unique_lock<std::mutex> lk(queue_mu);
	while (queue.empty()) {
		if (producers_left == 0)
			return false;
		not_empty.wait_for(lk, std::chrono::milliseconds(50));
	}
	*v = queue.front();
	queue.pop_front();
	not_full.notify_one();
	return true;
}

static void consumer(int id)
{
	long v, sum = 0, n = 0;

	while (consume(&v)) {
		sum += v;
		n++;
		if (n % 64 == 0) {
			std::unique_lock<std::shared_mutex> w(table_mu);
			per_consumer[id] = n;
		}
	}
	{
		std::unique_lock<std::shared_mutex> w(table_mu);
		per_consumer[id] = n;
	}
	while (!total_mu.try_lock_for(std::chrono::milliseconds(10)))
		;
	total += sum;
	total_mu.unlock();
}

static void reader()
{
	while (!finished.load()) {
		std::shared_lock<std::shared_mutex> r(table_mu);
		long seen = 0;

		for (const auto &kv : per_consumer)
			seen += kv.second;
		(void)seen;
	}
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	int np = atoi(argv[1]), nc = atoi(argv[2]);
	long items = atol(argv[3]);
	bool stay = argc > 4 && !strcmp(argv[4], "stay");
	std::vector<std::thread> threads;

	if (np < 1 || nc < 1 || items < np)
		return 2;
	gate_phase();
	producers_left = np;
	std::thread r(reader);
	for (int i = 0; i < nc; i++)
		threads.emplace_back(consumer, i);
	std::this_thread::sleep_for(std::chrono::milliseconds(100));
	for (int i = 0; i < np; i++) {
		long from = items / np * i + 1;
		long to = i == np - 1 ? items : items / np * (i + 1);

		threads.emplace_back(produce, from, to);
	}
	for (auto &t : threads)
		t.join();
	finished = true;
	r.join();

	long count = 0;
	for (const auto &kv : per_consumer)
		count += kv.second;
	long long want = (long long)items * (items + 1) / 2;
	bool ok = total == want && count == items;
	printf("gate_ns=%lld sum=%lld count=%ld %s\n", gate_ns, total, count,
	       ok ? "ok" : "WRONG");
	fflush(stdout);
	if (!ok)
		return 1;
	if (stay) {
		printf("done\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	return 0;
}
