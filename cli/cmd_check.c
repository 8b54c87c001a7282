/* cmd_check.c - `seccomp-guard check`: judges Kubernetes manifests offline
 * as the cluster would: each object is mutated (/mutate's patch applied),
 * then validated, through the same engine the server calls. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "commands.h"
#include "check.h"
#include "input.h"
#include "json.h"
#include "kubelist.h"
#include "manifest.h"
#include "yaml_write.h"
#include "policy.h"

#define MAX_DIR_DEPTH 32
#define MAX_GROUPS    64
#define OUTPUT_MAX    (256 * 1024 * 1024)
#define NO_ITEM       ((size_t)-1) /* a document that is not a list */

enum exit_status {
    EXIT_ALLOWED = 0,
    EXIT_DENIED = 1,
    EXIT_BAD_INPUT = 2,
};

struct options {
    const char *policy_path;
    const char *profiles; /* --profiles */
    bool json;
    bool mutate;
    const char *namespace;
    const char *username;
    const char *groups[MAX_GROUPS];
    size_t n_groups;
};

struct check {
    const struct options *opt;
    const struct sg_policy *policy;
    int status;
    size_t results;     /* JSON results written so far */
    struct sg_buf json; /* --output json: the array being built */
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: seccomp-guard check [--policy FILE] [--profiles DIR] [--output text|json]\n"
            "                           [--mutate] [--namespace NS] [--user NAME]\n"
            "                           [--group NAME]...\n"
            "                           PATH...\n\n"
            "Judges Kubernetes manifests as the cluster would: mutation (the policy's\n"
            "defaults injected), then validation. PATH is a YAML or JSON file (several\n"
            "documents allowed), a folder (its .yaml, .yml and .json files, recursively) or\n"
            "- for standard input. A document with items is a list, whatever its kind,\n"
            "and its items are judged as kubectl sends them. Without --policy the built-in\n"
            "default policy is used.\n\n"
            "  --profiles DIR      the known seccomp profiles, as the policy's profiles\n"
            "                      folder (which it replaces): Localhost profiles are\n"
            "                      judged by what these files do\n"
            "  --output text|json  one line per object (default), or a JSON array\n"
            "  --mutate            print the objects as mutated (YAML) on stdout; verdicts\n"
            "                      then go to stderr\n"
            "  --namespace NS      namespace for objects that name none (default: default)\n"
            "  --user, --group     the requesting user, for exemptions and overrides\n\n"
            "Exit status: 0 every object allowed, 1 some object denied, 2 bad input.\n");
}

static void set_status(struct check *c, enum exit_status s)
{
    if ((int)s > c->status)
        c->status = (int)s;
}

static const char *top_string(const cJSON *object, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, key);

    return cJSON_IsString(v) ? v->valuestring : "";
}

static FILE *verdict_stream(const struct check *c)
{
    return c->opt->mutate ? stderr : stdout;
}

/* One object's verdict for people: a line, then a line per violation. A
 * kind that is not judged is named "object" when it has none. */
static void report_text(struct check *c, const char *where, const struct sg_check *r,
                        const char *verdict)
{
    const struct sg_outcome *oc = r->judged ? &r->outcome : NULL;
    FILE *out = verdict_stream(c);

    fprintf(out, "%s: %s %s/%s: %s", where, r->kind[0] || r->judged ? r->kind : "object",
            r->namespace, r->name, verdict);
    if (r->injected != NULL && r->injected[0] != '\0')
        fprintf(out, " (mutated: %s)", r->injected);
    if (oc != NULL && oc->exemption != SG_EXEMPT_NONE)
        fprintf(out, " (exempt: %s)", sg_exemption_name(oc->exemption));
    fputc('\n', out);
    if (oc == NULL)
        return;
    for (size_t i = 0; i < oc->report.n; i++) {
        const struct sg_violation *v = &oc->report.items[i];
        fprintf(out, "    %-5s %s\n", sg_action_name(v->action), v->message);
    }
    if (oc->report.dropped > 0)
        fprintf(out, "    ... and %zu more\n", oc->report.dropped);
}

