/*
 * cpu_threads - N threads burning CPU, each in its own function, for
 * checking that every thread is sampled and that the sampled CPU time
 * matches the CPU time really used.
 *
 * At exit it writes "cpu_ns=<sum>" to the file given: the CPU time of
 * every thread of the program (the workers and main), measured on each
 * thread's own clock. The agent's threads are not counted, as their
 * time is not in the profile either.
 *
 * usage: cpu_threads THREADS SECONDS OUTFILE
 */
#include "burn.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS 16

static double seconds;
static long long used[MAX_THREADS];

NOINLINE void spin_worker(int id)
{
	BURN_LOOP(seconds * 1e9);
	used[id] = burn_thread_ns();
}

static void *worker(void *arg)
{
	spin_worker((int)(long)arg);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[MAX_THREADS];
	long long total = 0;
	int n, i;
	FILE *f;

	if (argc != 4)
		return 2;
	n = atoi(argv[1]);
	seconds = strtod(argv[2], NULL);
	if (n < 1 || n > MAX_THREADS)
		return 2;
	for (i = 0; i < n; i++)
		pthread_create(&t[i], NULL, worker, (void *)(long)i);
	for (i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		total += used[i];
	}
	total += burn_thread_ns();
	f = fopen(argv[3], "w");
	if (!f)
		return 1;
	fprintf(f, "cpu_ns=%lld\n", total);
	fclose(f);
	return 0;
}
