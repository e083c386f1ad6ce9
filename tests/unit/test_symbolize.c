/*
 * test_symbolize.c - the symbolizer against a fixture of known functions
 * (tests/programs/symbolize_fixture.*): names, system names, files,
 * lines and inline chains, compared with the lines the fixture recorded
 * and with eu-addr2line (or binutils addr2line) reading the same files;
 * libc; code loaded later; another process; addresses without symbols.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symbolize.h"
#include "symbolize_fixture.h"

static void *fixture;
static struct tfx_sites sites;
static struct tsym *sym;
static char tmpdir[64];

typedef int (*run_fn)(struct tfx_sites *, int);

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The last "::" component of a qualified name. */
static const char *leaf(const char *name)
{
	const char *s = strstr(name, "::"), *last = name;

	while (s) {
		last = s + 2;
		s = strstr(last, "::");
	}
	return last;
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

static int setup(void **state)
{
	run_fn run_c, run_cxx;

	fixture = dlopen(TSYM_FIXTURE, RTLD_NOW);
	if (!fixture) {
		fprintf(stderr, "dlopen %s: %s\n", TSYM_FIXTURE, dlerror());
		return -1;
	}
	run_c = (run_fn)dlsym(fixture, "tfx_run_c");
	run_cxx = (run_fn)dlsym(fixture, "tfx_run_cxx");
	if (!run_c || !run_cxx)
		return -1;
	run_c(&sites, 3);
	run_cxx(&sites, 4);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tsym-test-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	sym = tsym_new(0);
	return sym ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	tsym_free(sym);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		return -1;
	return 0;
}

static void expect_frame(const struct tsym_frame *f, const char *name,
			 const char *system_name, const char *file, int line)
{
	assert_string_equal(f->name, name);
	assert_string_equal(f->system_name, system_name);
	assert_string_equal(base(f->file), file);
	assert_int_equal(f->line, line);
	/* The function starts a few lines above the probe. */
	assert_in_range(f->start_line, 1, f->line);
	assert_in_range(f->line - f->start_line, 0, 30);
}

static void test_c_plain(void **state)
{
	struct tsym_frame f[8];
	int n = tsym_lookup(sym, sites.plain.pc, f, 8);

	assert_int_equal(n, 1);
	expect_frame(&f[0], "tfx_plain", "tfx_plain", "symbolize_fixture.c",
		     sites.plain.line);
	assert_string_equal(f[0].file, TSYM_FIXTURE_SRC "/symbolize_fixture.c");
}

static void test_c_inline_chain(void **state)
{
	struct tsym_frame f[8];
	int n = tsym_lookup(sym, sites.inl.pc, f, 8);

	assert_int_equal(n, 3);
	expect_frame(&f[0], "tfx_inner", "tfx_inner", "symbolize_fixture.c",
		     sites.inl.line);
	expect_frame(&f[1], "tfx_middle", "tfx_middle", "symbolize_fixture.c",
		     sites.inl_middle_line);
	expect_frame(&f[2], "tfx_outer", "tfx_outer", "symbolize_fixture.c",
		     sites.inl_outer_line);
}

static void test_cxx_template_member(void **state)
{
	struct tsym_frame f[8];
	int n = tsym_lookup(sym, sites.tmpl.pc, f, 8);

	assert_int_equal(n, 1);
	expect_frame(&f[0], "tfx::Cache::put", "_ZN3tfx5CacheIiE3putERKi",
		     "symbolize_fixture.cc", sites.tmpl.line);
}

static void test_cxx_anonymous_namespace(void **state)
{
	struct tsym_frame f[8];
	int n = tsym_lookup(sym, sites.anon.pc, f, 8);

	assert_int_equal(n, 1);
	expect_frame(&f[0], "tfx::(anonymous namespace)::hidden",
		     "_ZN3tfx12_GLOBAL__N_16hiddenEi", "symbolize_fixture.cc",
		     sites.anon.line);
}

static void test_cxx_operators(void **state)
{
	struct tsym_frame f[8];

	assert_int_equal(tsym_lookup(sym, sites.less.pc, f, 8), 1);
	expect_frame(&f[0], "tfx::Key::operator<", "_ZNK3tfx3KeyltERKS0_",
		     "symbolize_fixture.cc", sites.less.line);
	assert_int_equal(tsym_lookup(sym, sites.call.pc, f, 8), 1);
	expect_frame(&f[0], "tfx::Fn::operator()", "_ZNK3tfx2FnclEi",
		     "symbolize_fixture.cc", sites.call.line);
	assert_int_equal(tsym_lookup(sym, sites.shift.pc, f, 8), 1);
	expect_frame(&f[0], "tfx::operator<<", "_ZN3tfxlsERNS_6StreamEi",
		     "symbolize_fixture.cc", sites.shift.line);
}

static void test_cxx_lambda(void **state)
{
	struct tsym_frame f[8];
	int n = tsym_lookup(sym, sites.lambda.pc, f, 8);

	assert_int_equal(n, 1);
#if defined(__clang__)
	/* clang names a lambda of internal linkage "$_0". */
	expect_frame(&f[0], "tfx::run_lambda(int)::$_0::operator()",
		     "_ZZN3tfx10run_lambdaEiENK3$_0clEi",
		     "symbolize_fixture.cc", sites.lambda.line);
#else
	expect_frame(&f[0], "tfx::run_lambda(int)::{lambda(int)#1}::operator()",
		     "_ZZN3tfx10run_lambdaEiENKUliE_clEi",
		     "symbolize_fixture.cc", sites.lambda.line);
#endif
}

static void test_cxx_inlined_member(void **state)
{
	struct tsym_frame f[8];
	int n = tsym_lookup(sym, sites.member.pc, f, 8);

	assert_int_equal(n, 2);
	expect_frame(&f[0], "tfx::Acc::add", "_ZN3tfx3AccIiE3addEi",
		     "symbolize_fixture.cc", sites.member.line);
	expect_frame(&f[1], "tfx::use_acc", "_ZN3tfx7use_accEi",
		     "symbolize_fixture.cc", sites.member_caller_line);
}

/* One frame as eu-addr2line prints it. */
struct eu_frame {
	char name[1024];
	char file[2048];
	long line;
};

/*
 * Runs `tool` on `pc`: the tool's command line, then the file mapped
 * there and the address in it (not through this process's maps, which
 * our own reading of the files changes). Each frame
 * is a name line ("f inlined at file:line:col in g" from eu-addr2line for
 * an inlined one) and a "file:line[:col]" line. Returns the frame count,
 * or -1.
 */
static int addr2line(const char *tool, uint64_t pc, struct eu_frame *fr,
		     int max)
{
	char cmd[1024], name[1024], loc[2048];
	Dl_info info;
	FILE *p;
	int n = 0;

	if (!dladdr((void *)(uintptr_t)pc, &info) || !info.dli_fname)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s '%s' 0x%llx", tool, info.dli_fname,
		 (unsigned long long)(pc - (uintptr_t)info.dli_fbase));
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n < max && fgets(name, sizeof(name), p) &&
	       fgets(loc, sizeof(loc), p)) {
		char *cut = strstr(name, " inlined at ");
		char *c1, *c2;

		name[strcspn(name, "\n")] = '\0';
		loc[strcspn(loc, "\n")] = '\0';
		if (!name[0])
			break;
		if (cut)
			*cut = '\0';
		snprintf(fr[n].name, sizeof(fr[n].name), "%s", name);

		/* file:line:col or file:line */
		c2 = strrchr(loc, ':');
		if (!c2)
			break;
		*c2 = '\0';
		c1 = strrchr(loc, ':');
		if (c1 && strspn(c1 + 1, "0123456789") == strlen(c1 + 1)) {
			*c1 = '\0';
			fr[n].line = strtol(c1 + 1, NULL, 10);
		} else {
			fr[n].line = strtol(c2 + 1, NULL, 10);
		}
		snprintf(fr[n].file, sizeof(fr[n].file), "%s", loc);
		n++;
	}
	pclose(p); /* the exit status says whether all resolved: see "??" */
	return n;
}