/* One result of the --output json array. r is NULL for what could not be
 * judged at all (error says why). */
static void report_json(struct check *c, const char *file, const struct sg_manifest_doc *d,
                        size_t item, const struct sg_check *r, const char *verdict,
                        const char *error)
{
    const struct sg_outcome *oc = r != NULL && r->judged ? &r->outcome : NULL;
    struct sg_buf *b = &c->json;

    sg_buf_adds(b, c->results++ ? ",\n  {" : "\n  {");
    sg_buf_adds(b, "\"file\":");
    sg_json_write_string(b, file);
    sg_buf_addf(b, ",\"document\":%zu,\"line\":%zu", d != NULL ? d->index : 0,
                d != NULL ? d->line : 0);
    if (item != NO_ITEM)
        sg_buf_addf(b, ",\"item\":%zu", item);
    sg_buf_adds(b, ",\"kind\":");
    sg_json_write_string(b, r != NULL ? r->kind : "");
    sg_buf_adds(b, ",\"namespace\":");
    sg_json_write_string(b, r != NULL ? r->namespace : "");
    sg_buf_adds(b, ",\"name\":");
    sg_json_write_string(b, r != NULL ? r->name : "");
    sg_buf_adds(b, ",\"verdict\":");
    sg_json_write_string(b, verdict);
    if (error != NULL) {
        sg_buf_adds(b, ",\"error\":");
        sg_json_write_string(b, error);
    }
    sg_buf_adds(b, ",\"injected\":");
    sg_json_write_string(b, r != NULL && r->injected != NULL ? r->injected : "");
    if (oc != NULL && oc->exemption != SG_EXEMPT_NONE) {
        sg_buf_adds(b, ",\"exempt\":");
        sg_json_write_string(b, sg_exemption_name(oc->exemption));
    }
    sg_buf_adds(b, ",\"violations\":[");
    for (size_t i = 0; oc != NULL && i < oc->report.n; i++) {
        const struct sg_violation *v = &oc->report.items[i];
        sg_buf_adds(b, i ? ",{\"rule\":" : "{\"rule\":");
        sg_json_write_string(b, sg_rule_id(v->rule));
        sg_buf_adds(b, ",\"action\":");
        sg_json_write_string(b, sg_action_name(v->action));
        sg_buf_adds(b, ",\"path\":");
        sg_json_write_string(b, v->path);
        sg_buf_adds(b, ",\"message\":");
        sg_json_write_string(b, v->message);
        sg_buf_addc(b, '}');
    }
    sg_buf_adds(b, "]}");
}

static void print_mutated(struct check *c, const cJSON *object)
{
    struct sg_buf b;

    if (!c->opt->mutate)
        return;
    sg_buf_init(&b, OUTPUT_MAX);
    if (sg_yaml_write(object, &b) < 0) {
        fprintf(stderr, "seccomp-guard check: cannot write an object as YAML\n");
        set_status(c, EXIT_BAD_INPUT);
    } else {
        fputs(sg_buf_str(&b), stdout);
    }
    sg_buf_release(&b);
}

/* Judges one object (check.h: mutation, the patch applied, validation)
 * and reports it. */
static void check_object(struct check *c, const char *file, const struct sg_manifest_doc *d,
                         size_t item, const cJSON *object)
{
    const struct options *opt = c->opt;
    const struct sg_check_subject subject = {
        .namespace = opt->namespace,
        .username = opt->username,
        .groups = opt->groups,
        .n_groups = opt->n_groups,
    };
    struct sg_check result;
    struct sg_error err;
    char where[1024];

    if (item == NO_ITEM)
        snprintf(where, sizeof(where), "%s: document %zu (line %zu)", file, d->index, d->line);
    else
        snprintf(where, sizeof(where), "%s: document %zu (line %zu) items[%zu]", file, d->index,
                 d->line, item);
    sg_error_clear(&err);
    if (sg_check_object(c->policy, object, &subject, &result, &err) < 0) {
        fprintf(stderr, "seccomp-guard check: %s: %s\n", where, err.msg);
        set_status(c, EXIT_BAD_INPUT);
        goto out;
    }
    if (!result.judged) {
        if (opt->json)
            report_json(c, file, d, item, &result, "skipped", NULL);
        else
            report_text(c, where, &result,
                        result.kind[0] ? "not judged (no pod template)"
                                       : "not judged (no kind: not a Kubernetes object)");
    } else if (opt->json) {
        report_json(c, file, d, item, &result, sg_verdict_name(result.verdict), NULL);
    } else {
        report_text(c, where, &result, sg_verdict_phrase(result.verdict));
    }
    if (result.verdict == SG_VERDICT_DENY)
        set_status(c, EXIT_DENIED);
    print_mutated(c, result.mutated != NULL ? result.mutated : object);
out:
    sg_check_release(&result);
}

