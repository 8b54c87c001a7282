/* snapshot.h - one current immutable value (a policy, a certificate pair)
 * that a reload replaces while readers keep the one they took.
 *
 * A reader acquires a reference to the current value and releases it when
 * done; a writer installs a new value, and the old one is freed when its last
 * reader lets go. This is how a request finishes on the policy it started
 * with and a TLS session keeps the certificate it was handshaken with. */
#ifndef SG_SNAPSHOT_H
#define SG_SNAPSHOT_H

#include <pthread.h>

struct sg_snapshot;

/* Frees the value a snapshot holds; called once, with the last reference. */
typedef void (*sg_snapshot_free_fn)(void *value);

/* The slot that holds the current snapshot. Embedded by its owner. */
struct sg_snapshot_slot {
    pthread_mutex_t lock;
    struct sg_snapshot *current;
    sg_snapshot_free_fn free_fn;
};

/* Prepares an empty slot whose values are freed with free_fn. Returns 0 or
 * SG_ERR_INTERNAL when the mutex cannot be made. */
int sg_snapshot_slot_init(struct sg_snapshot_slot *slot, sg_snapshot_free_fn free_fn);

/* Makes `value` (owned by the slot from now on, even on failure) current.
 * Returns 0, or SG_ERR_NOMEM (value freed, old one kept). */
int sg_snapshot_slot_set(struct sg_snapshot_slot *slot, void *value);

/* Takes a reference to the current snapshot, or NULL when there is none.
 * Release it with sg_snapshot_release. */
struct sg_snapshot *sg_snapshot_acquire(struct sg_snapshot_slot *slot);

/* The value of an acquired snapshot. */
void *sg_snapshot_value(const struct sg_snapshot *snap);

/* Drops a reference; the last one frees the value. NULL is a no-op. */
void sg_snapshot_release(struct sg_snapshot *snap);

/* Drops the slot's own reference and destroys the mutex. Readers that still
 * hold a snapshot keep it until they release it. */
void sg_snapshot_slot_release(struct sg_snapshot_slot *slot);

#endif
