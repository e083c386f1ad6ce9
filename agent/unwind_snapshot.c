/*
 * unwind_snapshot.c - what a handler needs to know about the process,
 * gathered outside signal context: every loaded object's executable
 * ranges, readable segments and .eh_frame_hdr search table (through
 * dl_iterate_phdr), and the writable mappings where stacks live (from
 * /proc/self/maps).
 *
 * A snapshot is immutable once built; unwind.c publishes it and retires
 * the previous one. Lookups are binary searches over sorted arrays and
 * are async-signal-safe.
 */
#include "unwind_internal.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PT_GNU_EH_FRAME
#define PT_GNU_EH_FRAME 0x6474e550
#endif

/* Generations are handed out under unwind.c's lock. */
static uint32_t last_gen, last_serial;

/* Growable arrays while building. */
struct builder {
	struct tunw_module *mods;
	size_t nmods, cap_mods;
	struct tunw_range *ranges;
	size_t nranges, cap_ranges;
	struct tunw_span *maps;
	size_t nmaps, cap_maps;
	unsigned long long adds, subs;
	bool oom;
};

/* Makes room for one more element of `size` bytes in *arr. */
static bool grow(void **arr, size_t n, size_t *cap, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return true;
	ncap = *cap ? 2 * *cap : 16;
	p = realloc(*arr, ncap * size);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

/* Records one object's segments, executable ranges and search table. */
static int add_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct builder *b = arg;
	struct tunw_module m;
	const ElfW(Phdr) * ph;
	const struct tunw_span *seg;
	uint64_t hdr = 0, lo;
	int i;

	b->adds = info->dlpi_adds;
	b->subs = info->dlpi_subs;
	memset(&m, 0, sizeof(m));
	for (i = 0; i < info->dlpi_phnum; i++) {
		ph = &info->dlpi_phdr[i];
		lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_GNU_EH_FRAME)
			hdr = lo;
		if (ph->p_type != PT_LOAD)
			continue;
		/* More than TUNW_MAX_SEGS readable segments: the rest are
		 * not searched for tables (no linker makes that many). */
		if ((ph->p_flags & PF_R) && m.nsegs < TUNW_MAX_SEGS)
			m.segs[m.nsegs++] =
			    (struct tunw_span){lo, lo + ph->p_memsz};
		if (!(ph->p_flags & PF_X))
			continue;
		if (!grow((void **)&b->ranges, b->nranges, &b->cap_ranges,
			  sizeof(*b->ranges)))
			goto oom;
		b->ranges[b->nranges++] = (struct tunw_range){
		    lo, lo + ph->p_memsz, (uint32_t)b->nmods};
	}

	seg = hdr ? tunw_module_segment(&m, hdr) : NULL;
	if (seg)
		tunw_cfi_parse_hdr(&m, hdr, seg);
	if (!grow((void **)&b->mods, b->nmods, &b->cap_mods, sizeof(*b->mods)))
		goto oom;
	b->mods[b->nmods++] = m;
	return 0;
oom:
	b->oom = true;
	return 1;
}

