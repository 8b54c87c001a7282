/* cmd_profile_install.c - see cmd_profile_install.h.
 *
 * What it promises a node: a profile that does not parse, or that runc
 * refuses, never replaces a copy that works; a permissive or unconfined
 * profile is installed only when asked for; it removes only files it
 * installed itself (a record file in --to names them), so profiles put on
 * the node by other means stay; every file is there whole or not at all
 * (io/file's temporary file renamed into place).
 *
 * A ConfigMap volume is a folder of `key -> ..data/key` symbolic links,
 * `..data` itself a link to a timestamped folder the kubelet swaps on an
 * update. So names starting with `.` are skipped, linked files are
 * followed, and a linked folder is followed only when it resolves inside
 * --from: a key with a deeper `items[].path` is reached through such a
 * link (`sub -> ..data/sub`), while a link out of the folder could pull in
 * anything on the host.
 *
 * A sync runs in phases so that a run killed anywhere leaves nothing it
 * forgets: judge every file (nothing written), record the names about to be
 * written, write them, remove what left --from, record what is there now. */
#include "cmd_profile_install.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "lint.h"
#include "log.h"
#include "profile.h"
#include "signals.h"

#define MAX_DEPTH         8     /* folders below --from, and below --to when cleaning */
#define MAX_FILES         1024  /* profiles in --from */
#define MAX_ENTRIES       16384 /* names looked at in one walk, profiles or not */
#define MAX_SYNC_BYTES    (64 * 1024 * 1024) /* profile bytes read in one sync */
#define RECORD_NAME       ".seccomp-guard-installed"
#define RECORD_MAX_BYTES  (4 * 1024 * 1024)
#define RECORD_MAX_NAMES  (2 * MAX_FILES) /* the files of --from, and some it failed to remove */
#define INTERVAL_DEFAULT  2
#define INTERVAL_MAX      3600
#define RETRY_SECONDS     60 /* a sync that failed to write is tried again this often */
#define TMP_STALE_SECONDS 60 /* a temporary file older than this is a killed run's */
#define TMP_SUFFIX_LEN    13 /* ".tmp-" and 8 hex digits: io/file.c's temporary names */
#define WHY_MAX           1024

enum status {
    STATUS_OK = 0,
    STATUS_NOT_ALL = 1, /* some profile not installed, or some old copy not removed */
    STATUS_UNUSABLE = 2,
};

/* --- names and identities ------------------------------------------------ */

struct entry {
    char *rel;            /* below the folder: "sub/x.json" */
    struct sg_file_id id; /* of what it names now, links followed */
};

/* Kept sorted by rel once built (listing_sort), so that two can be
 * compared and looked up. */
struct listing {
    struct entry *items;
    size_t n, cap;
};

static void listing_release(struct listing *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].rel);
    free(l->items);
    *l = (struct listing){0};
}

static int listing_add(struct listing *l, const char *rel, const struct sg_file_id *id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        struct entry *items = realloc(l->items, cap * sizeof(*items));
        if (items == NULL)
            return SG_ERR_NOMEM;
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n].rel = strdup(rel);
    if (l->items[l->n].rel == NULL)
        return SG_ERR_NOMEM;
    if (id != NULL)
        l->items[l->n].id = *id;
    else
        memset(&l->items[l->n].id, 0, sizeof(struct sg_file_id));
    l->n++;
    return 0;
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->rel, ((const struct entry *)b)->rel);
}

/* Sorts, and drops a name given twice (a record edited by hand). */
static void listing_sort(struct listing *l)
{
    size_t out = 0;

    if (l->n > 1)
        qsort(l->items, l->n, sizeof(*l->items), entry_cmp);
    for (size_t i = 0; i < l->n; i++) {
        if (out > 0 && strcmp(l->items[out - 1].rel, l->items[i].rel) == 0)
            free(l->items[i].rel);
        else
            l->items[out++] = l->items[i];
    }
    l->n = out;
}

static bool listing_has(const struct listing *l, const char *rel)
{
    struct entry key = {.rel = (char *)rel};

    return l->n > 0 && bsearch(&key, l->items, l->n, sizeof(*l->items), entry_cmp) != NULL;
}

