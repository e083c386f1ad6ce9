/*
 * flame.h - the interactive flame graph of a profile: one self-contained
 * HTML page (inline script and style, nothing fetched).
 */
#ifndef TRIAGE_FLAME_H
#define TRIAGE_FLAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report.h"

/*
 * Writes the flame graph of `p` (the samples `o`'s filters and sample
 * index select) to `out`, titled `title`; `icicle` starts it with the
 * roots at the top. Returns 0, or a TRIAGE_E* code with a reason in
 * `err`.
 */
int flame_write(FILE *out, const struct tprof *p,
		const struct report_options *o, const char *title, bool icicle,
		char *err, size_t errlen);

/* The page around the data (flame_page.c). */
extern const char flame_page_head[];
extern const char flame_page_tail[];

#endif /* TRIAGE_FLAME_H */
