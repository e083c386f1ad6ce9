/*
 * test_demangle.c - C++ names as pprof shows them: mangled names from
 * GCC and the C++ runtime, each with the text pprof's default demangler
 * mode gives (Go 1.19's pprof, checked by hand), and malformed input to
 * the simplifier. This binary links no C++ runtime, so the first
 * tdemangle() must load one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"

/* clang-format off */
static const struct {
	const char *mangled, *want;
} cases[] = {
	/* plain, namespaced, templates, return types */
	{ "_Z7useanoni", "useanon" },
	{ "_ZN2ns5CacheIiE3putERKi", "ns::Cache::put" },
	{ "_ZNK2ns5CacheIiE3getEv", "ns::Cache::get" },
	{ "_ZN2ns5maxofIiEET_S1_S1_", "ns::maxof" },
	{ "_ZNSt6vectorIiSaIiEE9push_backEOi", "std::vector::push_back" },
	{ "_ZNSt8_Rb_treeIiSt4pairIKiiESt10_Select1stIS2_ESt4lessIiESaIS2_EE8_"
	  "M_eraseEPSt13_Rb_tree_nodeIS2_E",
	  "std::_Rb_tree::_M_erase" },
	{ "_ZN9__gnu_cxx13new_allocatorIcE8allocateEmPKv",
	  "__gnu_cxx::new_allocator::allocate" },
	{ "_ZN2ns1fIFviEEEvT_", "ns::f" },
	{ "_ZN2ns1fIiEEDTplfp_fp_ET_", "ns::f" },
	/* constructors, destructors, ABI tags, clones */
	{ "_ZN2ns1VC2Ev", "ns::V::V" },
	{ "_ZN2ns1VD0Ev", "ns::V::~V" },
	{ "_ZN2ns6taggedB5cxx11Ev", "ns::tagged[abi:cxx11]" },
	{ "_ZN2ns1fEv.part.0", "ns::f" },
	{ "_ZN2ns1fEv.isra.0.cold", "ns::f" },
	{ "_ZN2ns5CacheIiE3putERKi.constprop.0", "ns::Cache::put" },
	/* anonymous namespaces, internal linkage */
	{ "_ZN12_GLOBAL__N_11fEv", "(anonymous namespace)::f" },
	{ "_ZN2ns12_GLOBAL__N_11gIiEEvv", "ns::(anonymous namespace)::g" },
	{ "_ZN2nsL3fooEv", "ns::foo" },
	/* operators */
	{ "_ZNK2ns5CacheIiEltERKS1_", "ns::Cache::operator<" },
	{ "_ZNK2ns5CacheIiEgtERKS1_", "ns::Cache::operator>" },
	{ "_ZN2ns5CacheIiElsEi", "ns::Cache::operator<<" },
	{ "_ZN2ns5CacheIiElSEi", "ns::Cache::operator<<=" },
	{ "_ZN2ns1XrsEi", "ns::X::operator>>" },
	{ "_ZN2ns1XrSEi", "ns::X::operator>>=" },
	{ "_ZN2ns1XleEi", "ns::X::operator<=" },
	{ "_ZN2ns1XssERKS0_", "ns::X::operator<=>" },
	{ "_ZNK2ns5CacheIiEclEi", "ns::Cache::operator()" },
	{ "_ZN2ns1XclIiEEvT_", "ns::X::operator()" },
	{ "_ZN2ns1XltIiEEbT_", "ns::X::operator<" },
	{ "_ZN2nsltIiEEbRKNS_5CacheIT_EEi", "ns::operator<" },
	{ "_ZN2ns5CacheIiEptEv", "ns::Cache::operator->" },
	{ "_ZN2ns5CacheIiEpmEi", "ns::Cache::operator->*" },
	{ "_ZN2ns1XixEi", "ns::X::operator[]" },
	{ "_ZN2ns1XcmEi", "ns::X::operator," },
	{ "_ZN2ns1XaSERKS0_", "ns::X::operator=" },
	{ "_ZN2ns1XcoEv", "ns::X::operator~" },
	{ "_ZN2ns1XnwEm", "ns::X::operator new" },
	{ "_ZN2ns1XdaEPv", "ns::X::operator delete[]" },
	{ "_Znam", "operator new[]" },
	{ "_ZdlPv", "operator delete" },
	{ "_Zli3_kmy", "operator\"\" _km" },
	{ "_ZNK2ns5CacheIiEcviEv", "ns::Cache::operator int" },
	{ "_ZNK2ns1XcvPKcEv", "ns::X::operator char const*" },
	{ "_ZN2ns1XcvT_IiEEv", "ns::X::operator int" },
	{ "_ZNK2ns5CacheISt6vectorINSt7__cxx1112basic_stringIcSt11char_"
	  "traitsIcESaIcEEESaIS7_EEEcvS7_Ev",
	  "ns::Cache::operator std::__cxx11::basic_string" },
	{ "_ZNKSt15__exception_ptr13exception_ptrcvMS0_FvvEEv",
	  "std::__exception_ptr::exception_ptr::operator void "
	  "(std::__exception_ptr::exception_ptr::*)()" },
	{ "_ZNKSt8functionIFviEEclEi", "std::function::operator()" },
	/* lambdas and local entities keep their enclosing function */
	{ "_ZZN2ns3lamEvENKUliE_clEi", "ns::lam()::{lambda(int)#1}::operator()" },
	{ "_ZZ4mainENKUlvE_clEv", "main::{lambda()#1}::operator()" },
	{ "_ZZN2ns5localEvEN1L1mEi", "ns::local()::L::m" },
	{ "_ZZN2ns1fIiEEvT_EN1L1mEv", "ns::f(int)::L::m" },
	{ "_ZZZN2ns1fEvENKUlvE_clEvENKUliE_clEi",
	  "ns::f()::{lambda()#1}::operator()() const::{lambda(int)#1}::"
	  "operator()" },
	/* returning a function pointer: void (*ns::getfp<int>(int))(int) */
	{ "_ZN2ns5getfpIiEEPFviET_", "ns::getfp" },
	/* special names keep their words and the rest */
	{ "_ZThn8_N2ns1D1fEv", "non-virtual thunk to ns::D::f()" },
	{ "_ZTv0_n24_N2ns1D1fEv", "virtual thunk to ns::D::f()" },
	{ "_ZGVZ4mainE1x", "guard variable for main::x" },
	{ "_ZTVN2ns1DE", "vtable for ns::D" },
	{ "_ZTIPKc", "typeinfo for char const*" },
	{ "_ZTIy", "typeinfo for unsigned long long" },
	{ "_ZTW1x", "TLS wrapper function for x" },
};
/* clang-format on */