static bool listing_equal(const struct listing *a, const struct listing *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->items[i].rel, b->items[i].rel) != 0 ||
            !sg_file_id_equal(&a->items[i].id, &b->items[i].id))
            return false;
    }
    return true;
}

/* "<a>/<b>", or b alone when a is ""; -1 when it does not fit. */
static int join(char *out, size_t size, const char *a, const char *b)
{
    int n = a[0] != '\0' ? snprintf(out, size, "%s/%s", a, b) : snprintf(out, size, "%s", b);

    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static bool is_profile_name(const char *name)
{
    size_t n = strlen(name);

    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* A path the record may name: relative, no empty, `.` or `..`-led segment
 * (so it cannot leave --to), a profile's name at the end. The record is a
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

static void id_from_stat(const struct stat *st, struct sg_file_id *id)
{
    *id = (struct sg_file_id){.dev = st->st_dev,
                              .ino = st->st_ino,
                              .size = st->st_size,
                              .mtime = st->st_mtim,
                              .exists = true};
}

/* --- walking --from ------------------------------------------------------- */

struct walk {
    const char *root;
    char root_real[PATH_MAX];
    struct listing *out;
    size_t seen; /* names looked at */
    struct sg_error *err;
};

static int walk_dir(struct walk *w, const char *rel, int depth);

/* Whether `path`, a link to a folder, resolves to a folder inside --from
 * (not --from itself: that is a loop). */
static bool stays_inside(const struct walk *w, const char *path)
{
    char real[PATH_MAX];
    size_t n = strlen(w->root_real);

    if (realpath(path, real) == NULL || strncmp(real, w->root_real, n) != 0)
        return false;
    return real[n] == '/' || (n > 0 && w->root_real[n - 1] == '/' && real[n] != '\0');
}

static int walk_entry(struct walk *w, const char *rel, const char *name, int depth)
{
    char child_rel[PATH_MAX], child[PATH_MAX];
    struct sg_file_id id;
    struct stat st;
    bool link;

    if (name[0] == '.')
        return 0; /* ., .., ..data, ..2024_01_01..., editors' and our own files */
    if (++w->seen > MAX_ENTRIES)
        return sg_error_set(w->err, SG_ERR_LIMIT, "more than %d names in '%s'", MAX_ENTRIES,
                            w->root);
    if (join(child_rel, sizeof(child_rel), rel, name) < 0 ||
        join(child, sizeof(child), w->root, child_rel) < 0)
        return sg_error_set(w->err, SG_ERR_LIMIT, "path too long below '%s'", w->root);
    if (lstat(child, &st) != 0)
        return errno == ENOENT ? 0
                               : sg_error_set(w->err, SG_ERR_IO, "cannot stat '%s': %s", child,
                                              strerror(errno));
    link = S_ISLNK(st.st_mode);
    if (link && stat(child, &st) != 0)
        return 0; /* a dangling link names no file: the profile is not there now */
    if (S_ISDIR(st.st_mode)) {
        if (link && !stays_inside(w, child))
            return 0;
        if (depth >= MAX_DEPTH)
            return sg_error_set(w->err, SG_ERR_LIMIT, "'%s' is more than %d folders below '%s'",
                                child, MAX_DEPTH, w->root);
        return walk_dir(w, child_rel, depth + 1);
    }
    if (!S_ISREG(st.st_mode) || !is_profile_name(name))
        return 0;
    if (w->out->n == MAX_FILES)
        return sg_error_set(w->err, SG_ERR_LIMIT, "more than %d profiles in '%s'", MAX_FILES,
                            w->root);
    id_from_stat(&st, &id);
    if (listing_add(w->out, child_rel, &id) < 0)
        return sg_error_set(w->err, SG_ERR_NOMEM, "out of memory listing '%s'", w->root);
    return 0;
}

static int walk_dir(struct walk *w, const char *rel, int depth)
{
    char dir[PATH_MAX];
    struct dirent *de;
    DIR *d;
    int rc = 0;

    if (join(dir, sizeof(dir), w->root, rel) < 0)
        return sg_error_set(w->err, SG_ERR_LIMIT, "path too long below '%s'", w->root);
    d = opendir(dir);
    if (d == NULL)
        return sg_error_set(w->err, SG_ERR_IO, "cannot read folder '%s': %s", dir, strerror(errno));
    while (rc == 0) {
        errno = 0;
        de = readdir(d);
        if (de == NULL) {
            if (errno != 0)
                rc = sg_error_set(w->err, SG_ERR_IO, "cannot read folder '%s': %s", dir,
                                  strerror(errno));
            break;
        }
        rc = walk_entry(w, rel, de->d_name, depth);
    }
    closedir(d);
    return rc;
}

/* Every profile below `root`, sorted. All or nothing: a folder past the
 * bounds is an error, never a partial list (which would look like removed
 * profiles). */
static int walk(const char *root, struct listing *out, struct sg_error *err)
{
    struct walk w = {.root = root, .out = out, .err = err};
    int rc;

    *out = (struct listing){0};
    if (realpath(root, w.root_real) == NULL)
        return sg_error_set(err, SG_ERR_IO, "cannot read folder '%s': %s", root, strerror(errno));
    rc = walk_dir(&w, "", 0);
    if (rc < 0) {
        listing_release(out);
        return rc;
    }
    listing_sort(out);
    return 0;
}

/* --- judging one profile --------------------------------------------------- */

struct judgement {
    bool ok;         /* may be installed */
    bool permissive; /* lets unlisted syscalls run, or installs no filter */
    bool lint_error; /* installable, but lint finds an error (a program may not start) */
    char text[WHY_MAX];
};

static const struct sg_finding *first_finding(const struct sg_findings *f, bool fatal)
{
    for (size_t i = 0; i < f->n; i++) {
        if (fatal ? f->items[i].fatal : f->items[i].severity == SG_SEV_ERROR)
            return &f->items[i];
    }
    return NULL;
}

/* As `profile lint` judges it on this machine, which is the node's
 * architecture when this runs in the DaemonSet. */
static void judge(int arch, const char *text, size_t len, struct judgement *j)
{
    struct sg_profile_env env = {.arch = arch};
    struct sg_seccomp_profile *p = NULL;
    const struct sg_finding *it;
    struct sg_findings f;
    struct sg_error err;
    struct sg_lint l;

    *j = (struct judgement){0};
    sg_findings_init(&f);
    sg_error_clear(&err);
    if (sg_profile_parse(text, len, &p, &f, &err) < 0 || sg_lint_run(p, &env, &l, &f, &err) < 0) {
        snprintf(j->text, sizeof(j->text), "not a profile: %s", err.msg);
        goto out;
    }
    if (l.refused) {
        it = first_finding(&f, true);
        snprintf(j->text, sizeof(j->text), "runc refuses it: %s%s%s", it ? it->path : "",
                 it && it->path[0] ? ": " : "", it ? it->message : "a fatal finding");
        goto out;
    }
    j->ok = true;
    j->permissive = l.verdict != SG_LINT_ENFORCING;
    it = first_finding(&f, false);
    j->lint_error = it != NULL;
    snprintf(j->text, sizeof(j->text), "%s: %s%s%s%s%s", sg_lint_verdict_name(l.verdict), l.summary,
             it ? "; lint: " : "", it ? it->path : "", it && it->path[0] ? ": " : "",
             it ? it->message : "");
out:
    sg_profile_free(p);
    sg_findings_release(&f);
}

/* --- one sync ------------------------------------------------------------- */

struct install {
    const char *from, *to;
    bool watch, allow_permissive;
    unsigned interval;
    int arch;
    struct sg_log log;
};

enum action {
    ACT_WRITE,
    ACT_UNCHANGED,
    ACT_REFUSED, /* broken, refused by runc, unreadable or over the sync's bytes */
    ACT_SKIPPED, /* permissive without --allow-permissive */
};

struct plan_item {
    const struct entry *e;
    enum action action;
    char *text; /* the bytes to write (ACT_WRITE) */
    size_t len;
    bool drop_old; /* ACT_SKIPPED, and the copy installed earlier is permissive too */
    struct judgement j;
};

struct sync {
    struct listing from;    /* the walk of --from */
    struct listing record;  /* what was installed before (names) */
    struct listing kept;    /* what is installed after (names) */
    struct plan_item *plan; /* one per file of `from` */
    size_t n_plan;
    size_t bytes;      /* read from --from */
    bool walked;       /* --from could be listed */
    bool record_dirty; /* the record has lines to drop: write it again */
    size_t installed, unchanged, refused, skipped, removed, failed;
    bool io_failed; /* a write or removal failed: worth trying again */
};

static void sync_release(struct sync *s)
{
    for (size_t i = 0; i < s->n_plan; i++)
        free(s->plan[i].text);
    free(s->plan);
    listing_release(&s->from);
    listing_release(&s->record);
    listing_release(&s->kept);
}

#define EVENT(in, level, event, ...) sg_log_event(&(in)->log, level, event, __VA_ARGS__)

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
static bool installed_is_permissive(const struct install *in, const char *dst)
{
    struct judgement j;
    struct stat st;
    char *text = NULL;
    size_t len = 0;

    if (lstat(dst, &st) != 0 || !S_ISREG(st.st_mode) ||
        sg_file_read(dst, SG_PROFILE_MAX_BYTES, &text, &len, NULL, NULL) < 0)
        return false;
    judge(in->arch, text, len, &j);
    free(text);
    return j.ok && j.permissive;
}

/* Reads and judges one profile; says at once why one is not installed. */
static void plan_one(struct install *in, struct sync *s, struct plan_item *it)
{
    char src[PATH_MAX], dst[PATH_MAX];
    struct sg_error err;
    struct stat st;

    it->action = ACT_REFUSED;
    sg_error_clear(&err);
    if (join(src, sizeof(src), in->from, it->e->rel) < 0 ||
        join(dst, sizeof(dst), in->to, it->e->rel) < 0) {
        snprintf(it->j.text, sizeof(it->j.text), "path too long");
    } else if ((size_t)it->e->id.size > MAX_SYNC_BYTES - s->bytes) {
        snprintf(it->j.text, sizeof(it->j.text),
                 "the profiles of '%s' are more than the %d MiB one sync reads", in->from,
                 MAX_SYNC_BYTES >> 20);
    } else if (sg_file_read(src, SG_PROFILE_MAX_BYTES, &it->text, &it->len, NULL, &err) < 0) {
        snprintf(it->j.text, sizeof(it->j.text), "%s", err.msg);
    } else {
        s->bytes += it->len;
        judge(in->arch, it->text, it->len, &it->j);
        if (it->j.ok && it->j.permissive && !in->allow_permissive)
            it->action = ACT_SKIPPED;
        else if (it->j.ok)
            it->action = same_as_installed(dst, it->text, it->len) ? ACT_UNCHANGED : ACT_WRITE;
    }
    if (it->action == ACT_REFUSED) {
        s->refused++;
        EVENT(in, "error", "refused", "%s: not installed: %s; %s %s%s", it->e->rel, it->j.text,
              lstat(dst, &st) == 0 ? "the file already at" : "nothing is installed at", dst,
              lstat(dst, &st) == 0 ? " stays" : "");
    } else if (it->action == ACT_SKIPPED) {
        /* Installed by an earlier run with --allow-permissive: without it
         * now, that copy goes too. An enforcing earlier version stays. */
        s->skipped++;
        it->drop_old = listing_has(&s->record, it->e->rel) && installed_is_permissive(in, dst);
        EVENT(in, "warn", "skipped",
              "%s: not installed: %s. A pod naming it runs with every syscall allowed, wherever "
              "the policy does not judge profiles; --allow-permissive installs it anyway%s",
              it->e->rel, it->j.text,
              it->drop_old ? "; the permissive copy installed earlier is removed" : "");
    }
}

/* Makes (or, with !make, checks) the folders of `rel` below --to, each a
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

static void write_one(struct install *in, struct sync *s, const struct plan_item *it)
{
    char dst[PATH_MAX], dir[PATH_MAX];
    struct sg_error err;

    sg_error_clear(&err);
    if (join(dst, sizeof(dst), in->to, it->e->rel) < 0 ||
        folders_below(in->to, it->e->rel, true, &err) < 0 ||
        sg_file_write_atomic(dst, it->text, it->len, 0644, true, &err) < 0) {
        s->failed++;
        s->io_failed = true;
        EVENT(in, "error", "failed", "%s: not installed: %s", it->e->rel,
              err.msg[0] ? err.msg : "path too long");
        return;
    }
    snprintf(dir, sizeof(dir), "%s", dst);
    *strrchr(dir, '/') = '\0';
    sg_file_sync_dir(dir);
    s->installed++;
    EVENT(in, it->j.permissive || it->j.lint_error ? "warn" : "info", "installed",
          "%s: installed as %s: %s%s", it->e->rel, dst, it->j.text,
          it->j.permissive ? " (installed because of --allow-permissive)" : "");
}

/* Removes a file this command installed, for the reason `why`. */
static void remove_one(struct install *in, struct sync *s, const char *rel, const char *why)
{
    char dst[PATH_MAX];
    struct sg_error err;
    struct stat st;
    int rc;

    sg_error_clear(&err);
    rc = folders_below(in->to, rel, false, &err);
    if (rc == 0 && join(dst, sizeof(dst), in->to, rel) < 0)
        rc = sg_error_set(&err, SG_ERR_LIMIT, "path too long below '%s'", in->to);
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
        EVENT(in, "error", "failed", "%s: %s, but not removed: %s", rel, why, err.msg);
        if (listing_add(&s->kept, rel, NULL) < 0)
            EVENT(in, "error", "record", "out of memory: %s is forgotten", rel);
        return;
    }
    if (rc == 0) {
        s->removed++;
        EVENT(in, "info", "removed", "%s: removed %s: %s", rel, dst, why);
    }
}

/* --- the record of what was installed ------------------------------------- */

static void record_path(struct install *in, char *out, size_t size)
{
    if (join(out, size, in->to, RECORD_NAME) < 0)
        out[0] = '\0'; /* --to is checked to leave room */
}

/* Reads the record into s->record. A record that cannot be read is taken
 * as empty: nothing is removed that it might have named (they stay on the
 * node), which is the safe way to be wrong. Returns false then. */
static bool record_read(struct install *in, struct sync *s)
{
    char path[PATH_MAX], *text = NULL, *line, *next;
    struct sg_error err;
    struct stat st;
    size_t len = 0, bad = 0;
    bool ok = true;

    sg_error_clear(&err);
    record_path(in, path, sizeof(path));
    if (lstat(path, &st) != 0 && errno == ENOENT)
        return true;
    if (sg_file_read(path, RECORD_MAX_BYTES, &text, &len, NULL, &err) < 0) {
        EVENT(in, "error", "record", "%s; files installed earlier are not removed", err.msg);
        return false;
    }
    for (line = text; line != NULL && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (!is_record_path(line) || s->record.n == RECORD_MAX_NAMES)
            bad++;
        else if (listing_add(&s->record, line, NULL) < 0)
            ok = false;
    }
    free(text);
    if (bad > 0 || !ok)
        EVENT(in, "error", "record", "%s: %zu lines ignored%s", path, bad,
              ok ? "" : ", out of memory");
    listing_sort(&s->record);
    return bad == 0 && ok;
}

static int record_write(struct install *in, const struct listing *names, struct sg_error *err)
{
    char path[PATH_MAX];
    struct sg_buf b;
    int rc;

    record_path(in, path, sizeof(path));
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
        sg_file_sync_dir(in->to);
    return rc;
}

/* --- leftovers of a killed run -------------------------------------------- */

/* ".<profile>.json.tmp-1234abcd" or "..seccomp-guard-installed.tmp-...":
 * a temporary file io/file.c made for one of ours. */
static bool is_our_temporary(const char *name)
{
    size_t n = strlen(name), inner;
    const char *suffix;
    char base[NAME_MAX + 1];

    if (n < TMP_SUFFIX_LEN + 2 || name[0] != '.')
        return false;
    suffix = name + n - TMP_SUFFIX_LEN;
    if (strncmp(suffix, ".tmp-", 5) != 0 || strspn(suffix + 5, "0123456789abcdef") != 8)
        return false;
    inner = n - TMP_SUFFIX_LEN - 1;
    snprintf(base, sizeof(base), "%.*s", (int)inner, name + 1);
    return strcmp(base, RECORD_NAME) == 0 || is_profile_name(base);
}

static void clean_dir(struct install *in, const char *dir, int depth, size_t *budget)
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
        if (S_ISDIR(st.st_mode) && de->d_name[0] != '.' && depth < MAX_DEPTH) {
            clean_dir(in, path, depth + 1, budget);
        } else if (S_ISREG(st.st_mode) && is_our_temporary(de->d_name) &&
                   st.st_mtime + TMP_STALE_SECONDS < time(NULL)) {
            /* Younger ones may be another installer's, writing now. */
            if (unlink(path) == 0)
                EVENT(in, "info", "cleaned", "removed %s, left by a run that was stopped", path);
        }
    }
    if (d != NULL)
        closedir(d);
}