/*
 * The oracle: eu-addr2line, which uses the same libdw. Where it finds no
 * unit (libdw 0.188 needs .debug_aranges, which clang does not write),
 * llvm-symbolizer, which reads the units' own ranges (binutils' addr2line
 * does too, but misses clang's inline chains).
 */
static int oracle(uint64_t pc, struct eu_frame *fr, int max)
{
	int n = addr2line("eu-addr2line -f -i -e", pc, fr, max);

	if (n > 0 && strcmp(fr[0].file, "??") != 0)
		return n;
	print_message("  (eu-addr2line found no line: llvm-symbolizer)\n");
	return addr2line("llvm-symbolizer --inlining --no-demangle --obj", pc,
			 fr, max);
}

/* Our frames at `pc` must be the oracle's: count, names, files, lines. */
static void agree_with_addr2line(uint64_t pc)
{
	struct tsym_frame f[16];
	struct eu_frame e[16];
	int n = tsym_lookup(sym, pc, f, 16);
	int m = oracle(pc, e, 16);
	int i;

	print_message("0x%llx: %d frames, addr2line %d\n",
		      (unsigned long long)pc, n, m);
	assert_int_equal(n, m);
	for (i = 0; i < n; i++) {
		print_message("  %s (%s) %s:%lld | %s %s:%ld\n", f[i].name,
			      f[i].system_name, f[i].file, (long long)f[i].line,
			      e[i].name, e[i].file, e[i].line);
		/* It prints the mangled name, or the plain one GCC gives a
		 * function of internal linkage. */
		if (strcmp(e[i].name, f[i].system_name) != 0)
			assert_string_equal(e[i].name, leaf(f[i].name));
		assert_string_equal(f[i].file, e[i].file);
		assert_int_equal(f[i].line, e[i].line);
	}
}

