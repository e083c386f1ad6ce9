/*
 * fuzz_report.c - libFuzzer target for the reports of `triage pprof`:
 * whatever profile decodes, every report (-top, -tree, -peek, -traces,
 * -list, -dot, the flame graph), with and without filters, and the
 * profile merged with itself as a diff base, must be written or refused
 * cleanly: no crash, no leak, no undefined behaviour.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "flame.h"
#include "profile.h"
#include "report.h"

#define FUZZ_MAX_BYTES (8u << 20)

static FILE *sink;

/* Every report of `p` with options `o`; errors are fine, crashes not. */
static void all_reports(const struct tprof *p, struct report_options *o)
{
	static const report_fn fns[] = {report_top, report_tree, report_traces,
					report_dot};
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		fns[i](sink, p, o, err, sizeof(err));
	o->symbol = ".";
	report_tree(sink, p, o, err, sizeof(err));
	o->source_path = "/nonexistent";
	report_list(sink, p, o, err, sizeof(err));
	o->symbol = NULL;
	flame_write(sink, p, o, "fuzz", false, err, sizeof(err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_input in[2];
	struct report_options o;
	struct tprof *p, *diff;
	char err[256];

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (!sink ||
	    tprof_decode(data, size, FUZZ_MAX_BYTES, &p, err, sizeof(err)))
		return 0;
	if (report_simplify_names(p)) {
		tprof_free(p);
		return 0;
	}
	report_options_init(&o);
	all_reports(p, &o);

	report_options_init(&o);
	o.nodecount = 3;
	o.focus = "a";
	o.hide = "b";
	o.sample_index = "0";
	o.cum = true;
	o.unit = "ms";
	all_reports(p, &o);

	in[0] = (struct report_input){p, "a", 1, false};
	in[1] = (struct report_input){p, "b", -1, true};
	if (!report_combine(in, 2, &diff, err, sizeof(err))) {
		report_options_init(&o);
		all_reports(diff, &o);
		tprof_free(diff);
	}
	tprof_free(p);
	return 0;
}
