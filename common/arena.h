/*
 * arena.h - memory for the profile code (internal): a bump arena that a
 * profile lives in, growable arrays, and checked allocation that tests
 * can make fail on purpose.
 */
#ifndef TRIAGE_ARENA_H
#define TRIAGE_ARENA_H

#include <stddef.h>

struct tprof_arena;

/* A new, empty arena, or NULL when out of memory. */
struct tprof_arena *tprof_arena_new(void);

/* Frees the arena and everything allocated from it. NULL is a no-op. */
void tprof_arena_free(struct tprof_arena *a);

/*
 * `n` objects of `size` bytes, zeroed, aligned for any scalar type;
 * NULL when out of memory or when n * size overflows. Zero bytes give a
 * valid unique pointer.
 */
void *tprof_arena_calloc(struct tprof_arena *a, size_t n, size_t size);

/* A NUL-terminated copy of the `len` bytes at `s` in the arena. */
char *tprof_arena_strndup(struct tprof_arena *a, const char *s, size_t len);

/* Bytes the arena has taken from the system so far. */
size_t tprof_arena_size(const struct tprof_arena *a);

/*
 * Checked allocation used by all the profile code (and handed to zlib and
 * protobuf-c), so that tests can inject failures: see
 * tprof_fail_alloc_after().
 */
void *tprof_malloc(size_t size);
void *tprof_realloc(void *p, size_t size);
void tprof_mfree(void *p);

/*
 * Test hook: the `n`th allocation from now fails, and so does every one
 * after it until the hook is reset with 0. Counts over all threads.
 */
void tprof_fail_alloc_after(long n);

/*
 * Makes room for `need` elements of `elem` bytes in the growable array
 * `*arr` of capacity `*cap` (doubling). Returns 0 or TRIAGE_ENOMEM, in
 * which case the array is left as it was.
 */
int tprof_grow(void **arr, size_t *cap, size_t need, size_t elem);

#endif /* TRIAGE_ARENA_H */