static void test_agrees_with_addr2line(void **state)
{
	/* clang-format off */
	const struct tfx_site *all[] = {
		&sites.plain, &sites.inl,   &sites.tmpl,   &sites.anon,
		&sites.less,  &sites.call,  &sites.shift,  &sites.lambda,
		&sites.member,
	};
	/* clang-format on */
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		agree_with_addr2line(all[i]->pc);
}

/* libc, with DWARF from libc6-dbg when installed, else its symbols.
 * Looked up in libc itself: a sanitizer interposes some of these. */
static void test_libc_agrees_with_addr2line(void **state)
{
	/* clang-format off */
	const char *names[] = { "qsort", "fopen", "strtol", "getenv",
				"memchr", "pthread_create" };
	/* clang-format on */
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	size_t i;

	assert_non_null(libc);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *fn = dlsym(libc, names[i]);

		assert_non_null(fn);
		agree_with_addr2line((uint64_t)(uintptr_t)fn + 4);
	}
	dlclose(libc);
}

/* Without debug info (Debian ships none for zlib unless asked), the
 * name comes from the dynamic symbol table, with no file or line. */
static void test_symbols_without_debug_info(void **state)
{
	void *h = dlopen("libz.so.1", RTLD_NOW | RTLD_NOLOAD);
	struct tsym_frame f[4];
	void *fn;
	int n;

	if (!h)
		h = dlopen("libz.so.1", RTLD_NOW);
	assert_non_null(h);
	fn = dlsym(h, "crc32");
	assert_non_null(fn);
	assert_int_equal(tsym_refresh(sym), 0);
	n = tsym_lookup(sym, (uint64_t)(uintptr_t)fn + 1, f, 4);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].name, "crc32");
	assert_string_equal(f[0].system_name, "crc32");
	if (access("/usr/lib/debug/.build-id", F_OK) == 0 && f[0].file[0])
		print_message("zlib has debug info here: %s\n", f[0].file);
	else
		assert_int_equal(f[0].line, 0);
}

/* A copy of the fixture, loaded after the symbolizer was made. */
static void test_refresh_after_dlopen(void **state)
{
	char path[128];
	struct tsym *s = tsym_new(0);
	struct tsym_frame f[4];
	void *h, *fn;

	assert_non_null(s);
	snprintf(path, sizeof(path), "%s/late.so", tmpdir);
	assert_int_equal(copy_file(TSYM_FIXTURE, path), 0);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(h);
	fn = dlsym(h, "tfx_plain");
	assert_non_null(fn);

	assert_int_equal(tsym_lookup(s, (uint64_t)(uintptr_t)fn, f, 4), 0);
	assert_int_equal(tsym_refresh(s), 0);
	assert_int_equal(tsym_lookup(s, (uint64_t)(uintptr_t)fn, f, 4), 1);
	assert_string_equal(f[0].name, "tfx_plain");
	assert_string_equal(base(f[0].file), "symbolize_fixture.c");
	tsym_free(s);
}

/* The same answer twice (cached), and `max` keeps the innermost. */
static void test_cache_and_max(void **state)
{
	struct tsym_frame a[8], b[8];
	int n = tsym_lookup(sym, sites.inl.pc, a, 8);

	assert_int_equal(n, 3);
	assert_int_equal(tsym_lookup(sym, sites.inl.pc, b, 8), 3);
	assert_ptr_equal(a[0].name, b[0].name);
	assert_ptr_equal(a[2].file, b[2].file);
	assert_int_equal(tsym_lookup(sym, sites.inl.pc, b, 1), 1);
	assert_string_equal(b[0].name, "tfx_inner");
	assert_int_equal(tsym_lookup(sym, sites.inl.pc, b, 0), 0);
	assert_int_equal(tsym_lookup(NULL, sites.inl.pc, b, 8), 0);
	tsym_free(NULL);
}

