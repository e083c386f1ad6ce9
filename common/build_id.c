/*
 * build_id.c - the GNU build ID (NT_GNU_BUILD_ID note) of mapped code.
 *
 * For this process the ID is read from the loaded image in memory, found
 * through the dynamic loader (dl_iterate_phdr): it is the code actually
 * running even when the file on disk was deleted or replaced, and the
 * vdso has one too. Otherwise it comes from the ELF file via libelf; for
 * another process the path is resolved inside its root directory, so a
 * process in a container is read correctly.
 */
#include "proc_maps.h"

#include "triage.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes `n` bytes of ID as lowercase hex. */
static int to_hex(const uint8_t *id, size_t n, char *hex, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (n == 0)
		return TRIAGE_EFORMAT;
	if (2 * n + 1 > len)
		return TRIAGE_EINVAL;
	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[id[i] >> 4];
		hex[2 * i + 1] = digits[id[i] & 15];
	}
	hex[2 * n] = '\0';
	return 0;
}

static bool is_gnu_build_id(uint32_t type, const char *name, size_t namesz)
{
	return type == NT_GNU_BUILD_ID && namesz == 4 &&
	       memcmp(name, "GNU", 4) == 0;
}

/* Looks for the build ID in one note section or segment of a file. */
static int scan_file_notes(Elf_Data *d, char *hex, size_t len)
{
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nh;

	while (off < d->d_size &&
	       (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		const char *buf = d->d_buf;

		if (is_gnu_build_id(nh.n_type, buf + name_off, nh.n_namesz))
			return to_hex((const uint8_t *)buf + desc_off,
				      nh.n_descsz, hex, len);
		off = next;
	}
	return TRIAGE_EFORMAT;
}

/* Segments first (what a loader sees), then sections (debug files). */
static int elf_build_id(Elf *elf, char *hex, size_t len)
{
	size_t nph = 0, i;
	Elf_Scn *scn = NULL;
	int rc;

	if (elf_getphdrnum(elf, &nph) < 0)
		nph = 0;
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;
		Elf_Data *d;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz,
					 ph.p_align == 8 ? ELF_T_NHDR8
							 : ELF_T_NHDR);
		if (d && (rc = scan_file_notes(d, hex, len)) != TRIAGE_EFORMAT)
			return rc;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		if (d && (rc = scan_file_notes(d, hex, len)) != TRIAGE_EFORMAT)
			return rc;
	}
	return TRIAGE_EFORMAT;
}

static void init_libelf(void)
{
	elf_version(EV_CURRENT);
}

/* Opens a regular file only: a mapped device could block or rewind. */
static int open_regular(const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode))
		return -2;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -2;
	}
	return fd;
}

int tmaps_build_id(const char *path, char *hex, size_t len)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	Elf *elf;
	int fd, rc;

	if (!hex || len == 0)
		return TRIAGE_EINVAL;
	hex[0] = '\0';
	pthread_once(&once, init_libelf);
	fd = open_regular(path);
	if (fd < 0)
		return fd == -1 ? TRIAGE_ESYS : TRIAGE_EFORMAT;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		rc = TRIAGE_EFORMAT;
	else
		rc = elf_build_id(elf, hex, len);
	elf_end(elf);
	close(fd);
	if (rc < 0)
		hex[0] = '\0';
	return rc;
}

/*
 * What the dynamic loader tells of this process: the address ranges of
 * every loaded segment, each with the build ID of its object.
 */
struct loaded_range {
	uint64_t lo, hi;
	char build_id[TMAPS_BUILD_ID_MAX];
};

struct loaded {
	struct loaded_range *r;
	size_t n, cap, needed;
	uint64_t page;
};

static size_t align_up(size_t n, size_t align)
{
	return (n + align - 1) & ~(align - 1);
}

/* Scans in-memory notes [p, p + size) for the build ID. */
static void scan_mem_notes(const uint8_t *p, size_t size, size_t align,
			   char *hex)
{
	size_t off = 0;

	while (size - off >= sizeof(ElfW(Nhdr))) {
		const ElfW(Nhdr) *nh = (const void *)(p + off);
		size_t name = off + sizeof(*nh);
		size_t desc = name + align_up(nh->n_namesz, align);
		size_t next = desc + align_up(nh->n_descsz, align);

		if (desc > size || nh->n_descsz > size - desc)
			return;
		if (is_gnu_build_id(nh->n_type, (const char *)p + name,
				    nh->n_namesz)) {
			to_hex(p + desc, nh->n_descsz, hex, TMAPS_BUILD_ID_MAX);
			return;
		}
		if (next <= off)
			return;
		off = next;
	}
}

