/*
 * pty_drive - runs a program on a pseudo-terminal and types lines into
 * it, as a person at a terminal would, each once the program shows its
 * prompt; prints the whole session (what the terminal showed, with \r
 * and terminal escape sequences taken out) and exits with the
 * program's status.
 *
 * usage: pty_drive PROMPT SCRIPT SECONDS -- PROG [ARGS...]
 *
 * SCRIPT has one line to type per line, each ended by Enter; the escapes
 * \b (backspace, sent as DEL), \p (Ctrl-P: the previous line of
 * history), \d (Ctrl-D: end of input) and \\ are turned into their
 * keys. After the last line, PROG must exit by itself. SECONDS
 * bounds the whole session: past it, PROG is killed and pty_drive
 * fails.
 */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *shown;
static size_t nshown, cap;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Keeps what the terminal shows, without \r and escape sequences. */
static void keep(const char *buf, size_t n)
{
	static int esc; /* 0: text; 1: after ESC; 2: in a CSI sequence */
	size_t i;

	for (i = 0; i < n; i++) {
		char c = buf[i];

		if (esc == 1) {
			esc = c == '[' ? 2 : 0;
			continue;
		}
		if (esc == 2) {
			if (c >= 0x40 && c <= 0x7e)
				esc = 0;
			continue;
		}
		if (c == 0x1b) {
			esc = 1;
			continue;
		}
		if (c == '\r' || c == '\a')
			continue;
		if (nshown + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			shown = realloc(shown, cap);
			if (!shown)
				exit(3);
		}
		shown[nshown++] = c;
		shown[nshown] = '\0';
	}
}

/* Reads what the program writes until `want` ends what is shown, past
 * position `mark` (or, when `want` is NULL, until the terminal closes).
 * 0, or -1 past the deadline. */
static int read_until(int fd, const char *want, size_t mark, double deadline)
{
	char buf[4096];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;

	for (;;) {
		if (want && nshown >= mark + strlen(want) &&
		    !strcmp(shown + nshown - strlen(want), want))
			return 0;
		if (now() > deadline)
			return -1;
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) /* EIO: the program closed the terminal */
			return want ? -1 : 0;
		keep(buf, (size_t)n);
	}
}

/* One script line into keystrokes. */
static size_t keys(const char *line, char *out)
{
	size_t n = 0;

	for (; *line && *line != '\n'; line++) {
		if (line[0] == '\\' && line[1] == 'b') {
			out[n++] = 0x7f;
			line++;
		} else if (line[0] == '\\' && line[1] == 'p') {
			out[n++] = 0x10;
			line++;
		} else if (line[0] == '\\' && line[1] == 'd') {
			out[n++] = 0x04;
			line++;
		} else if (line[0] == '\\' && line[1] == '\\') {
			out[n++] = '\\';
			line++;
		} else {
			out[n++] = *line;
		}
	}
	out[n++] = '\r';
	return n;
}

int main(int argc, char **argv)
{
	char line[4096], typed[4096];
	double deadline;
	size_t mark = 0;
	FILE *script;
	int fd, status;
	pid_t pid;

	if (argc < 6 || strcmp(argv[4], "--")) {
		fprintf(stderr, "usage: pty_drive PROMPT SCRIPT SECONDS -- "
				"PROG [ARGS...]\n");
		return 2;
	}
	script = fopen(argv[2], "r");
	if (!script) {
		perror(argv[2]);
		return 2;
	}
	deadline = now() + atof(argv[3]);
	pid = forkpty(&fd, NULL, NULL, NULL);
	if (pid < 0) {
		perror("forkpty");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[5], argv + 5);
		perror(argv[5]);
		_exit(127);
	}
	while (fgets(line, sizeof(line), script)) {
		size_t n = keys(line, typed);

		/* A prompt after what was shown when the last line went. */
		if (read_until(fd, argv[1], mark, deadline) < 0)
			goto timeout;
		if (write(fd, typed, n) != (ssize_t)n)
			goto timeout;
		mark = nshown;
	}
	if (read_until(fd, NULL, 0, deadline) < 0)
		goto timeout;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	fwrite(shown, 1, nshown, stdout);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
timeout:
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fwrite(shown, 1, nshown, stdout);
	fprintf(stderr, "pty_drive: no prompt or exit within %s s\n", argv[3]);
	return 124;
}