/* --- the phases ------------------------------------------------------------ */

/* Prepares --to and reads the record; -1 when --to cannot be used. */
static int sync_start(struct install *in, struct sync *s)
{
    struct sg_error err;
    size_t budget = MAX_ENTRIES;
    char path[PATH_MAX];

    sg_error_clear(&err);
    if (join(path, sizeof(path), in->to, "." RECORD_NAME ".tmp-12345678") < 0) {
        EVENT(in, "error", "sync", "'%s' is too long a path", in->to);
        return -1;
    }
    if (sg_file_make_dir(in->to, 0755, &err) < 0) {
        EVENT(in, "error", "sync", "%s", err.msg);
        return -1;
    }
    clean_dir(in, in->to, 0, &budget);
    s->record_dirty = !record_read(in, s);
    return s->record_dirty ? 1 : 0;
}

/* Phase 2: records the names about to be written before writing them, so
 * that a run killed among the writes still knows they are its own. */
static int record_ahead(struct install *in, struct sync *s)
{
    struct listing ahead = {0};
    struct sg_error err;
    bool grows = false;
    int rc = 0;

    for (size_t i = 0; i < s->record.n && rc == 0; i++)
        rc = listing_add(&ahead, s->record.items[i].rel, NULL);
    for (size_t i = 0; i < s->from.n && rc == 0; i++) {
        if (s->plan[i].action == ACT_WRITE && !listing_has(&s->record, s->from.items[i].rel)) {
            grows = true;
            rc = listing_add(&ahead, s->from.items[i].rel, NULL);
        }
    }
    sg_error_clear(&err);
    if (rc == 0 && grows) {
        listing_sort(&ahead);
        rc = record_write(in, &ahead, &err);
    }
    if (rc < 0)
        EVENT(in, "error", "record", "%s; nothing installed",
              err.msg[0] ? err.msg : "out of memory");
    listing_release(&ahead);
    return rc;
}

