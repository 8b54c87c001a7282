/* arena.c - see arena.h.
 *
 * cJSON's hooks are process-wide function pointers with no context, so the
 * arena a hook should use can only be found from the calling thread: a
 * thread-local pointer, with a pthread key whose destructor frees the
 * chunks when the thread exits. */
#include "arena.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "error.h"

#define ARENA_ALIGN 16

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    max_align_t data[];
};

struct arena {
    bool active;
    struct chunk *head; /* the chunk being filled; the kept one is last */
    size_t handed_out;
};

static _Thread_local struct arena *thread_arena;
static pthread_key_t arena_key;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;
static int arena_key_err;

static void arena_destroy(void *p)
{
    struct arena *a = p;
    struct chunk *c, *next;

    for (c = a->head; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

static void arena_key_make(void)
{
    arena_key_err = pthread_key_create(&arena_key, arena_destroy);
}

static struct chunk *chunk_new(size_t size)
{
    struct chunk *c = malloc(sizeof(*c) + size);

    if (c == NULL)
        return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

static struct arena *arena_get(void)
{
    struct arena *a = thread_arena;

    if (a != NULL)
        return a;
    a = calloc(1, sizeof(*a));
    if (a == NULL)
        return NULL;
    a->head = chunk_new(SG_ARENA_CHUNK_BYTES);
    if (a->head == NULL || pthread_setspecific(arena_key, a) != 0) {
        free(a->head);
        free(a);
        return NULL;
    }
    thread_arena = a;
    return a;
}

static bool arena_owns(const struct arena *a, const void *p)
{
    const struct chunk *c;
    uintptr_t u = (uintptr_t)p;

    for (c = a->head; c != NULL; c = c->next) {
        uintptr_t lo = (uintptr_t)c->data;
        if (u >= lo && u < lo + c->size)
            return true;
    }
    return false;
}

static void *arena_malloc(size_t size)
{
    struct arena *a = thread_arena;
    struct chunk *c;
    size_t need;

    if (a == NULL || !a->active)
        return malloc(size);
    need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < size)
        return NULL;
    c = a->head;
    if (c->size - c->used < need) {
        /* Grow geometrically so a 3 MiB review takes a handful of chunks. */
        size_t want = c->size * 2;
        if (want < need)
            want = need;
        c = chunk_new(want);
        if (c == NULL)
            return NULL;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += need;
    a->handed_out += need;
    return p;
}

static void arena_free(void *p)
{
    struct arena *a = thread_arena;

    if (p == NULL)
        return;
    if (a != NULL && a->active && arena_owns(a, p))
        return;
    free(p);
}

int sg_arena_install(void)
{
    cJSON_Hooks hooks = {.malloc_fn = arena_malloc, .free_fn = arena_free};

    pthread_once(&arena_once, arena_key_make);
    if (arena_key_err != 0)
        return SG_ERR_INTERNAL;
    cJSON_InitHooks(&hooks);
    return 0;
}

void sg_arena_begin(void)
{
    struct arena *a = arena_get();

    /* Without an arena (out of memory) cJSON simply keeps using malloc. */
    if (a != NULL)
        a->active = true;
}

void sg_arena_end(void)
{
    struct arena *a = thread_arena;
    struct chunk *c;

    if (a == NULL)
        return;
    a->active = false;
    while (a->head->next != NULL) {
        c = a->head;
        a->head = c->next;
        free(c);
    }
    a->head->used = 0;
    a->handed_out = 0;
}

size_t sg_arena_used(void)
{
    return thread_arena != NULL ? thread_arena->handed_out : 0;
}
