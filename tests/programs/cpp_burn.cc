// cpp_burn - C++ code for checking that CPU profiles name C++ functions
// the way pprof shows them: demangled, without parameters or template
// arguments (clinic::Scorer::score, clinic::(anonymous namespace)::mix).
//
// usage: cpp_burn SECONDS
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace clinic {
namespace {

volatile double sink;

long long thread_ns()
{
	timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noinline)) double mix(double x, int rounds)
{
	for (int i = 0; i < rounds; i++)
		x = x * 1.0000001 + 0.5;
	return x;
}

} // namespace

template <typename T> class Scorer {
public:
	__attribute__((noinline)) T score(T seed, double seconds)
	{
		long long end = thread_ns() + (long long)(seconds * 1e9);
		T x = seed;

		do {
			for (int i = 0; i < 20000; i++)
				x = x * (T)1.0000001 + (T)0.25;
			x = (T)mix((double)x, 2000);
		} while (thread_ns() < end);
		sink = (double)x;
		return x;
	}
};

} // namespace clinic

int main(int argc, char **argv)
{
	clinic::Scorer<double> s;
	double seconds = argc > 1 ? std::strtod(argv[1], nullptr) : 1;

	std::printf("%g\n", s.score(1.0, seconds) > 0 ? 1.0 : 0.0);
	return 0;
}
