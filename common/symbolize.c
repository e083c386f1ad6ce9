/*
 * symbolize.c - the symbolizer of one process: a libdwfl session over
 * the images mapped in it (read from /proc/PID/maps, each ELF file opened
 * by libdwfl's Linux proc callback when first needed), kept across
 * lookups, re-reported when code is loaded or unloaded, with every
 * result cached by address.
 */
#include "symbolize_internal.h"

#include "proc_maps.h"
#include "triage.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* NULL: libdwfl's default path, ":.debug:/usr/lib/debug". */
static char *debuginfo_path;

/*
 * Separate debug info, from this machine only. libdwfl's standard search
 * ends with a debuginfod download when DEBUGINFOD_URLS is set (Debian
 * sets it in login shells): inside a service, in the middle of a profile
 * request, that is a network fetch of unbounded size. Then only the
 * build-ID tree on disk is searched, which is where Debian's -dbgsym
 * packages put the files.
 */
static int find_debuginfo(Dwfl_Module *mod, void **userdata,
			  const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	const char *urls = getenv("DEBUGINFOD_URLS");

	if (urls && urls[0])
		return dwfl_build_id_find_debuginfo(
		    mod, userdata, modname, base, file_name, debuglink_file,
		    debuglink_crc, debuginfo_file_name);
	return dwfl_standard_find_debuginfo(mod, userdata, modname, base,
					    file_name, debuglink_file,
					    debuglink_crc, debuginfo_file_name);
}

/* clang-format off */
static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};
/* clang-format on */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

/*
 * A hash of the executable file mappings: it changes when code is loaded
 * or unloaded, and not when the heap or a stack grows.
 */
static uint64_t signature(const struct tmaps *m)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct tmaps_entry *e = &m->e[i];

		if (!e->exec || !e->path[0])
			continue;
		h = fnv(h, &e->start, sizeof(e->start));
		h = fnv(h, &e->limit, sizeof(e->limit));
		h = fnv(h, &e->offset, sizeof(e->offset));
		h = fnv(h, e->path, strlen(e->path) + 1);
	}
	return h;
}

static int read_maps(pid_t pid, struct tmaps *m)
{
	char path[64];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return TRIAGE_ESYS;
	rc = tmaps_parse(f, false, m, NULL, 0);
	fclose(f);
	return rc;
}

/*
 * The loaded images among the mappings: runs of consecutive mappings of
 * one file, each run starting at file offset 0, reported to libdwfl as
 * one module if it holds code. libdwfl's own reader of the maps
 * (dwfl_linux_proc_report) joins every run of one file into one module,
 * which goes wrong here: libelf maps the files it reads, and a mapping of
 * a library placed just below the library's image (where mmap puts it)
 * joins the image and shifts its load address. A deleted file is left
 * out: whatever now sits at its path is another file.
 */
static void report_images(struct tsym *s, const struct tmaps *m)
{
	char vdso[32];
	size_t i, j;
	bool code;

	for (i = 0; i < m->n; i = j) {
		const struct tmaps_entry *e = &m->e[i];

		code = e->exec;
		for (j = i + 1; j < m->n && m->e[j].offset != 0 &&
				strcmp(m->e[j].path, e->path) == 0;
		     j++)
			code |= m->e[j].exec;
		if (!code || e->deleted)
			continue;
		if (e->path[0] == '/') {
			dwfl_report_module(s->dwfl, e->path, e->start,
					   m->e[j - 1].limit);
		} else if (strcmp(e->path, "[vdso]") == 0) {
			/* The name dwfl_linux_proc_find_elf reads from the
			 * process's memory. */
			snprintf(vdso, sizeof(vdso), "[vdso: %d]", (int)s->pid);
			dwfl_report_module(s->dwfl, vdso, e->start,
					   m->e[j - 1].limit);
		}
	}
}

/* Reports the process's modules to libdwfl afresh. Modules still mapped
 * at the same place are kept with the debug info already loaded. */
static int report(struct tsym *s, const struct tmaps *m)
{
	dwfl_report_begin(s->dwfl);
	report_images(s, m);
	return dwfl_report_end(s->dwfl, NULL, NULL) == 0 ? 0 : TRIAGE_ESYS;
}

struct tsym *tsym_new(pid_t pid)
{
	struct tmaps m;
	struct tsym *s;
	int rc;

	if (pid < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->pid = pid ? pid : getpid();
	s->dwfl = dwfl_begin(&proc_callbacks);
	if (!s->dwfl || read_maps(s->pid, &m) < 0)
		goto fail;
	s->maps_sig = signature(&m);
	rc = report(s, &m);
	tmaps_free(&m);
	if (rc < 0)
		goto fail;
	return s;

fail:
	tsym_free(s);
	return NULL;
}

void tsym_free(struct tsym *s)
{
	if (!s)
		return;
	if (s->dwfl)
		dwfl_end(s->dwfl);
	tsym_cache_free(&s->cache);
	tsym_indexes_free(&s->index);
	tsym_symtabs_free(&s->symtabs);
	tsym_strings_free(&s->strings);
	free(s);
}

int tsym_refresh(struct tsym *s)
{
	struct tmaps m;
	uint64_t sig;
	int rc;

	if (!s)
		return TRIAGE_EINVAL;
	rc = read_maps(s->pid, &m);
	if (rc < 0)
		return rc;
	sig = signature(&m);
	if (sig != s->maps_sig) {
		/* Unloaded modules take their DWARF with them: forget what
		 * points into it. Interned strings stay, as promised. */
		tsym_cache_clear(&s->cache);
		tsym_indexes_free(&s->index);
		tsym_symtabs_free(&s->symtabs);
		rc = report(s, &m);
		if (rc == 0)
			s->maps_sig = sig;
	}
	tmaps_free(&m);
	return rc;
}

static int copy_out(const struct tsym_frame *f, int n, struct tsym_frame *out,
		    int max)
{
	if (n > max)
		n = max;
	memcpy(out, f, (size_t)n * sizeof(*f));
	return n;
}

int tsym_lookup(struct tsym *s, uint64_t pc, struct tsym_frame *out, int max)
{
	struct tsym_frame f[TSYM_MAX_FRAMES];
	const struct tsym_slot *slot;
	int n;

	if (!s || !out || max <= 0)
		return 0;
	slot = tsym_cache_get(&s->cache, pc);
	if (slot)
		return copy_out(s->cache.frames + slot->first, slot->n, out,
				max);
	n = tsym_resolve(s, pc, f, TSYM_MAX_FRAMES);
	if (n < 0)
		return 0; /* out of memory: unknown, and not remembered */
	tsym_cache_put(&s->cache, pc, f, n);
	return copy_out(f, n, out, max);
}
