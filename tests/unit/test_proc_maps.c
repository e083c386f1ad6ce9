/*
 * test_proc_maps.c - the mappings of this process against what readelf
 * and the file say (build IDs), paths with spaces, deleted files, the
 * binary search, and the line parser on good and malformed lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc_maps.h"
#include "triage.h"

static char tmpdir[64];

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tmaps test XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY), out, rc = 0;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			rc = -1;
	if (n < 0)
		rc = -1;
	close(in);
	close(out);
	return rc;
}

/* The build ID readelf -n prints for `path`, or "". */
static void readelf_build_id(const char *path, char *hex, size_t len)
{
	char cmd[PATH_MAX + 64], line[512];
	FILE *p;

	hex[0] = '\0';
	snprintf(cmd, sizeof(cmd), "readelf -n '%s'", path);
	p = popen(cmd, "r");
	if (!p)
		return;
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, " Build ID: %40s", hex) == 1)
			break;
	pclose(p);
	(void)len;
}

/* The entry of this process holding `addr`, from a fresh read. */
static const struct tmaps_entry *entry_at(struct tmaps *m, const void *addr)
{
	assert_int_equal(tmaps_read(0, true, m), 0);
	return tmaps_find(m, (uint64_t)(uintptr_t)addr);
}

static void test_self_binary(void **state)
{
	struct tmaps m;
	const struct tmaps_entry *e = entry_at(&m, (const void *)setup);
	char exe[PATH_MAX], file_id[TMAPS_BUILD_ID_MAX], readelf_id[64];
	size_t i;

	assert_non_null(e);
	assert_non_null(realpath("/proc/self/exe", exe));
	assert_string_equal(e->path, exe);
	assert_true(e->exec);
	assert_true(e->read);
	assert_false(e->deleted);

	assert_int_equal(
	    tmaps_build_id("/proc/self/exe", file_id, sizeof(file_id)), 0);
	readelf_build_id(exe, readelf_id, sizeof(readelf_id));
	assert_int_equal(strlen(e->build_id), 40);
	assert_string_equal(e->build_id, file_id);
	assert_string_equal(e->build_id, readelf_id);

	for (i = 0; i < m.n; i++)
		assert_true(m.e[i].exec);
	tmaps_free(&m);
	assert_int_equal(m.n, 0);
}

/* What the loader's images say in memory is what their files say. */
static void test_memory_ids_match_files(void **state)
{
	struct tmaps m;
	char id[TMAPS_BUILD_ID_MAX];
	size_t i, checked = 0;

	assert_int_equal(tmaps_read(0, false, &m), 0);
	for (i = 0; i < m.n; i++) {
		const struct tmaps_entry *e = &m.e[i];

		if (e->path[0] != '/' || !e->build_id[0] || e->deleted)
			continue;
		assert_int_equal(tmaps_build_id(e->path, id, sizeof(id)), 0);
		assert_string_equal(e->build_id, id);
		checked++;
	}
	print_message("%zu file mappings with build IDs checked\n", checked);
	assert_true(checked >= 4); /* the test, libc, ld.so, libdw, ... */
	tmaps_free(&m);
}

static void test_vdso(void **state)
{
	struct tmaps m;
	size_t i;
	bool found = false;

	assert_int_equal(tmaps_read(0, false, &m), 0);
	for (i = 0; i < m.n; i++) {
		if (strcmp(m.e[i].path, "[vdso]") != 0)
			continue;
		found = true;
		assert_true(m.e[i].exec);
		print_message("vdso build ID: '%s'\n", m.e[i].build_id);
	}
	assert_true(found);
	tmaps_free(&m);
}

static void test_path_with_spaces(void **state)
{
	char path[PATH_MAX], want[TMAPS_BUILD_ID_MAX];
	struct tmaps m;
	const struct tmaps_entry *e;
	void *h, *fn;

	snprintf(path, sizeof(path), "%s/lib fixture copy.so", tmpdir);
	assert_int_equal(copy_file(TSYM_FIXTURE, path), 0);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(h);
	fn = dlsym(h, "tfx_plain");
	assert_non_null(fn);

	e = entry_at(&m, fn);
	assert_non_null(e);
	assert_string_equal(e->path, path);
	assert_false(e->deleted);
	assert_int_equal(tmaps_build_id(TSYM_FIXTURE, want, sizeof(want)), 0);
	assert_string_equal(e->build_id, want);
	tmaps_free(&m);
}