static enum status sync_once(struct install *in, struct sync *s)
{
    char gone[PATH_MAX + 32];
    struct sg_error err;
    int start, rc = 0;

    *s = (struct sync){0};
    sg_error_clear(&err);
    if (walk(in->from, &s->from, &err) < 0) {
        EVENT(in, "error", "sync", "%s; nothing installed or removed", err.msg);
        return STATUS_UNUSABLE;
    }
    s->walked = true;
    start = sync_start(in, s);
    if (start < 0) {
        s->io_failed = true; /* --to may appear: try again */
        return STATUS_UNUSABLE;
    }
    s->plan = calloc(s->from.n ? s->from.n : 1, sizeof(*s->plan));
    if (s->plan == NULL) {
        EVENT(in, "error", "sync", "out of memory");
        return STATUS_UNUSABLE;
    }
    s->n_plan = s->from.n;
    for (size_t i = 0; i < s->from.n; i++) {
        s->plan[i].e = &s->from.items[i];
        plan_one(in, s, &s->plan[i]);
    }
    if (record_ahead(in, s) < 0) {
        s->io_failed = true;
        return STATUS_NOT_ALL;
    }
    for (size_t i = 0; i < s->from.n && rc == 0; i++) {
        const struct plan_item *it = &s->plan[i];
        if (it->action == ACT_WRITE)
            write_one(in, s, it);
        else if (it->action == ACT_UNCHANGED)
            s->unchanged++;
        if (it->drop_old)
            remove_one(in, s, it->e->rel, "permissive, and --allow-permissive is not given");
        /* A copy installed earlier is still ours, even when this version
         * of it was not installed. */
        else if (it->action == ACT_WRITE || it->action == ACT_UNCHANGED ||
                 listing_has(&s->record, it->e->rel))
            rc = listing_add(&s->kept, it->e->rel, NULL);
    }
    snprintf(gone, sizeof(gone), "no longer in %s", in->from);
    for (size_t i = 0; i < s->record.n && rc == 0; i++) {
        if (!listing_has(&s->from, s->record.items[i].rel))
            remove_one(in, s, s->record.items[i].rel, gone);
    }
    listing_sort(&s->kept);
    if (rc < 0 || ((s->record_dirty || !listing_equal(&s->kept, &s->record)) &&
                   record_write(in, &s->kept, &err) < 0)) {
        s->io_failed = true;
        EVENT(in, "error", "record", "%s", err.msg[0] ? err.msg : "out of memory");
        return STATUS_NOT_ALL;
    }
    EVENT(in, "info", "sync",
          "%zu profiles in %s: %zu installed, %zu unchanged, %zu refused, %zu skipped as "
          "permissive, %zu removed, %zu failed",
          s->from.n, in->from, s->installed, s->unchanged, s->refused, s->skipped, s->removed,
          s->failed);
    return start == 0 && s->refused + s->skipped + s->failed == 0 ? STATUS_OK : STATUS_NOT_ALL;
}