static int cmp_range(const void *a, const void *b)
{
	const struct tunw_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorts the ranges and drops empty or overlapping ones, which a sane
 * loader never produces, so that lookups can trust the order. */
static void sort_ranges(struct builder *b)
{
	size_t i, n = 0;

	qsort(b->ranges, b->nranges, sizeof(*b->ranges), cmp_range);
	for (i = 0; i < b->nranges; i++) {
		if (b->ranges[i].hi <= b->ranges[i].lo)
			continue;
		if (n && b->ranges[i].lo < b->ranges[n - 1].hi)
			continue;
		b->ranges[n++] = b->ranges[i];
	}
	b->nranges = n;
}

/* Parses "lo-hi perms ..." lines, keeping the writable mappings (where
 * stacks are) and merging neighbours. */
static void parse_maps(struct builder *b, const char *text)
{
	const char *line = text;
	unsigned long long lo, hi;
	char *end;

	while (*line) {
		lo = strtoull(line, &end, 16);
		if (*end == '-') {
			hi = strtoull(end + 1, &end, 16);
			if (*end == ' ' && end[1] == 'r' && end[2] == 'w' &&
			    lo < hi) {
				if (b->nmaps &&
				    b->maps[b->nmaps - 1].hi == lo) {
					b->maps[b->nmaps - 1].hi = hi;
				} else if (grow((void **)&b->maps, b->nmaps,
						&b->cap_maps,
						sizeof(*b->maps))) {
					b->maps[b->nmaps++] =
					    (struct tunw_span){lo, hi};
				} else {
					b->oom = true;
					return;
				}
			}
		}
		line = strchr(line, '\n');
		if (!line)
			break;
		line++;
	}
}

/* Reads /proc/self/maps whole. Without it, walks fall back to
 * process_vm_readv, so a failure here is not fatal. */
static void read_maps(struct builder *b)
{
	size_t len = 0, cap = 65536;
	char *text = malloc(cap), *p;
	ssize_t n;
	int fd;

	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (!text || fd < 0)
		goto out;
	for (;;) {
		if (cap - len < 4096) {
			p = realloc(text, cap * 2);
			if (!p) {
				b->oom = true;
				goto out;
			}
			text = p;
			cap *= 2;
		}
		n = read(fd, text + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	parse_maps(b, text);
out:
	if (fd >= 0)
		close(fd);
	if (!text)
		b->oom = true;
	free(text);
}

struct tunw_snapshot *tunw_snapshot_build(const struct tunw_snapshot *prev)
{
	struct builder b;
	struct tunw_snapshot *s;

	memset(&b, 0, sizeof(b));
	dl_iterate_phdr(add_object, &b);
	if (!b.oom)
		read_maps(&b);
	s = calloc(1, sizeof(*s));
	if (b.oom || !s) {
		free(b.mods);
		free(b.ranges);
		free(b.maps);
		free(s);
		return NULL;
	}
	sort_ranges(&b);

	/* Same counters, same objects: the cached rules stay valid. */
	if (prev && prev->adds == b.adds && prev->subs == b.subs)
		s->gen = prev->gen;
	else if (++last_gen == 0) /* 0 is an empty cache slot's */
		s->gen = ++last_gen;
	else
		s->gen = last_gen;
	s->serial = ++last_serial;
	s->adds = b.adds;
	s->subs = b.subs;
	s->mods = b.mods;
	s->nmods = (uint32_t)b.nmods;
	s->ranges = b.ranges;
	s->nranges = (uint32_t)b.nranges;
	s->maps = b.maps;
	s->nmaps = (uint32_t)b.nmaps;
	return s;
}

void tunw_snapshot_free(struct tunw_snapshot *s)
{
	if (!s)
		return;
	free(s->mods);
	free(s->ranges);
	free(s->maps);
	free(s);
}

static int first_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	unsigned long long *c = arg;

	c[0] = info->dlpi_adds;
	c[1] = info->dlpi_subs;
	return 1;
}

void tunw_snapshot_counters(unsigned long long *adds, unsigned long long *subs)
{
	unsigned long long c[2] = {0, 0};

	dl_iterate_phdr(first_object, c);
	*adds = c[0];
	*subs = c[1];
}

const struct tunw_module *tunw_snapshot_module(const struct tunw_snapshot *s,
					       uint64_t pc)
{
	uint32_t lo = 0, hi = s->nranges, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->ranges[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || pc >= s->ranges[lo - 1].hi)
		return NULL;
	return &s->mods[s->ranges[lo - 1].mod];
}

bool tunw_snapshot_mapping(const struct tunw_snapshot *s, uint64_t addr,
			   struct tunw_span *out)
{
	uint32_t lo = 0, hi = s->nmaps, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->maps[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= s->maps[lo - 1].hi)
		return false;
	*out = s->maps[lo - 1];
	return true;
}

const struct tunw_span *tunw_module_segment(const struct tunw_module *m,
					    uint64_t addr)
{
	int i;

	for (i = 0; i < m->nsegs; i++)
		if (addr >= m->segs[i].lo && addr < m->segs[i].hi)
			return &m->segs[i];
	return NULL;
}
