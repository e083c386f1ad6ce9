/*
 * shell.h - the interactive shell of `triage pprof` (internal): its
 * state, shared by the loop (shell.c) and the commands
 * (shell_commands.c).
 */
#ifndef TRIAGE_SHELL_H
#define TRIAGE_SHELL_H

#include "pprof.h"

#include <stdbool.h>

#define SHELL_MAX_ARGS 64

struct shell {
	const struct tprof *p;
	const char *title;
	struct report_options *o; /* the settings, changed by name=value */
	char *owned[16];	  /* strings the settings point to */
	bool quit;
};

/*
 * Runs one line typed at the prompt: a setting (name=value) or a
 * command with its words. Problems are reported on stderr; the shell
 * goes on.
 */
void shell_execute(struct shell *sh, char *line);

/* The names the shell completes: its commands and settings, then NULL. */
const char *shell_word(size_t i);

/*
 * Opens `path` in a browser when one can be opened ($BROWSER, or
 * xdg-open with a display); otherwise says where the file is.
 */
void shell_show_file(const char *path, const char *what);

#endif /* TRIAGE_SHELL_H */