/* --- watching ------------------------------------------------------------- */

/* What a sync saw: the profiles of --from and the files it left in --to,
 * by identity. A ConfigMap update gives every key a new inode, so it shows
 * even when sizes and times do not change. */
struct snapshot {
    struct listing from, to;
    bool valid; /* --from could be walked */
};

static void snapshot_release(struct snapshot *snap)
{
    listing_release(&snap->from);
    listing_release(&snap->to);
}

/* The identities, now, of the files `names` names in --to. */
static void snapshot_to(struct install *in, const struct listing *names, struct listing *out)
{
    char path[PATH_MAX];

    *out = (struct listing){0};
    for (size_t i = 0; i < names->n; i++) {
        struct sg_file_id id = {0};
        if (join(path, sizeof(path), in->to, names->items[i].rel) == 0)
            sg_file_id_of(path, &id);
        if (listing_add(out, names->items[i].rel, &id) < 0)
            break; /* then it differs from the last one, and a sync follows */
    }
}

static void snapshot_take(struct install *in, const struct listing *to_names, struct snapshot *snap)
{
    struct sg_error err;

    snap->valid = walk(in->from, &snap->from, &err) == 0;
    snapshot_to(in, to_names, &snap->to);
}

static bool snapshot_equal(const struct snapshot *a, const struct snapshot *b)
{
    return a->valid == b->valid && listing_equal(&a->from, &b->from) &&
           listing_equal(&a->to, &b->to);
}

