/*
 * metrics_process.c - the standard process_* metrics, read from /proc at
 * each scrape, with the names and units Prometheus's clients use, so
 * the usual dashboards and the shipped alerts work unchanged.
 *
 * CPU time, threads, start time and memory come from /proc/self/stat
 * (one read, one consistent line); open descriptors from listing
 * /proc/self/fd (without the descriptor of the listing itself); the
 * limits from getrlimit, which is what /proc/self/limits shows. The
 * thread count is process_threads: Go's go_threads names Go's runtime.
 */
#include "metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Reads a small /proc file whole; the length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

static double btime = -1;
static pthread_once_t btime_once = PTHREAD_ONCE_INIT;

static void read_btime(void)
{
	char line[256];
	FILE *f = fopen("/proc/stat", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!metrics_parse_btime(line, strlen(line), &btime))
			break;
	if (f)
		fclose(f);
}

/* The boot time, read once (it does not change); -1 when unknown. */
static double boot_time(void)
{
	pthread_once(&btime_once, read_btime);
	return btime;
}

static int fd_number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *end || end == s ? -1 : (int)v;
}

static double open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	double n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && fd_number(e->d_name) != dirfd(d))
			n++;
	closedir(d);
	return n;
}

/* A limit as Go's procfs reports it: "unlimited" is 2^64-1. */
static double limit(int resource)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl))
		return -1;
	return rl.rlim_cur == RLIM_INFINITY ? 18446744073709551615.0
					    : (double)rl.rlim_cur;
}

enum { CPU, FDS, MAX_FDS, VSIZE, RSS, VMAX, START, THREADS, NPROC };

static const struct {
	const char *name, *type, *help;
} proc_metrics[NPROC] = {
	[CPU] = {"process_cpu_seconds_total", "counter",
		 "CPU time (user and system) the process has used, in "
		 "seconds."},
	[FDS] = {"process_open_fds", "gauge",
		 "File descriptors the process has open."},
	[MAX_FDS] = {"process_max_fds", "gauge",
		     "The most file descriptors the process may open (soft "
		     "RLIMIT_NOFILE)."},
	[VSIZE] = {"process_virtual_memory_bytes", "gauge",
		   "Size of the process's address space, in bytes."},
	[RSS] = {"process_resident_memory_bytes", "gauge",
		 "Memory of the process resident in RAM, in bytes."},
	[VMAX] = {"process_virtual_memory_max_bytes", "gauge",
		  "The largest address space the process may have (soft "
		  "RLIMIT_AS), in bytes."},
	[START] = {"process_start_time_seconds", "gauge",
		   "When the process started, in seconds since the Unix "
		   "epoch."},
	[THREADS] = {"process_threads", "gauge", "Threads in the process."},
};

/* A metric whose source could not be read is left out, not shown as
 * a made-up zero. */
void metrics_write_process(struct metrics_buf *b, bool om)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	double page = (double)sysconf(_SC_PAGESIZE);
	double v[NPROC], boot = boot_time();
	struct metrics_proc_stat st;
	char text[4096];
	ssize_t n = read_small("/proc/self/stat", text, sizeof(text));
	bool have = n > 0 && !metrics_parse_proc_stat(text, (size_t)n, &st);
	int i;

	v[CPU] = have ? (st.utime_ticks + st.stime_ticks) / hz : -1;
	v[FDS] = open_fds();
	v[MAX_FDS] = limit(RLIMIT_NOFILE);
	v[VSIZE] = have ? st.vsize : -1;
	v[RSS] = have ? st.rss_pages * page : -1;
	v[VMAX] = limit(RLIMIT_AS);
	v[START] = have && boot >= 0 ? boot + st.starttime_ticks / hz : -1;
	v[THREADS] = have ? st.num_threads : -1;
	for (i = 0; i < NPROC; i++) {
		if (v[i] < 0)
			continue;
		metrics_write_header(b, om, proc_metrics[i].name,
				     proc_metrics[i].help,
				     proc_metrics[i].type);
		metrics_write_sample(b, om, proc_metrics[i].name, NULL, NULL,
				     NULL, 0, NULL, NULL, v[i]);
	}
}