/* A deleted library: its path without " (deleted)", its build ID from
 * the image in memory, since the file is gone. */
static void test_deleted_file(void **state)
{
	char path[PATH_MAX], want[TMAPS_BUILD_ID_MAX];
	struct tmaps m;
	const struct tmaps_entry *e;
	void *h, *fn;

	snprintf(path, sizeof(path), "%s/gone.so", tmpdir);
	assert_int_equal(copy_file(TSYM_FIXTURE, path), 0);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(h);
	fn = dlsym(h, "tfx_outer");
	assert_non_null(fn);
	assert_int_equal(unlink(path), 0);

	e = entry_at(&m, fn);
	assert_non_null(e);
	assert_string_equal(e->path, path);
	assert_true(e->deleted);
	assert_int_equal(tmaps_build_id(TSYM_FIXTURE, want, sizeof(want)), 0);
	assert_string_equal(e->build_id, want);
	tmaps_free(&m);
}

static void test_build_id_errors(void **state)
{
	char id[TMAPS_BUILD_ID_MAX], path[PATH_MAX], cmd[2 * PATH_MAX];

	assert_int_equal(tmaps_build_id("/nonexistent/x.so", id, sizeof(id)),
			 TRIAGE_ESYS);
	assert_string_equal(id, "");
	assert_int_equal(tmaps_build_id("/dev/null", id, sizeof(id)),
			 TRIAGE_EFORMAT);
	assert_int_equal(tmaps_build_id("/", id, sizeof(id)), TRIAGE_EFORMAT);
	assert_int_equal(tmaps_build_id("/proc/self/maps", id, sizeof(id)),
			 TRIAGE_EFORMAT);
	assert_int_equal(tmaps_build_id(TSYM_FIXTURE, id, 40), TRIAGE_EINVAL);
	assert_string_equal(id, "");
	assert_int_equal(tmaps_build_id(TSYM_FIXTURE, id, 0), TRIAGE_EINVAL);

	/* An ELF file without the note. */
	snprintf(path, sizeof(path), "%s/noid.so", tmpdir);
	snprintf(cmd, sizeof(cmd),
		 "objcopy --remove-section .note.gnu.build-id '%s' '%s'",
		 TSYM_FIXTURE, path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(tmaps_build_id(path, id, sizeof(id)), TRIAGE_EFORMAT);
	assert_string_equal(id, "");
}

/* clang-format off */
static const char sample[] =
	"55d0c0a00000-55d0c0a02000 r--p 00000000 fe:00 1234   /usr/bin/x\n"
	"55d0c0a02000-55d0c0a08000 r-xp 00002000 fe:00 1234   /usr/bin/x\n"
	"55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0      [heap]\n"
	"7f0000000000-7f0000001000 r-xp 00000000 00:00 0 \n"
	"7f0000010000-7f0000020000 r-xp 00003000 08:01 99     /tmp/a b/c d.so\n"
	"7f0000020000-7f0000030000 r-xp 00000000 08:01 98     /tmp/x.so "
	"(deleted)\n"
	"7ffc00000000-7ffc00002000 r-xp 00000000 00:00 0      [vdso]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  "
	"[vsyscall]";
/* clang-format on */

static int parse_text(const char *text, bool exec_only, struct tmaps *m,
		      char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	assert_non_null(f);
	rc = tmaps_parse(f, exec_only, m, err, errlen);
	fclose(f);
	return rc;
}

static void test_parse_sample(void **state)
{
	struct tmaps m;
	char err[128];

	assert_int_equal(parse_text(sample, false, &m, err, sizeof(err)), 0);
	assert_int_equal(m.n, 8);
	assert_int_equal(m.e[0].start, 0x55d0c0a00000);
	assert_int_equal(m.e[0].limit, 0x55d0c0a02000);
	assert_false(m.e[0].exec);
	assert_true(m.e[1].exec);
	assert_int_equal(m.e[1].offset, 0x2000);
	assert_string_equal(m.e[2].path, "[heap]");
	assert_string_equal(m.e[3].path, "");
	assert_string_equal(m.e[4].path, "/tmp/a b/c d.so");
	assert_string_equal(m.e[5].path, "/tmp/x.so");
	assert_true(m.e[5].deleted);
	assert_false(m.e[4].deleted);
	assert_string_equal(m.e[7].path, "[vsyscall]");
	assert_int_equal(m.e[7].limit, 0xffffffffff601000);
	assert_false(m.e[7].read);
	assert_string_equal(m.e[0].build_id, "");
	tmaps_free(&m);

	assert_int_equal(parse_text(sample, true, &m, err, sizeof(err)), 0);
	assert_int_equal(m.n, 6);
	assert_string_equal(m.e[0].path, "/usr/bin/x");
	tmaps_free(&m);

	assert_int_equal(parse_text("", false, &m, err, sizeof(err)), 0);
	assert_int_equal(m.n, 0);
	assert_null(m.e);
}

static void test_find(void **state)
{
	struct tmaps m;
	char err[128];

	assert_int_equal(parse_text(sample, false, &m, err, sizeof(err)), 0);
	assert_null(tmaps_find(&m, 0));
	assert_null(tmaps_find(&m, 0x55d0c09fffff));
	assert_ptr_equal(tmaps_find(&m, 0x55d0c0a00000), &m.e[0]);
	assert_ptr_equal(tmaps_find(&m, 0x55d0c0a01fff), &m.e[0]);
	assert_ptr_equal(tmaps_find(&m, 0x55d0c0a02000), &m.e[1]);
	assert_null(tmaps_find(&m, 0x55d0c0a08000)); /* limit: outside */
	assert_null(tmaps_find(&m, 0x7f0000001000)); /* a gap */
	assert_ptr_equal(tmaps_find(&m, 0x7f0000025000), &m.e[5]);
	assert_ptr_equal(tmaps_find(&m, 0xffffffffff600fff), &m.e[7]);
	assert_null(tmaps_find(&m, UINT64_MAX));
	tmaps_free(&m);

	m.e = NULL;
	m.n = 0;
	assert_null(tmaps_find(&m, 0x1000));
}

/* Lines out of order (not from the kernel) come back sorted. */
static void test_parse_sorts(void **state)
{
	static const char text[] = "3000-4000 r-xp 0 0:0 0 /c\n"
				   "1000-2000 r-xp 0 0:0 0 /a\n"
				   "2000-3000 r-xp 0 0:0 0 /b\n";
	struct tmaps m;
	char err[128];

	assert_int_equal(parse_text(text, false, &m, err, sizeof(err)), 0);
	assert_int_equal(m.n, 3);
	assert_string_equal(m.e[0].path, "/a");
	assert_string_equal(m.e[2].path, "/c");
	assert_ptr_equal(tmaps_find(&m, 0x2800), &m.e[1]);
	tmaps_free(&m);
}

static void test_parse_line_malformed(void **state)
{
	/* clang-format off */
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "", "bad start address" },
		{ "zzzz", "bad start address" },
		{ "-1000 r-xp 0 0:0 0", "bad start address" },
		{ "1000", "bad start address" },
		{ "10000000000000000-1 r-xp 0 0:0 0", "bad start address" },
		{ "1000-", "bad end address" },
		{ "1000-2000", "bad end address" },
		{ "1000-2000r-xp 0 0:0 0", "bad end address" },
		{ "2000-1000 r-xp 0 0:0 0", "end address not above start" },
		{ "1000-1000 r-xp 0 0:0 0", "end address not above start" },
		{ "1000-2000 ", "bad permissions" },
		{ "1000-2000 rwx", "bad permissions" },
		{ "1000-2000 r-xq 0 0:0 0", "bad permissions" },
		{ "1000-2000 xr-p 0 0:0 0", "bad permissions" },
		{ "1000-2000 r-xp", "bad permissions" },
		{ "1000-2000 r-xp ", "bad offset" },
		{ "1000-2000 r-xp g 0:0 0", "bad offset" },
		{ "1000-2000 r-xp 0", "bad offset" },
		{ "1000-2000 r-xp 0 ", "bad device" },
		{ "1000-2000 r-xp 0 08", "bad device" },
		{ "1000-2000 r-xp 0 08:", "bad device" },
		{ "1000-2000 r-xp 0 08:01", "bad device" },
		{ "1000-2000 r-xp 0 08:01 ", "bad inode" },
		{ "1000-2000 r-xp 0 08:01 12a /x", "bad inode" },
		{ "1000-2000 r-xp 0 08:01 99999999999999999999 /x", "bad inode" },
	};
	/* clang-format on */
	struct tmaps_entry e;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("'%s'\n", bad[i].line);
		assert_int_equal(tmaps_parse_line(bad[i].line,
						  strlen(bad[i].line), &e,
						  &why),
				 TRIAGE_EFORMAT);
		assert_non_null(why);
		assert_string_equal(why, bad[i].why);
	}

	/* A NUL inside the line, and the length honoured over the text. */
	assert_int_equal(
	    tmaps_parse_line("1000-2000 r-xp 0 0:0 0 /a\0b", 27, &e, &why),
	    TRIAGE_EFORMAT);
	assert_string_equal(why, "NUL byte in line");
	assert_int_equal(
	    tmaps_parse_line("1000-2000 r-xp 0 0:0 0 /abc", 25, &e, &why), 0);
	assert_string_equal(e.path, "/a");
	free(e.path);
}

