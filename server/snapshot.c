/* snapshot.c - see snapshot.h. The mutex guards only the pointer swap and
 * the reference taken under it: a few nanoseconds per request, and it keeps
 * "a reader never sees a freed value" obvious. */
#include "snapshot.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "error.h"

struct sg_snapshot {
    atomic_uint refs;
    void *value;
    sg_snapshot_free_fn free_fn;
};

int sg_snapshot_slot_init(struct sg_snapshot_slot *slot, sg_snapshot_free_fn free_fn)
{
    slot->current = NULL;
    slot->free_fn = free_fn;
    if (pthread_mutex_init(&slot->lock, NULL) != 0)
        return SG_ERR_INTERNAL;
    return 0;
}

int sg_snapshot_slot_set(struct sg_snapshot_slot *slot, void *value)
{
    struct sg_snapshot *snap, *old;

    snap = malloc(sizeof(*snap));
    if (snap == NULL) {
        slot->free_fn(value);
        return SG_ERR_NOMEM;
    }
    atomic_init(&snap->refs, 1);
    snap->value = value;
    snap->free_fn = slot->free_fn;
    pthread_mutex_lock(&slot->lock);
    old = slot->current;
    slot->current = snap;
    pthread_mutex_unlock(&slot->lock);
    sg_snapshot_release(old);
    return 0;
}

struct sg_snapshot *sg_snapshot_acquire(struct sg_snapshot_slot *slot)
{
    struct sg_snapshot *snap;

    pthread_mutex_lock(&slot->lock);
    snap = slot->current;
    if (snap != NULL)
        atomic_fetch_add_explicit(&snap->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&slot->lock);
    return snap;
}

void *sg_snapshot_value(const struct sg_snapshot *snap)
{
    return snap->value;
}

void sg_snapshot_release(struct sg_snapshot *snap)
{
    if (snap == NULL)
        return;
    if (atomic_fetch_sub_explicit(&snap->refs, 1, memory_order_acq_rel) != 1)
        return;
    snap->free_fn(snap->value);
    free(snap);
}

void sg_snapshot_slot_release(struct sg_snapshot_slot *slot)
{
    struct sg_snapshot *old;

    pthread_mutex_lock(&slot->lock);
    old = slot->current;
    slot->current = NULL;
    pthread_mutex_unlock(&slot->lock);
    sg_snapshot_release(old);
    pthread_mutex_destroy(&slot->lock);
}
