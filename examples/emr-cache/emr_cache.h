/*
 * emr_cache.h - what the parts of the emr-cache service share.
 */
#ifndef EMR_CACHE_H
#define EMR_CACHE_H

#include <stddef.h>

/* The size of one cached record: a patient's EMR bundle. */
#define EMR_RECORD_BYTES (10u * 1024 * 1024)

/*
 * Loads the record of patient `id` into the cache and returns 0 once it
 * is there, or -1 when no thread could be started or memory was short.
 * Each call starts a thread that keeps its record warm, forever.
 */
int emr_cache_load(const char *id);

/* What the cache holds: records and their bytes. */
void emr_cache_stats(size_t *records, size_t *bytes);

/* Serves the HTTP routes (see http.c) on 127.0.0.1:port; NULL on error. */
struct MHD_Daemon *emr_http_start(unsigned port);

#endif