/* Sleeps up to `seconds`; returns the signals that came (SG_SIGNAL_*). */
static unsigned wait_for(unsigned seconds)
{
    struct pollfd pfd = {.fd = sg_signals_fd(), .events = POLLIN};

    (void)poll(&pfd, 1, (int)seconds * 1000);
    return sg_signals_take();
}

/* One sync; `last` becomes what it saw. Returns whether it failed in a way
 * worth trying again without a change (a write, not a refusal). */
static bool sync_and_snapshot(struct install *in, struct snapshot *last)
{
    struct sync s;
    bool retry = sync_once(in, &s) != STATUS_OK && s.io_failed;

    last->valid = s.walked;
    last->from = s.from; /* the plan points into it: freed with the snapshot */
    s.from = (struct listing){0};
    snapshot_to(in, &s.kept, &last->to);
    sync_release(&s);
    return retry;
}

static int watch(struct install *in)
{
    struct snapshot last = {0}, now;
    time_t last_sync = time(NULL);
    bool retry = sync_and_snapshot(in, &last);

    for (;;) {
        unsigned sig = wait_for(in->interval);
        if (sig & SG_SIGNAL_STOP)
            break;
        snapshot_take(in, &last.to, &now);
        if (snapshot_equal(&now, &last) && !(sig & SG_SIGNAL_RELOAD) &&
            !(retry && time(NULL) - last_sync >= RETRY_SECONDS)) {
            snapshot_release(&now);
            continue;
        }
        snapshot_release(&now);
        snapshot_release(&last);
        last_sync = time(NULL);
        retry = sync_and_snapshot(in, &last);
    }
    snapshot_release(&last);
    EVENT(in, "info", "stop", "stopped by a signal");
    return STATUS_OK;
}

