/* cmd_review.c - `seccomp-guard review`: answers one AdmissionReview read
 * from a file or stdin with exactly the bytes the server would send. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "input.h"
#include "review.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: seccomp-guard review [--policy FILE] [--profiles DIR] [--mutate] [FILE|-]\n\n"
            "Reads an AdmissionReview request (admission.k8s.io/v1 or v1beta1) from FILE or\n"
            "standard input and prints the response the server would send: /validate's, or\n"
            "/mutate's with --mutate. Without --policy the built-in default policy is used.\n"
            "--profiles DIR judges Localhost profiles by the files there, in place of the\n"
            "policy's profiles folder.\n"
            "Exit status: 0 a response was printed (allowed or denied), 2 the input is not\n"
            "an AdmissionReview (the reason on stderr), 1 anything else.\n");
}

/* Answers one input; returns the exit status it deserves. */
static int review_one(const struct sg_policy *policy, enum sg_mode mode, const char *path)
{
    struct sg_decision *decision = NULL;
    struct sg_error err;
    char *body = NULL;
    size_t len = 0, out_len;
    const char *out;
    int status = 0, rc;

    sg_error_clear(&err);
    rc = sg_input_read(path, SG_REVIEW_MAX_BYTES, &body, &len, &err);
    if (rc == 0)
        rc = sg_review(policy, mode, body, len, &decision, &err);
    if (rc < 0) {
        /* Read errors already name the input. */
        if (rc == SG_ERR_IO)
            fprintf(stderr, "seccomp-guard review: %s\n", err.msg);
        else
            fprintf(stderr, "seccomp-guard review: %s: %s\n",
                    strcmp(path, "-") == 0 ? "standard input" : path, err.msg);
        status = rc == SG_ERR_INVALID || rc == SG_ERR_LIMIT || rc == SG_ERR_IO ? 2 : 1;
    } else {
        out = sg_decision_response(decision, &out_len);
        fwrite(out, 1, out_len, stdout);
        fputc('\n', stdout);
    }
    sg_decision_free(decision);
    free(body);
    return status;
}

int sg_cmd_review(int argc, char **argv)
{
    enum sg_mode mode = SG_MODE_VALIDATE;
    const char *policy_path = NULL, *profiles = NULL;
    struct sg_policy *policy = NULL;
    struct sg_error err;
    int status = 0, inputs = 0;

    sg_error_clear(&err);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--mutate") == 0) {
            mode = SG_MODE_MUTATE;
        } else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc) {
            policy_path = argv[++i];
        } else if (strcmp(argv[i], "--profiles") == 0 && i + 1 < argc) {
            profiles = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "seccomp-guard review: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (sg_input_policy(policy_path, profiles, &policy, &err) < 0) {
        fprintf(stderr, "seccomp-guard review: %s\n", err.msg);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--policy") == 0 || strcmp(argv[i], "--profiles") == 0) {
            i++;
        } else if (strcmp(argv[i], "-") == 0 || argv[i][0] != '-') {
            int s = review_one(policy, mode, argv[i]);
            status = s > status ? s : status;
            inputs++;
        }
    }
    if (inputs == 0)
        status = review_one(policy, mode, "-");
    if (fflush(stdout) != 0 && status == 0)
        status = 1;
    sg_policy_free(policy);
    return status;
}