/* JIT code, the stack, nowhere: unknown, and no crash. */
static void test_unknown_addresses(void **state)
{
	struct tsym_frame f[4];
	unsigned char *jit = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int on_stack = 0;

	assert_true(jit != MAP_FAILED);
	memset(jit, 0xc3, 4096); /* ret */
	assert_int_equal(mprotect(jit, 4096, PROT_READ | PROT_EXEC), 0);
	assert_int_equal(tsym_refresh(sym), 0);
	assert_int_equal(tsym_lookup(sym, (uint64_t)(uintptr_t)jit + 16, f, 4),
			 0);
	assert_int_equal(tsym_lookup(sym, (uint64_t)(uintptr_t)&on_stack, f, 4),
			 0);
	assert_int_equal(tsym_lookup(sym, 0, f, 4), 0);
	assert_int_equal(tsym_lookup(sym, UINT64_MAX, f, 4), 0);
	munmap(jit, 4096);
}

/* The vdso: libdwfl reads its image from memory; whatever it finds must
 * be well formed, and its clock_gettime named when found. */
static void test_vdso(void **state)
{
	void *h = dlopen("linux-vdso.so.1", RTLD_NOW | RTLD_NOLOAD);
	void *fn = h ? dlsym(h, "__vdso_clock_gettime") : NULL;
	struct tsym_frame f[4];
	int n;

	if (!fn) {
		print_message("no vdso symbol to look up\n");
		skip();
	}
	n = tsym_lookup(sym, (uint64_t)(uintptr_t)fn + 1, f, 4);
	print_message("vdso clock_gettime: %d frame(s) %s\n", n,
		      n > 0 ? f[0].name : "");
	assert_in_range(n, 0, 1);
	if (n == 1)
		assert_non_null(strstr(f[0].name, "clock_gettime"));
}

/* A library deleted after loading cannot be read: unknown, no crash. */
static void test_deleted_library(void **state)
{
	char path[128];
	struct tsym_frame f[4];
	void *h, *fn;

	snprintf(path, sizeof(path), "%s/deleted.so", tmpdir);
	assert_int_equal(copy_file(TSYM_FIXTURE, path), 0);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(h);
	fn = dlsym(h, "tfx_plain");
	assert_non_null(fn);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(tsym_refresh(sym), 0);
	assert_int_equal(tsym_lookup(sym, (uint64_t)(uintptr_t)fn, f, 4), 0);
}

/* Another process: a child with the fixture mapped where ours is. */
static void test_other_process(void **state)
{
	int ready[2];
	char c;
	pid_t pid;
	struct tsym *s;
	struct tsym_frame f[4];
	int status;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);

	s = tsym_new(pid);
	assert_non_null(s);
	assert_int_equal(tsym_lookup(s, sites.member.pc, f, 4), 2);
	assert_string_equal(f[0].name, "tfx::Acc::add");
	assert_string_equal(f[1].name, "tfx::use_acc");
	assert_int_equal(f[1].line, sites.member_caller_line);
	tsym_free(s);

	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_null(tsym_new(pid)); /* gone */
}

/*
 * With DEBUGINFOD_URLS set, libdwfl's standard search would end with a
 * download, which would create the client's cache; ours must not.
 */
static void test_never_debuginfod(void **state)
{
	char cache[128], probe[160];
	struct tsym *s;
	struct tsym_frame f[4];
	void *fn = dlsym(RTLD_DEFAULT, "crc32");

	assert_non_null(fn);
	snprintf(cache, sizeof(cache), "%s/debuginfod-cache", tmpdir);
	setenv("DEBUGINFOD_URLS", "http://127.0.0.1:9", 1);
	setenv("DEBUGINFOD_CACHE_PATH", cache, 1);
	s = tsym_new(0);
	assert_non_null(s);
	assert_int_equal(tsym_lookup(s, (uint64_t)(uintptr_t)fn + 1, f, 4), 1);
	assert_string_equal(f[0].name, "crc32");
	tsym_free(s);
	unsetenv("DEBUGINFOD_URLS");
	unsetenv("DEBUGINFOD_CACHE_PATH");
	snprintf(probe, sizeof(probe), "%s", cache);
	assert_int_equal(access(probe, F_OK), -1);
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c_plain),
		cmocka_unit_test(test_c_inline_chain),
		cmocka_unit_test(test_cxx_template_member),
		cmocka_unit_test(test_cxx_anonymous_namespace),
		cmocka_unit_test(test_cxx_operators),
		cmocka_unit_test(test_cxx_lambda),
		cmocka_unit_test(test_cxx_inlined_member),
		cmocka_unit_test(test_agrees_with_addr2line),
		cmocka_unit_test(test_libc_agrees_with_addr2line),
		cmocka_unit_test(test_symbols_without_debug_info),
		cmocka_unit_test(test_refresh_after_dlopen),
		cmocka_unit_test(test_cache_and_max),
		cmocka_unit_test(test_unknown_addresses),
		cmocka_unit_test(test_vdso),
		cmocka_unit_test(test_deleted_library),
		cmocka_unit_test(test_other_process),
		cmocka_unit_test(test_never_debuginfod),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, setup, teardown);
}