/* --- the command ------------------------------------------------------------ */

void sg_cmd_profile_install_usage(FILE *out)
{
    fprintf(out,
            "install copies every *.json profile below --from (a mounted ConfigMap: names\n"
            "        starting with . are skipped, linked files followed) into --to at the same\n"
            "        path, mode 0644, each file replaced whole. A profile that does not parse\n"
            "        or that runc refuses is not installed (a copy installed earlier stays);\n"
            "        a permissive or unconfined one only with --allow-permissive (without\n"
            "        it, a permissive copy installed earlier goes). Removes what it\n"
            "        installed earlier and is gone from --from, nothing else (the\n"
            "        file .seccomp-guard-installed in --to names what it installed). --watch\n"
            "        syncs again whenever --from or an installed file changes (checked every\n"
            "        --interval seconds, default %d; SIGHUP: at once) until SIGTERM or SIGINT.\n"
            "        One JSON line per event on stderr. Exit 0 all installed (or stopped by a\n"
            "        signal), 1 some profile not installed or not removed, 2 bad usage or a\n"
            "        folder that cannot be used.\n",
            INTERVAL_DEFAULT);
}

static int parse_interval(const char *text, unsigned *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v < 1 || v > INTERVAL_MAX)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_args(int argc, char **argv, struct install *in)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--from") == 0 && v != NULL) {
            in->from = argv[++i];
        } else if (strcmp(a, "--to") == 0 && v != NULL) {
            in->to = argv[++i];
        } else if (strcmp(a, "--interval") == 0 && v != NULL &&
                   parse_interval(v, &in->interval) == 0) {
            i++;
        } else if (strcmp(a, "--watch") == 0) {
            in->watch = true;
        } else if (strcmp(a, "--allow-permissive") == 0) {
            in->allow_permissive = true;
        } else {
            fprintf(stderr, "seccomp-guard profile install: bad option or value at '%s'%s\n", a,
                    strcmp(a, "--interval") == 0 ? " (whole seconds, 1 to 3600)" : "");
            return -1;
        }
    }
    if (in->from == NULL || in->to == NULL || in->from[0] == '\0' || in->to[0] == '\0') {
        fprintf(stderr, "seccomp-guard profile install: usage: profile install --from DIR --to "
                        "DIR [--watch] [--interval SECONDS] [--allow-permissive]\n");
        return -1;
    }
    return 0;
}

