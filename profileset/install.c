/* install.c - see install.h.
 *
 * What it promises a node: a profile that does not parse, or that runc
 * refuses, never replaces a copy that works; a permissive or unconfined
 * profile is installed only when asked for; it removes only files it
 * installed itself (the record names them), so profiles put on the node by
 * other means stay; every file is there whole or not at all (io/file's
 * temporary file renamed into place).
 *
 * `from` is listed by io/dir, which reads a ConfigMap volume as it is laid
 * out (dot-names skipped, linked files followed, a linked folder only when
 * it stays inside), all or nothing: a partial listing would look like
 * profiles removed. `to` is never read through a link.
 *
 * A sync runs in phases so that a run killed anywhere leaves nothing it
 * forgets: judge every file (nothing written), record the names about to be
 * written, write them, remove what left `from`, record what is there now. */
#include "install.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "profile.h"
#include "profileset.h"

#define RECORD_MAX_BYTES  (4 * 1024 * 1024)
#define RECORD_MAX_NAMES  (2 * SG_DIR_MAX_FILES) /* `from`'s files, and some not removed */
#define TMP_STALE_SECONDS 60 /* a temporary file older than this is a killed run's */
#define WHY_MAX           1024
#define EVENT_MAX         (SG_ERROR_MSG_MAX + 512) /* as server/log.c's event line */

