/* arena.h - a per-thread bump allocator behind cJSON's allocation hooks.
 *
 * Parsing a review builds a cJSON tree of a few hundred nodes and frees it
 * a moment later; with malloc that was about half of a request's CPU. While
 * a thread is between sg_arena_begin and sg_arena_end, cJSON allocations on
 * that thread are pointer bumps in chunks the thread keeps, and cJSON frees
 * of them are no-ops; sg_arena_end makes every one of them invalid at once.
 * Everywhere else (other threads, outside begin/end) cJSON uses malloc/free.
 *
 * Contract for code that runs inside begin/end (the engine): memory cJSON
 * handed out must be released with cJSON_Delete / cJSON_free, never free(),
 * and must not be used after sg_arena_end. */
#ifndef SG_ARENA_H
#define SG_ARENA_H

#include <stddef.h>

/* The first chunk each thread keeps between requests; a review of a ~3 KB
 * pod fits in it. Bigger reviews take more chunks, returned at end. */
#define SG_ARENA_CHUNK_BYTES (64 * 1024)

/* Points cJSON's hooks at the arena. Call once, before any thread that
 * uses cJSON starts. Returns 0 or SG_ERR_INTERNAL. */
int sg_arena_install(void);

/* This thread's cJSON allocations go to its arena until sg_arena_end. */
void sg_arena_begin(void);

/* Back to malloc; frees every chunk but the first and rewinds it. */
void sg_arena_end(void);

/* Bytes the calling thread's arena handed out since begin (for tests). */
size_t sg_arena_used(void);

#endif