/* Runs first: nothing has loaded a C++ runtime into this process yet. */
static void test_loads_the_runtime(void **state)
{
	char *d;

	assert_null(dlsym(RTLD_DEFAULT, "__cxa_demangle"));
	d = tdemangle("_ZN2ns5CacheIiE3putERKi");
	assert_non_null(d);
	assert_string_equal(d, "ns::Cache::put");
	free(d);
}

static void test_pprof_names(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = tdemangle(cases[i].mangled);

		if (!d || strcmp(d, cases[i].want) != 0)
			print_message("%s\n", cases[i].mangled);
		assert_non_null(d);
		assert_string_equal(d, cases[i].want);
		free(d);
	}
}

static void test_not_mangled(void **state)
{
	assert_null(tdemangle(NULL));
	assert_null(tdemangle(""));
	assert_null(tdemangle("main"));
	assert_null(tdemangle("tfx_plain"));
	assert_null(tdemangle("_Z"));
	assert_null(tdemangle("_Zfoo"));
	assert_null(tdemangle("_ZN3foo"));
	assert_null(tdemangle("_Z3foo("));
}

/* The simplifier on text no demangler writes: bounded, never NULL
 * unless nothing is left. */
static void test_simplify_malformed(void **state)
{
	/* clang-format off */
	static const struct {
		const char *in, *want; /* want NULL: nothing left */
	} bad[] = {
		{ "", NULL },
		{ "(", NULL },
		{ "()", NULL },
		{ "(int) x", NULL },
		{ "<<<<", NULL },
		{ ">>>>", ">>>>" },
		{ "operator", "operator" },
		{ "a::operator", "a::operator" },
		{ "a::operator(", "a::operator" },
		{ "a::operator ", "a::operator" },
		{ "f(", "f" },
		{ "f)", "f" },
		{ "f(((", "f" },
		{ "ns::f<int", "ns::f" },
		{ "ns::f<int>>>(x)", "ns::f>>" },
		{ "{{{{", "{{{{" },
		{ "}}}}", "}}}}" },
		{ "[[[", "[[[" },
		{ "x (anonymous namespace", NULL },
		{ "(anonymous namespace)", "(anonymous namespace)" },
		{ "a b c", "c" },
		{ "a b c ", "c" },
		{ "void (*", NULL },
		{ "void (*f", "f" },
		{ "f()::", "f()::" },
		{ "f() const::g", "f() const::g" },
		{ "decltype (", "(" },
		{ "typeinfo for ", "typeinfo for" },
		{ "vtable for a<b", "vtable for a" },
	};
	/* clang-format on */
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *d = tdemangle_simplify(bad[i].in);

		print_message("[%s] -> [%s]\n", bad[i].in, d ? d : "(null)");
		if (bad[i].want)
			assert_string_equal(d ? d : "(null)", bad[i].want);
		else
			assert_null(d);
		free(d);
	}
	assert_null(tdemangle_simplify(NULL));
}

/* Deep nesting and long input: no recursion, linear time. */
static void test_simplify_huge(void **state)
{
	size_t n = 1 << 20, i;
	char *s = malloc(n + 8), *d;

	assert_non_null(s);
	/* Template arguments nested half a million deep. */
	memcpy(s, "ns::f", 5);
	for (i = 5; i < n; i++)
		s[i] = i < 5 + (n - 5) / 2 ? '<' : '>';
	s[5 + 2 * ((n - 5) / 2)] = '\0';
	d = tdemangle_simplify(s);
	assert_non_null(d);
	assert_string_equal(d, "ns::f");
	free(d);

	/* A local entity 100,000 enclosing functions deep. */
	for (i = 0; i + 6 < n; i += 6)
		memcpy(s + i, "a(b)::", 6);
	s[i] = 'z';
	s[i + 1] = '\0';
	d = tdemangle_simplify(s);
	assert_non_null(d);
	assert_string_equal(d, s);
	free(d);
	free(s);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_the_runtime),
		cmocka_unit_test(test_pprof_names),
		cmocka_unit_test(test_not_mangled),
		cmocka_unit_test(test_simplify_malformed),
		cmocka_unit_test(test_simplify_huge),
	};
	/* clang-format on */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