struct list_ctx {
    struct check *c;
    const char *file;
    const struct sg_manifest_doc *d;
};

static void check_item(void *ctx, const struct sg_kubelist_item *item)
{
    struct list_ctx *l = ctx;
    char where[128];

    snprintf(where, sizeof(where), "items[%zu]", item->index);
    if (item->object != NULL) {
        check_object(l->c, l->file, l->d, item->index, item->object);
        return;
    }
    fprintf(stderr, "seccomp-guard check: %s: document %zu (line %zu): %s: %s\n", l->file,
            l->d->index, l->d->line, where, item->why);
    if (l->c->opt->json)
        report_json(l->c, l->file, l->d, item->index, NULL, "error", item->why);
    set_status(l->c, EXIT_BAD_INPUT);
}

/* A document is judged as what kubectl sends for it: itself, or the items
 * of a list (see kubelist.h). */
static void check_document(struct check *c, const char *file, const struct sg_manifest_doc *d)
{
    struct list_ctx l = {c, file, d};
    struct sg_error err;
    bool is_list = false;

    sg_error_clear(&err);
    if (sg_kubelist_read(d->object, check_item, &l, &is_list, &err) < 0) {
        fprintf(stderr, "seccomp-guard check: %s: document %zu (line %zu): %s\n", file, d->index,
                d->line, err.msg);
        if (c->opt->json)
            report_json(c, file, d, NO_ITEM, NULL, "error", err.msg);
        set_status(c, EXIT_BAD_INPUT);
        return;
    }
    if (!is_list) {
        check_object(c, file, d, NO_ITEM, d->object);
        return;
    }
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d->object, "items")) == 0) {
        const struct sg_check list = {
            .kind = top_string(d->object, "kind"), .namespace = "", .name = ""};

        /* kubectl sends nothing for an empty list: say so, judge nothing. */
        if (c->opt->json)
            report_json(c, file, d, NO_ITEM, &list, "skipped", NULL);
        else
            fprintf(verdict_stream(c),
                    "%s: document %zu (line %zu): %s: empty (kubectl sends "
                    "nothing)\n",
                    file, d->index, d->line, top_string(d->object, "kind"));
    }
}

static void check_file(struct check *c, const char *path)
{
    const char *shown = strcmp(path, "-") == 0 ? "standard input" : path;
    struct sg_manifest m;
    struct sg_error err;
    char *text = NULL;
    size_t len = 0;
    int rc;

    sg_error_clear(&err);
    memset(&m, 0, sizeof(m));
    rc = sg_input_read(path, SG_MANIFEST_MAX_BYTES, &text, &len, &err);
    if (rc == 0)
        rc = sg_manifest_parse(shown, text, len, &m, &err);
    /* The documents read before a broken one are still judged. */
    for (size_t i = 0; i < m.n; i++)
        check_document(c, shown, &m.docs[i]);
    if (rc < 0) {
        fprintf(stderr, "seccomp-guard check: %s\n", err.msg);
        if (c->opt->json)
            report_json(c, shown, NULL, NO_ITEM, NULL, "error", err.msg);
        set_status(c, EXIT_BAD_INPUT);
    }
    sg_manifest_release(&m);
    free(text);
}

