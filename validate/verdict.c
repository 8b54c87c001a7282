/* verdict.c - see verdict.h. */
#include "verdict.h"

static const char *const names[SG_VERDICT_COUNT] = {
    [SG_VERDICT_ALLOW] = "allow",
    [SG_VERDICT_WARN] = "warn",
    [SG_VERDICT_DENY] = "deny",
};

static const char *const phrases[SG_VERDICT_COUNT] = {
    [SG_VERDICT_ALLOW] = "allowed",
    [SG_VERDICT_WARN] = "allowed with warnings",
    [SG_VERDICT_DENY] = "denied",
};

const char *sg_verdict_name(enum sg_verdict v)
{
    return (unsigned)v < SG_VERDICT_COUNT ? names[v] : "?";
}

const char *sg_verdict_phrase(enum sg_verdict v)
{
    return (unsigned)v < SG_VERDICT_COUNT ? phrases[v] : "?";
}
