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
    fprintf(out, "usage: seccomp-guard review [--policy FILE] [--mutate] [FILE|-]\n\n"
                 "Reads an AdmissionReview request (admission.k8s.io/v1 or v1beta1) from FILE or\n"
                 "standard input and prints the response the server would send: /validate's, or\n"
                 "/mutate's with --mutate. Without --policy the built-in default policy is used.\n"
                 "Exit status: 0 a response was printed (allowed or denied), 2 the input is not\n"
                 "an AdmissionReview (the reason on stderr), 1 anything else.\n");
}

int sg_cmd_review(int argc, char **argv)
{
    enum sg_review_mode mode = SG_REVIEW_VALIDATE;
    const char *policy_path = NULL, *path = "-";
    struct sg_policy *policy = NULL;
    struct sg_decision *decision = NULL;
    struct sg_error err;
    char *body = NULL;
    size_t len = 0, out_len;
    const char *out;
    int status = 1, rc;

    sg_error_clear(&err);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--mutate") == 0) {
            mode = SG_REVIEW_MUTATE;
        } else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc) {
            policy_path = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "seccomp-guard review: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else {
            path = argv[i];
        }
    }
    if (sg_input_policy(policy_path, &policy, &err) < 0) {
        fprintf(stderr, "seccomp-guard review: %s\n", err.msg);
        return 2;
    }
    rc = sg_input_read(path, SG_REVIEW_MAX_BYTES, &body, &len, &err);
    if (rc == 0)
        rc = sg_review(policy, mode, body, len, &decision, &err);
    if (rc < 0) {
        fprintf(stderr, "seccomp-guard review: %s\n", err.msg);
        status = rc == SG_ERR_INVALID || rc == SG_ERR_LIMIT || rc == SG_ERR_IO ? 2 : 1;
        goto out;
    }
    out = sg_decision_response(decision, &out_len);
    fwrite(out, 1, out_len, stdout);
    fputc('\n', stdout);
    status = fflush(stdout) == 0 ? 0 : 1;
out:
    sg_decision_free(decision);
    sg_policy_free(policy);
    free(body);
    return status;
}