static void test_parse_line_edges(void **state)
{
	struct tmaps_entry e;
	const char *why;
	char *line;
	size_t n = 10000;

	/* A path that is only the suffix is no deleted file. */
	line = "1-2 r--s 0 0:0 0  (deleted)";
	assert_int_equal(tmaps_parse_line(line, strlen(line), &e, &why), 0);
	assert_string_equal(e.path, "(deleted)");
	assert_false(e.deleted);
	free(e.path);

	/* A path of 10,000 bytes: kept whole. */
	line = malloc(n + 64);
	assert_non_null(line);
	snprintf(line, 64, "1000-2000 r-xp 0 0:0 1 /");
	memset(line + strlen(line), 'p', n);
	line[24 + n] = '\0';
	assert_int_equal(tmaps_parse_line(line, strlen(line), &e, &why), 0);
	assert_int_equal(strlen(e.path), n + 1);
	free(e.path);
	free(line);
}

static void test_parse_errors_name_the_line(void **state)
{
	struct tmaps m;
	char err[128], *big;
	size_t n = 70000;

	assert_int_equal(parse_text("1000-2000 r-xp 0 0:0 0 /a\n"
				    "2000-3000 r-xp 0 0:0 0 /b\n"
				    "3000-4000 r-xq 0 0:0 0 /c\n",
				    false, &m, err, sizeof(err)),
			 TRIAGE_EFORMAT);
	assert_string_equal(err, "line 3: bad permissions");
	assert_int_equal(m.n, 0);
	assert_null(m.e);

	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	memcpy(big, "1000-2000 r-xp 0 0:0 0 /", 24);
	assert_int_equal(parse_text(big, false, &m, err, sizeof(err)),
			 TRIAGE_EFORMAT);
	assert_string_equal(err, "line 1: line longer than 65536 bytes");
	free(big);

	assert_int_equal(parse_text("garbage\n", false, &m, NULL, 0),
			 TRIAGE_EFORMAT);
	assert_int_equal(tmaps_read(-1, false, &m), TRIAGE_EINVAL);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_binary),
		cmocka_unit_test(test_memory_ids_match_files),
		cmocka_unit_test(test_vdso),
		cmocka_unit_test(test_path_with_spaces),
		cmocka_unit_test(test_deleted_file),
		cmocka_unit_test(test_build_id_errors),
		cmocka_unit_test(test_parse_sample),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_parse_sorts),
		cmocka_unit_test(test_parse_line_malformed),
		cmocka_unit_test(test_parse_line_edges),
		cmocka_unit_test(test_parse_errors_name_the_line),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, setup, teardown);
}