static const uint8_t *note_addr(const struct dl_phdr_info *info,
				const ElfW(Phdr) * note)
{
	return (const uint8_t *)(info->dlpi_addr + note->p_vaddr);
}

/* The build ID of a loaded object, from a PT_NOTE inside a PT_LOAD. */
static void loaded_build_id(const struct dl_phdr_info *info, char *hex)
{
	int i, j;

	hex[0] = '\0';
	for (i = 0; i < info->dlpi_phnum && !hex[0]; i++) {
		const ElfW(Phdr) *n = &info->dlpi_phdr[i];
		bool inside = false;

		if (n->p_type != PT_NOTE)
			continue;
		for (j = 0; j < info->dlpi_phnum; j++) {
			const ElfW(Phdr) *l = &info->dlpi_phdr[j];

			if (l->p_type == PT_LOAD && n->p_vaddr >= l->p_vaddr &&
			    n->p_vaddr + n->p_memsz <= l->p_vaddr + l->p_filesz)
				inside = true;
		}
		if (inside)
			scan_mem_notes(note_addr(info, n), n->p_memsz,
				       n->p_align == 8 ? 8 : 4, hex);
	}
}

/*
 * Called by dl_iterate_phdr under the loader's lock: allocates nothing
 * and only counts what does not fit, for the caller to retry.
 */
static int collect_loaded(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct loaded *l = arg;
	char id[TMAPS_BUILD_ID_MAX];
	int i;

	loaded_build_id(info, id);
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		l->needed++;
		if (l->n == l->cap)
			continue;
		l->r[l->n].lo = lo & ~(l->page - 1);
		l->r[l->n].hi = lo + ph->p_memsz;
		memcpy(l->r[l->n].build_id, id, sizeof(id));
		l->n++;
	}
	return 0;
}

static int read_loaded(struct loaded *l)
{
	size_t cap = 256;

	l->page = (uint64_t)sysconf(_SC_PAGESIZE);
	for (;;) {
		l->r = malloc(cap * sizeof(*l->r));
		if (!l->r)
			return TRIAGE_ENOMEM;
		l->cap = cap;
		l->n = l->needed = 0;
		dl_iterate_phdr(collect_loaded, l);
		if (l->needed <= l->cap)
			return 0;
		free(l->r);
		cap = l->needed * 2;
	}
}

static const char *loaded_id_at(const struct loaded *l, uint64_t addr)
{
	size_t i;

	/* Linear: a few hundred segments, looked up once per mapping. */
	for (i = 0; i < l->n; i++)
		if (addr >= l->r[i].lo && addr < l->r[i].hi)
			return l->r[i].build_id;
	return NULL;
}

/*
 * The build ID of the file behind entry `e` of process `pid` (0 for this
 * one). A deleted file is read only through map_files, which needs
 * privileges: whatever now sits at its path is another file.
 */
static void file_build_id(pid_t pid, const struct tmaps_entry *e, char *hex)
{
	char alt[PATH_MAX + 64];
	int self = pid > 0 ? pid : (int)getpid();

	if (e->deleted) {
		snprintf(alt, sizeof(alt), "/proc/%d/map_files/%llx-%llx", self,
			 (unsigned long long)e->start,
			 (unsigned long long)e->limit);
		tmaps_build_id(alt, hex, TMAPS_BUILD_ID_MAX);
		return;
	}
	if (pid > 0) {
		snprintf(alt, sizeof(alt), "/proc/%d/root%s", self, e->path);
		if (tmaps_build_id(alt, hex, TMAPS_BUILD_ID_MAX) == 0)
			return;
	}
	tmaps_build_id(e->path, hex, TMAPS_BUILD_ID_MAX);
}

int tmaps_fill_build_ids(pid_t pid, struct tmaps *m)
{
	struct loaded l = {0};
	const char *last_path = NULL, *last_id = NULL;
	size_t i;

	if (pid == 0 && read_loaded(&l) < 0)
		return TRIAGE_ENOMEM;
	for (i = 0; i < m->n; i++) {
		struct tmaps_entry *e = &m->e[i];
		const char *id = NULL;

		if (!e->path[0])
			continue; /* anonymous, even inside a segment's .bss */
		if (pid == 0)
			id = loaded_id_at(&l, e->start);
		if (id && id[0]) {
			memcpy(e->build_id, id, TMAPS_BUILD_ID_MAX);
			continue;
		}
		if (e->path[0] != '/')
			continue;

		/* A file's segments follow each other: read it once. */
		if (last_path && strcmp(last_path, e->path) == 0) {
			memcpy(e->build_id, last_id, TMAPS_BUILD_ID_MAX);
			continue;
		}
		file_build_id(pid, e, e->build_id);
		last_path = e->path;
		last_id = e->build_id;
	}
	free(l.r);
	return 0;
}
