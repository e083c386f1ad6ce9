/*
 * symbolize_fixture.cc - the C++ half of the symbolizer's fixture: a
 * template member, a function in an anonymous namespace, operators, a
 * lambda, and a template member inlined into its caller.
 * Built with -O2 -g -fomit-frame-pointer.
 */
#include "symbolize_fixture.h"

namespace tfx
{
static struct tfx_sites *sites;

template <class T> struct Cache {
	T total = T();
	TFX_NOINLINE void put(const T &v);
};

template <class T> void Cache<T>::put(const T &v)
{
	TFX_PROBE(&sites->tmpl);
	total += v;
}

template struct Cache<int>;

namespace
{
TFX_NOINLINE int hidden(int x)
{
	TFX_PROBE(&sites->anon);
	return x ^ 5;
}
} // namespace

struct Key {
	int v;
	TFX_NOINLINE bool operator<(const Key &o) const;
};

bool Key::operator<(const Key &o) const
{
	TFX_PROBE(&sites->less);
	return v < o.v;
}

struct Fn {
	int k;
	TFX_NOINLINE int operator()(int x) const;
};

int Fn::operator()(int x) const
{
	TFX_PROBE(&sites->call);
	return x + k;
}

struct Stream {
	int n;
};

TFX_NOINLINE Stream &operator<<(Stream &s, int v)
{
	TFX_PROBE(&sites->shift);
	s.n += v;
	return s;
}

TFX_NOINLINE int run_lambda(int x)
{
	auto f = [x](int y) TFX_NOINLINE {
		TFX_PROBE(&sites->lambda);
		return x + y;
	};

	return f(2);
}

template <class T> struct Acc {
	T v;
	__attribute__((always_inline)) inline T add(T x)
	{
		TFX_PROBE(&sites->member);
		v += x;
		return v;
	}
};

TFX_NOINLINE int use_acc(int x)
{
	Acc<int> a{1};
	int r = (sites->member_caller_line = __LINE__, a.add(x));

	return r;
}
} // namespace tfx

extern "C" int tfx_run_cxx(struct tfx_sites *s, int x)
{
	tfx::Cache<int> c;
	tfx::Key a{x}, b{x + 1};
	tfx::Fn fn{3};
	tfx::Stream st{0};

	tfx::sites = s;
	c.put(x);
	st << x;
	return c.total + tfx::hidden(x) + (a < b) + fn(x) + st.n +
	       tfx::run_lambda(x) + tfx::use_acc(x);
}