int sg_cmd_profile_install(int argc, char **argv)
{
    struct install in = {.interval = INTERVAL_DEFAULT, .arch = sg_vocab_arch_native()};
    struct sg_error err;
    struct stat st;
    struct sync s;
    int status;

    if (parse_args(argc, argv, &in) < 0)
        return STATUS_UNUSABLE;
    errno = 0;
    if (stat(in.from, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "seccomp-guard profile install: --from '%s': %s\n", in.from,
                errno != 0 ? strerror(errno) : "not a folder");
        return STATUS_UNUSABLE;
    }
    if (in.arch < 0) {
        fprintf(stderr, "seccomp-guard profile install: this machine's architecture is not one "
                        "seccomp-guard can judge profiles for\n");
        return STATUS_UNUSABLE;
    }
    /* Profiles are read by the kubelet and the runtime, as root; 0644 says
     * so whatever umask the command was started with. */
    umask(022);
    sg_error_clear(&err);
    if (sg_log_init(&in.log, STDOUT_FILENO, STDERR_FILENO) < 0)
        return STATUS_UNUSABLE;
    if (!in.watch) {
        status = (int)sync_once(&in, &s);
        sync_release(&s);
    } else if (sg_signals_install(&err) < 0) {
        fprintf(stderr, "seccomp-guard profile install: %s\n", err.msg);
        status = STATUS_UNUSABLE;
    } else {
        EVENT(&in, "info", "start", "installing the profiles of %s into %s, every %us", in.from,
              in.to, in.interval);
        status = watch(&in);
        sg_signals_restore();
    }
    sg_log_release(&in.log);
    return status;
}