static void say(const struct sg_install_opts *o, const char *level, const char *event,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void say(const struct sg_install_opts *o, const char *level, const char *event,
                const char *fmt, ...)
{
    char msg[EVENT_MAX];
    va_list ap;

    if (o->event == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    o->event(o->ctx, level, event, msg);
}

/* "<a>/<b>"; -1 when it does not fit. */
static int join(char *out, size_t size, const char *a, const char *b)
{
    int n = snprintf(out, size, "%s/%s", a, b);

    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static bool is_profile_name(const char *name)
{
    size_t n = strlen(name), s = strlen(SG_PROFILESET_SUFFIX);

    return name[0] != '.' && n > s && strcmp(name + n - s, SG_PROFILESET_SUFFIX) == 0;
}

/* A path the record may name: relative, no empty, `.` or `..`-led segment
 * (so it cannot leave `to`), a profile's name at the end. The record is a
 * file on the node: a line that is not such a path is never acted on. */
static bool is_record_path(const char *rel)
{
    const char *seg = rel;

    if (rel[0] == '\0' || strlen(rel) >= PATH_MAX / 2)
        return false;
    for (;;) {
        const char *slash = strchr(seg, '/');
        if (seg[0] == '.' || seg[0] == '/' || seg[0] == '\0')
            return false;
        if (slash == NULL)
            return is_profile_name(seg);
        seg = slash + 1;
    }
}

/* --- judging one profile --------------------------------------------------- */

/* sg_profileset_judge's answer, worded for the event lines. */
struct verdict {
    bool ok;         /* may be installed */
    bool permissive; /* lets unlisted syscalls run, or installs no filter */
    bool lint_error; /* installable, but lint finds an error (a program may not start) */
    char text[WHY_MAX];
};

/* As `profile lint` judges it on this machine, which is the node's
 * architecture when this runs in the DaemonSet. */
static void judge(const char *name, const char *text, size_t len, struct verdict *v)
{
    struct sg_profileset_judged j;
    struct sg_error err;

    *v = (struct verdict){0};
    sg_error_clear(&err);
    if (sg_profileset_judge(name, text, len, &j, &err) < 0) {
        if (j.refused)
            snprintf(v->text, sizeof(v->text), "runc refuses it: %s",
                     j.note[0] ? j.note : "a fatal finding");
        else
            snprintf(v->text, sizeof(v->text), "not a profile: %s", err.msg);
        return;
    }
    v->ok = true;
    v->permissive = j.kind != SG_KNOWN_ENFORCING;
    v->lint_error = j.note[0] != '\0';
    snprintf(v->text, sizeof(v->text), "%s: %s%s%s", sg_known_kind_name(j.kind), j.why,
             j.note[0] ? "; lint: " : "", j.note);
}

/* --- one sync ------------------------------------------------------------- */

enum action {
    ACT_WRITE,
    ACT_UNCHANGED,
    ACT_REFUSED, /* broken, refused by runc, unreadable or over the sync's bytes */
    ACT_SKIPPED, /* permissive without allow_permissive */
};

struct plan_item {
    const struct sg_dir_entry *e; /* in sync.from */
    enum action action;
    char *text; /* the bytes to write (ACT_WRITE) */
    size_t len;
    bool drop_old; /* ACT_SKIPPED, and the copy installed earlier is permissive too */
    struct verdict v;
};

struct sync {
    const struct sg_install_opts *o;
    struct sg_dir_list from;   /* the listing of `from` */
    struct sg_dir_list record; /* what was installed before (names) */
    struct sg_dir_list kept;   /* what is installed after (names) */
    struct plan_item *plan;    /* one per file of `from` */
    size_t n_plan;
    size_t bytes;      /* read from `from` */
    bool listed;       /* `from` could be listed */
    bool record_dirty; /* the record has lines to drop: write it again */
    size_t installed, unchanged, refused, skipped, removed, failed;
    bool io_failed; /* a write or removal failed: worth trying again */
};

static void sync_release(struct sync *s)
{
    for (size_t i = 0; i < s->n_plan; i++)
        free(s->plan[i].text);
    free(s->plan);
    sg_dir_list_release(&s->from);
    sg_dir_list_release(&s->record);
    sg_dir_list_release(&s->kept);
}

/* Whether `dst` already holds exactly these bytes, mode 0644. */
static bool same_as_installed(const char *dst, const char *text, size_t len)
{
    struct stat st;
    char *old = NULL;
    size_t old_len = 0;
    bool same;

    if (lstat(dst, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 07777) != 0644 ||
        (size_t)st.st_size != len)
        return false;
    if (sg_file_read(dst, SG_PROFILE_MAX_BYTES, &old, &old_len, NULL, NULL) < 0)
        return false;
    same = old_len == len && memcmp(old, text, len) == 0;
    free(old);
    return same;
}

/* Whether the file at `dst` is a profile that enforces nothing. */
static bool installed_is_permissive(const char *dst)
{
    struct verdict v;
    struct stat st;
    char *text = NULL;
    size_t len = 0;

    if (lstat(dst, &st) != 0 || !S_ISREG(st.st_mode) ||
        sg_file_read(dst, SG_PROFILE_MAX_BYTES, &text, &len, NULL, NULL) < 0)
        return false;
    judge(dst, text, len, &v);
    free(text);
    return v.ok && v.permissive;
}

/* Reads and judges one profile into it->action. */
static void plan_read(struct sync *s, struct plan_item *it, const char *src, const char *dst)
{
    struct sg_error err;

    sg_error_clear(&err);
    if ((size_t)it->e->id.size > SG_PROFILESET_MAX_BYTES - s->bytes) {
        snprintf(it->v.text, sizeof(it->v.text),
                 "the profiles of '%s' are more than the %d MiB one sync reads", s->o->from,
                 SG_PROFILESET_MAX_BYTES >> 20);
    } else if (sg_file_read(src, SG_PROFILE_MAX_BYTES, &it->text, &it->len, NULL, &err) < 0) {
        snprintf(it->v.text, sizeof(it->v.text), "%s", err.msg);
    } else {
        s->bytes += it->len;
        judge(src, it->text, it->len, &it->v);
        if (it->v.ok && it->v.permissive && !s->o->allow_permissive)
            it->action = ACT_SKIPPED;
        else if (it->v.ok)
            it->action = same_as_installed(dst, it->text, it->len) ? ACT_UNCHANGED : ACT_WRITE;
    }
}

/* Plans one profile; says at once why one is not installed. */
static void plan_one(struct sync *s, struct plan_item *it)
{
    const struct sg_install_opts *o = s->o;
    char src[PATH_MAX], dst[PATH_MAX];
    struct stat st;
    bool there;

    it->action = ACT_REFUSED;
    if (join(src, sizeof(src), o->from, it->e->rel) < 0 ||
        join(dst, sizeof(dst), o->to, it->e->rel) < 0) {
        snprintf(it->v.text, sizeof(it->v.text), "path too long");
        dst[0] = '\0';
    } else {
        plan_read(s, it, src, dst);
    }
    if (it->action == ACT_REFUSED) {
        s->refused++;
        there = dst[0] != '\0' && lstat(dst, &st) == 0;
        say(o, "error", "refused", "%s: not installed: %s; %s %s%s", it->e->rel, it->v.text,
            there ? "the file already at" : "nothing is installed at", dst, there ? " stays" : "");
    } else if (it->action == ACT_SKIPPED) {
        /* Installed by an earlier run with allow_permissive: without it
         * now, that copy goes too. An enforcing earlier version stays. */
        s->skipped++;
        it->drop_old = sg_dir_list_has(&s->record, it->e->rel) && installed_is_permissive(dst);
        say(o, "warn", "skipped",
            "%s: not installed: %s. A pod naming it runs with every syscall allowed, wherever "
            "the policy does not judge profiles; --allow-permissive installs it anyway%s",
            it->e->rel, it->v.text,
            it->drop_old ? "; the permissive copy installed earlier is removed" : "");
    }
}

/* Makes (or, with !make, checks) the folders of `rel` below `to`, each a
 * real folder: a symbolic link planted there could send a write or a
 * removal anywhere on the node. Returns 0, 1 when one is missing and
 * !make, or an error. */
static int folders_below(const char *to, const char *rel, bool make, struct sg_error *err)
{
    char path[PATH_MAX];
    size_t base = strlen(to) + 1;
    struct stat st;

    if (join(path, sizeof(path), to, rel) < 0)
        return sg_error_set(err, SG_ERR_LIMIT, "path too long below '%s'", to);
    for (char *slash = strchr(path + base, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (lstat(path, &st) != 0 && errno == ENOENT && make) {
            if (sg_file_make_dir(path, 0755, err) < 0)
                return err->code;
        } else if (lstat(path, &st) != 0 && errno == ENOENT) {
            return 1;
        } else if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
            return sg_error_set(err, SG_ERR_IO, "'%s' is not a folder (a link is not followed)",
                                path);
        }
        *slash = '/';
    }
    return 0;
}

static void write_one(struct sync *s, const struct plan_item *it)
{
    const struct sg_install_opts *o = s->o;
    char dst[PATH_MAX], dir[PATH_MAX];
    struct sg_error err;

    sg_error_clear(&err);
    if (join(dst, sizeof(dst), o->to, it->e->rel) < 0 ||
        folders_below(o->to, it->e->rel, true, &err) < 0 ||
        sg_file_write_atomic(dst, it->text, it->len, 0644, true, &err) < 0) {
        s->failed++;
        s->io_failed = true;
        say(o, "error", "failed", "%s: not installed: %s", it->e->rel,
            err.msg[0] ? err.msg : "path too long");
        return;
    }
    snprintf(dir, sizeof(dir), "%s", dst);
    *strrchr(dir, '/') = '\0';
    sg_file_sync_dir(dir);
    s->installed++;
    say(o, it->v.permissive || it->v.lint_error ? "warn" : "info", "installed",
        "%s: installed as %s: %s%s", it->e->rel, dst, it->v.text,
        it->v.permissive ? " (installed because of --allow-permissive)" : "");
}

/* Removes a file this module installed, for the reason `why`. */
static void remove_one(struct sync *s, const char *rel, const char *why)
{
    const struct sg_install_opts *o = s->o;
    char dst[PATH_MAX];
    struct sg_error err;
    struct stat st;
    int rc;

    sg_error_clear(&err);
    rc = folders_below(o->to, rel, false, &err);
    if (rc == 0 && join(dst, sizeof(dst), o->to, rel) < 0)
        rc = sg_error_set(&err, SG_ERR_LIMIT, "path too long below '%s'", o->to);
    if (rc == 0 && lstat(dst, &st) != 0)
        rc = errno == ENOENT
                 ? 1
                 : sg_error_set(&err, SG_ERR_IO, "cannot stat '%s': %s", dst, strerror(errno));
    if (rc == 0 && S_ISDIR(st.st_mode))
        rc = sg_error_set(&err, SG_ERR_IO, "'%s' is a folder now", dst);
    if (rc == 0 && unlink(dst) != 0)
        rc = sg_error_set(&err, SG_ERR_IO, "cannot remove '%s': %s", dst, strerror(errno));
    if (rc < 0) {
        s->failed++;
        s->io_failed = true;
        say(o, "error", "failed", "%s: %s, but not removed: %s", rel, why, err.msg);
        if (sg_dir_list_add(&s->kept, rel, NULL, NULL) < 0)
            say(o, "error", "record", "out of memory: %s is forgotten", rel);
        return;
    }
    if (rc == 0) {
        s->removed++;
        say(o, "info", "removed", "%s: removed %s: %s", rel, dst, why);
    }
}

/* --- the record of what was installed ------------------------------------- */

static void record_path(const struct sg_install_opts *o, char *out, size_t size)
{
    if (join(out, size, o->to, SG_INSTALL_RECORD) < 0)
        out[0] = '\0'; /* `to` is checked to leave room */
}

/* The names of `text`, a record, into s->record; returns how many lines
 * were not acted on. */
static size_t record_parse(struct sync *s, char *text, bool *nomem)
{
    char *line, *next;
    size_t bad = 0;

    for (line = text; line != NULL && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (!is_record_path(line) || s->record.n == RECORD_MAX_NAMES)
            bad++;
        else if (sg_dir_list_add(&s->record, line, NULL, NULL) < 0)
            *nomem = true;
    }
    return bad;
}

/* Reads the record into s->record. A record that cannot be read is taken
 * as empty: nothing is removed that it might have named (they stay on the
 * node), which is the safe way to be wrong. Returns false then. */
static bool record_read(struct sync *s)
{
    char path[PATH_MAX], *text = NULL;
    struct sg_error err;
    struct stat st;
    size_t len = 0, bad;
    bool nomem = false;

    sg_error_clear(&err);
    record_path(s->o, path, sizeof(path));
    if (lstat(path, &st) != 0 && errno == ENOENT)
        return true;
    if (sg_file_read(path, RECORD_MAX_BYTES, &text, &len, NULL, &err) < 0) {
        say(s->o, "error", "record", "%s; files installed earlier are not removed", err.msg);
        return false;
    }
    bad = record_parse(s, text, &nomem);
    free(text);
    if (bad > 0 || nomem)
        say(s->o, "error", "record", "%s: %zu lines ignored%s", path, bad,
            nomem ? ", out of memory" : "");
    sg_dir_list_sort(&s->record);
    return bad == 0 && !nomem;
}

static int record_write(const struct sg_install_opts *o, const struct sg_dir_list *names,
                        struct sg_error *err)
{
    char path[PATH_MAX];
    struct sg_buf b;
    int rc;

    record_path(o, path, sizeof(path));
    sg_buf_init(&b, RECORD_MAX_BYTES);
    sg_buf_adds(&b, "# Written by `seccomp-guard profile install`: the files below are the ones\n"
                    "# it installed in this folder, and the only ones it will remove.\n");
    for (size_t i = 0; i < names->n; i++)
        sg_buf_addf(&b, "%s\n", names->items[i].rel);
    if (sg_buf_failed(&b))
        rc = sg_error_set(err, SG_ERR_NOMEM, "out of memory writing '%s'", path);
    else
        rc = sg_file_write_atomic(path, sg_buf_str(&b), b.len, 0644, true, err);
    sg_buf_release(&b);
    if (rc == 0)
        sg_file_sync_dir(o->to);
    return rc;
}

/* --- leftovers of a killed run -------------------------------------------- */

/* ".<profile>.json.tmp-1234abcd" or "..seccomp-guard-installed.tmp-...":
 * a temporary file io/file.c made for one of ours. */
static bool is_our_temporary(const char *name)
{
    char base[NAME_MAX + 1];

    return sg_file_temporary_of(name, base, sizeof(base)) &&
           (strcmp(base, SG_INSTALL_RECORD) == 0 || is_profile_name(base));
}

/* Best effort, and unlike io/dir: the names it wants start with '.', and
 * `to` is the node's, so no link in it is followed. */
static void clean_dir(const struct sg_install_opts *o, const char *dir, int depth, size_t *budget)
{
    char path[PATH_MAX];
    struct dirent *de;
    struct stat st;
    DIR *d = opendir(dir);

    while (d != NULL && *budget > 0) {
        de = readdir(d);
        if (de == NULL)
            break;
        (*budget)--;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            join(path, sizeof(path), dir, de->d_name) < 0 || lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && de->d_name[0] != '.' && depth < SG_DIR_MAX_DEPTH) {
            clean_dir(o, path, depth + 1, budget);
        } else if (S_ISREG(st.st_mode) && is_our_temporary(de->d_name) &&
                   st.st_mtime + TMP_STALE_SECONDS < time(NULL)) {
            /* Younger ones may be another installer's, writing now. */
            if (unlink(path) == 0)
                say(o, "info", "cleaned", "removed %s, left by a run that was stopped", path);
        }
    }
    if (d != NULL)
        closedir(d);
}

/* --- the phases ------------------------------------------------------------ */

/* Prepares `to` and reads the record; -1 when `to` cannot be used, 1 when
 * the record could not be read whole. */
static int sync_start(struct sync *s)
{
    const struct sg_install_opts *o = s->o;
    size_t budget = SG_DIR_MAX_ENTRIES;
    char path[PATH_MAX];
    struct sg_error err;

    sg_error_clear(&err);
    if (join(path, sizeof(path), o->to, "." SG_INSTALL_RECORD ".tmp-12345678") < 0) {
        say(o, "error", "sync", "'%s' is too long a path", o->to);
        return -1;
    }
    if (sg_file_make_dir(o->to, 0755, &err) < 0) {
        say(o, "error", "sync", "%s", err.msg);
        return -1;
    }
    clean_dir(o, o->to, 0, &budget);
    s->record_dirty = !record_read(s);
    return s->record_dirty ? 1 : 0;
}

/* Phase 1: reads and judges every profile; writes nothing. */
static int plan_all(struct sync *s)
{
    s->plan = calloc(s->from.n ? s->from.n : 1, sizeof(*s->plan));
    if (s->plan == NULL) {
        say(s->o, "error", "sync", "out of memory");
        return -1;
    }
    s->n_plan = s->from.n;
    for (size_t i = 0; i < s->from.n; i++) {
        s->plan[i].e = &s->from.items[i];
        plan_one(s, &s->plan[i]);
    }
    return 0;
}

/* Phase 2: records the names about to be written before writing them, so
 * that a run killed among the writes still knows they are its own. */
static int record_ahead(struct sync *s)
{
    struct sg_dir_list ahead = {0};
    struct sg_error err;
    bool grows = false;
    int rc = 0;

    sg_error_clear(&err);
    for (size_t i = 0; i < s->record.n && rc == 0; i++)
        rc = sg_dir_list_add(&ahead, s->record.items[i].rel, NULL, &err);
    for (size_t i = 0; i < s->from.n && rc == 0; i++) {
        if (s->plan[i].action == ACT_WRITE && !sg_dir_list_has(&s->record, s->from.items[i].rel)) {
            grows = true;
            rc = sg_dir_list_add(&ahead, s->from.items[i].rel, NULL, &err);
        }
    }
    if (rc == 0 && grows) {
        sg_dir_list_sort(&ahead);
        rc = record_write(s->o, &ahead, &err);
    }
    if (rc < 0)
        say(s->o, "error", "record", "%s; nothing installed", err.msg);
    sg_dir_list_release(&ahead);
    return rc;
}

/* Phases 3 and 4: writes what changed, removes what went; s->kept is what
 * is ours after. */
static int apply(struct sync *s)
{
    char gone[PATH_MAX + 32];
    int rc = 0;

    for (size_t i = 0; i < s->from.n && rc == 0; i++) {
        const struct plan_item *it = &s->plan[i];
        if (it->action == ACT_WRITE)
            write_one(s, it);
        else if (it->action == ACT_UNCHANGED)
            s->unchanged++;
        if (it->drop_old)
            remove_one(s, it->e->rel, "permissive, and --allow-permissive is not given");
        /* A copy installed earlier is still ours, even when this version
         * of it was not installed. */
        else if (it->action == ACT_WRITE || it->action == ACT_UNCHANGED ||
                 sg_dir_list_has(&s->record, it->e->rel))
            rc = sg_dir_list_add(&s->kept, it->e->rel, NULL, NULL);
    }
    snprintf(gone, sizeof(gone), "no longer in %s", s->o->from);
    for (size_t i = 0; i < s->record.n && rc == 0; i++) {
        if (!sg_dir_list_has(&s->from, s->record.items[i].rel))
            remove_one(s, s->record.items[i].rel, gone);
    }
    sg_dir_list_sort(&s->kept);
    return rc;
}

static enum sg_install_status sync_run(struct sync *s)
{
    const struct sg_install_opts *o = s->o;
    struct sg_error err;
    int start;

    sg_error_clear(&err);
    if (sg_profileset_list(o->from, &s->from, &err) < 0) {
        sg_dir_list_release(&s->from); /* a part of it means nothing */
        say(o, "error", "sync", "%s; nothing installed or removed", err.msg);
        return SG_INSTALL_UNUSABLE;
    }
    s->listed = true;
    start = sync_start(s);
    if (start < 0) {
        s->io_failed = true; /* `to` may appear: try again */
        return SG_INSTALL_UNUSABLE;
    }
    if (plan_all(s) < 0)
        return SG_INSTALL_UNUSABLE;
    if (record_ahead(s) < 0) {
        s->io_failed = true;
        return SG_INSTALL_NOT_ALL;
    }
    if (apply(s) < 0 || ((s->record_dirty || !sg_dir_list_equal(&s->kept, &s->record)) &&
                         record_write(o, &s->kept, &err) < 0)) {
        s->io_failed = true;
        say(o, "error", "record", "%s", err.msg[0] ? err.msg : "out of memory");
        return SG_INSTALL_NOT_ALL;
    }
    say(o, "info", "sync",
        "%zu profiles in %s: %zu installed, %zu unchanged, %zu refused, %zu skipped as "
        "permissive, %zu removed, %zu failed",
        s->from.n, o->from, s->installed, s->unchanged, s->refused, s->skipped, s->removed,
        s->failed);
    return start == 0 && s->refused + s->skipped + s->failed == 0 ? SG_INSTALL_OK
                                                                  : SG_INSTALL_NOT_ALL;
}

/* --- snapshots -------------------------------------------------------------- */

/* The identities, now, of the files `names` names in `to`. */
static void snapshot_to(const struct sg_install_opts *o, const struct sg_dir_list *names,
                        struct sg_dir_list *out)
{
    char path[PATH_MAX];

    *out = (struct sg_dir_list){0};
    for (size_t i = 0; i < names->n; i++) {
        struct sg_file_id id = {0};
        if (join(path, sizeof(path), o->to, names->items[i].rel) == 0)
            sg_file_id_of(path, &id);
        if (sg_dir_list_add(out, names->items[i].rel, &id, NULL) < 0)
            break; /* then it differs from the last one, and a sync follows */
    }
}

enum sg_install_status sg_install_sync(const struct sg_install_opts *o,
                                       struct sg_install_snapshot *seen, bool *retry)
{
    struct sync s = {.o = o};
    enum sg_install_status status = sync_run(&s);

    if (retry != NULL)
        *retry = status != SG_INSTALL_OK && s.io_failed;
    if (seen != NULL) {
        seen->valid = s.listed;
        seen->from = s.from; /* the plan points into it: not used past here */
        s.from = (struct sg_dir_list){0};
        snapshot_to(o, &s.kept, &seen->to);
    }
    sync_release(&s);
    return status;
}

void sg_install_snapshot_take(const struct sg_install_opts *o,
                              const struct sg_install_snapshot *last,
                              struct sg_install_snapshot *now)
{
    struct sg_error err;

    now->valid = sg_profileset_list(o->from, &now->from, &err) == 0;
    if (!now->valid)
        sg_dir_list_release(&now->from); /* as sg_install_sync leaves it */
    snapshot_to(o, &last->to, &now->to);
}

bool sg_install_snapshot_equal(const struct sg_install_snapshot *a,
                               const struct sg_install_snapshot *b)
{
    return a->valid == b->valid && sg_dir_list_equal(&a->from, &b->from) &&
           sg_dir_list_equal(&a->to, &b->to);
}

void sg_install_snapshot_release(struct sg_install_snapshot *snap)
{
    sg_dir_list_release(&snap->from);
    sg_dir_list_release(&snap->to);
}