static bool manifest_name(const char *name)
{
    static const char *const exts[] = {".yaml", ".yml", ".json"};
    size_t n = strlen(name);

    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        size_t e = strlen(exts[i]);
        if (n > e && strcmp(name + n - e, exts[i]) == 0)
            return true;
    }
    return false;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Folders are read in name order, so the output is the same every run. */
static void check_path(struct check *c, const char *path, int depth)
{
    struct dirent **entries = NULL;
    struct stat st;
    int n;

    if (strcmp(path, "-") == 0 || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
        check_file(c, path);
        return;
    }
    if (depth >= MAX_DIR_DEPTH) {
        fprintf(stderr, "seccomp-guard check: %s: folders nested too deep\n", path);
        set_status(c, EXIT_BAD_INPUT);
        return;
    }
    n = scandir(path, &entries, NULL, by_name);
    if (n < 0) {
        perror(path);
        set_status(c, EXIT_BAD_INPUT);
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *name = entries[i]->d_name;
        char child[4096];
        if (name[0] != '.' &&
            (size_t)snprintf(child, sizeof(child), "%s/%s", path, name) < sizeof(child)) {
            if (stat(child, &st) == 0 && S_ISDIR(st.st_mode))
                check_path(c, child, depth + 1);
            else if (manifest_name(name))
                check_file(c, child);
        }
        free(entries[i]);
    }
    free(entries);
}

int sg_cmd_check(int argc, char **argv)
{
    struct options opt = {.namespace = "default", .username = ""};
    struct check c = {.opt = &opt};
    struct sg_policy *policy = NULL;
    struct sg_error err;
    const char *paths[256];
    size_t n_paths = 0;

    sg_error_clear(&err);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--mutate") == 0) {
            opt.mutate = true;
        } else if (strcmp(a, "--policy") == 0 && has_value) {
            opt.policy_path = argv[++i];
        } else if (strcmp(a, "--profiles") == 0 && has_value) {
            opt.profiles = argv[++i];
        } else if (strcmp(a, "--output") == 0 && has_value) {
            const char *v = argv[++i];
            if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0) {
                fprintf(stderr, "seccomp-guard check: --output must be text or json\n");
                return EXIT_BAD_INPUT;
            }
            opt.json = strcmp(v, "json") == 0;
        } else if (strcmp(a, "--namespace") == 0 && has_value) {
            opt.namespace = argv[++i];
        } else if (strcmp(a, "--user") == 0 && has_value) {
            opt.username = argv[++i];
        } else if (strcmp(a, "--group") == 0 && has_value) {
            if (opt.n_groups == MAX_GROUPS) {
                fprintf(stderr, "seccomp-guard check: at most %d --group\n", MAX_GROUPS);
                return EXIT_BAD_INPUT;
            }
            opt.groups[opt.n_groups++] = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "seccomp-guard check: unknown option or missing value '%s'\n", a);
            usage(stderr);
            return EXIT_BAD_INPUT;
        } else if (n_paths == sizeof(paths) / sizeof(paths[0])) {
            fprintf(stderr, "seccomp-guard check: too many paths; give a folder\n");
            return EXIT_BAD_INPUT;
        } else {
            paths[n_paths++] = a;
        }
    }
    if (n_paths == 0) {
        usage(stderr);
        return EXIT_BAD_INPUT;
    }
    if (sg_input_policy(opt.policy_path, opt.profiles, &policy, &err) < 0) {
        fprintf(stderr, "seccomp-guard check: %s\n", err.msg);
        return EXIT_BAD_INPUT;
    }
    c.policy = policy;
    sg_buf_init(&c.json, OUTPUT_MAX);
    for (size_t i = 0; i < n_paths; i++)
        check_path(&c, paths[i], 0);
    if (opt.json) {
        if (sg_buf_failed(&c.json)) {
            fprintf(stderr, "seccomp-guard check: the JSON report is too large\n");
            set_status(&c, EXIT_BAD_INPUT);
        } else {
            FILE *out = verdict_stream(&c);
            fprintf(out, "[%s%s]\n", sg_buf_str(&c.json), c.results ? "\n" : "");
        }
    }
    sg_buf_release(&c.json);
    sg_policy_free(policy);
    return c.status;
}
