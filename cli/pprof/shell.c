/*
 * shell.c - the prompt of `triage pprof` when no report is asked for,
 * like go tool pprof's "(pprof)": readline for line editing, history
 * (kept across sessions in $HOME/.triage_pprof_history) and completion
 * of command and setting names. The commands are in shell_commands.c.
 */
#include "shell.h"

#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROMPT "(pprof) "
#define HISTORY_LINES 1000

extern char **environ;

/* readline's generator of completions: commands and settings. */
static char *complete_word(const char *text, int state)
{
	static size_t next;
	const char *w;

	if (!state)
		next = 0;
	while ((w = shell_word(next++)))
		if (!strncmp(w, text, strlen(text)))
			return strdup(w);
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	rl_attempted_completion_over = 1;
	return start == 0 ? rl_completion_matches(text, complete_word) : NULL;
}

static void history_path(char *buf, size_t len)
{
	const char *home = getenv("HOME");

	buf[0] = '\0';
	if (home && *home)
		snprintf(buf, len, "%s/.triage_pprof_history", home);
}

/* Runs a program without waiting for it; true when it started. */
static bool start_detached(char *const argv[])
{
	pid_t pid;
	int status;

	/* A grandchild, so the browser is nobody's zombie. */
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		pid_t g;

		setsid();
		if (posix_spawnp(&g, argv[0], NULL, NULL, argv, environ))
			_exit(1);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void shell_show_file(const char *path, const char *what)
{
	const char *browser = getenv("BROWSER");
	bool display = getenv("DISPLAY") || getenv("WAYLAND_DISPLAY");
	char *argv[3] = {NULL, (char *)path, NULL};

	if (browser && *browser)
		argv[0] = (char *)browser;
	else if (display)
		argv[0] = "xdg-open";
	if (argv[0] && start_detached(argv)) {
		fprintf(stderr, "Opened %s (%s) with %s\n", what, path,
			argv[0]);
		return;
	}
	printf("%s written to %s (no browser to open it: set BROWSER, or "
	       "open it yourself)\n",
	       what, path);
}

int pprof_shell(const struct tprof *p, const char *title,
		struct report_options *o)
{
	struct shell sh = {.p = p, .title = title, .o = o};
	char hist[PATH_MAX], err[1024], *line;
	size_t i;

	if (report_header(stdout, p, o, err, sizeof(err)) < 0) {
		fprintf(stderr, "triage pprof: %s\n", err);
		return CLI_FAIL;
	}
	printf("Entering interactive mode (type \"help\" for commands, "
	       "\"o\" for options)\n");
	fflush(stdout);

	rl_readline_name = "triage-pprof";
	rl_attempted_completion_function = complete;
	history_path(hist, sizeof(hist));
	if (*hist)
		read_history(hist);
	while (!sh.quit) {
		line = readline(PROMPT);
		if (!line) { /* end of input: leave the prompt's line */
			putchar('\n');
			break;
		}
		if (*line &&
		    (!history_length ||
		     strcmp(
			 history_get(history_base + history_length - 1)->line,
			 line)))
			add_history(line);
		shell_execute(&sh, line);
		free(line);
		fflush(stdout);
	}
	if (*hist && write_history(hist) == 0)
		history_truncate_file(hist, HISTORY_LINES);
	for (i = 0; i < sizeof(sh.owned) / sizeof(sh.owned[0]); i++)
		free(sh.owned[i]);
	return 0;
}
