// heap_keep_cxx.cc - the C++ half of heap_keep: blocks kept with each
// form of operator new (plain, array, aligned), and blocks released
// with a sized delete.
#include "heap_keep.h"

#include <cstring>

#define NOINLINE __attribute__((noinline))

namespace
{

struct Block {
	char bytes[8192];
};

struct alignas(256) AlignedBlock {
	char bytes[8192];
};

const long kMaxBlocks = 20000;
Block *plain[kMaxBlocks];
char *arrays[kMaxBlocks];
AlignedBlock *aligned[kMaxBlocks];
Block *released[kMaxBlocks];
long count;

} // namespace

extern "C" NOINLINE void keep_new(long n)
{
	for (long i = 0; i < n; i++) {
		plain[i] = new Block;
		std::memset(plain[i]->bytes, 1, 64);
	}
	keep_report("keep", "keep_new", n, n * (long)sizeof(Block));
}

extern "C" NOINLINE void keep_new_array(long n)
{
	for (long i = 0; i < n; i++) {
		arrays[i] = new char[12288];
		std::memset(arrays[i], 1, 64);
	}
	keep_report("keep", "keep_new_array", n, n * 12288L);
}

extern "C" NOINLINE void keep_new_aligned(long n)
{
	for (long i = 0; i < n; i++) {
		aligned[i] = new AlignedBlock;
		std::memset(aligned[i]->bytes, 1, 64);
	}
	keep_report("keep", "keep_new_aligned", n,
		    n * (long)sizeof(AlignedBlock));
}

extern "C" NOINLINE void keep_cxx_freed(long n)
{
	for (long i = 0; i < n; i++) {
		released[i] = new Block;
		std::memset(released[i]->bytes, 1, 64);
	}
	keep_report("keep", "keep_cxx_freed", n, n * (long)sizeof(Block));
}

extern "C" void keep_cxx(long n)
{
	count = n;
	keep_new(n);
	keep_new_array(n);
	keep_new_aligned(n);
	keep_cxx_freed(n);
}

extern "C" void keep_cxx_release(void)
{
	// A complete type: the compiler calls the sized delete.
	for (long i = 0; i < count; i++)
		delete released[i];
}
