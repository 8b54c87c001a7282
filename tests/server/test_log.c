/* test_log.c - every log line is one JSON object that parses, whatever
 * bytes the names hold (quotes, backslashes, control characters). */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "log.h"

static cJSON *one_line(int fd)
{
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);

    assert_true(n > 1);
    buf[n] = '\0';
    assert_int_equal(buf[n - 1], '\n');
    assert_null(memchr(buf, '\n', (size_t)n - 1)); /* exactly one line */
    cJSON *o = cJSON_Parse(buf);
    assert_non_null(o);
    return o;
}

static void test_event_and_rejection_lines_parse(void **state)
{
    struct sg_log log;
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(sg_log_init(&log, p[1], p[1]), 0);
    sg_log_event(&log, "error", "policy-reload", "bad \"%s\" at\n%s\t\x01", "key", "line 3");
    cJSON *o = one_line(p[0]);
    assert_string_equal(cJSON_GetObjectItem(o, "event")->valuestring, "policy-reload");
    assert_string_equal(cJSON_GetObjectItem(o, "level")->valuestring, "error");
    assert_string_equal(cJSON_GetObjectItem(o, "msg")->valuestring, "bad \"key\" at\nline 3\t\x01");
    assert_non_null(cJSON_GetObjectItem(o, "time"));
    cJSON_Delete(o);
    sg_log_rejected(&log, "validate", 400, "the body is not valid JSON \\ at byte 3");
    o = one_line(p[0]);
    assert_int_equal(cJSON_GetObjectItem(o, "status")->valueint, 400);
    assert_string_equal(cJSON_GetObjectItem(o, "error")->valuestring,
                        "the body is not valid JSON \\ at byte 3");
    cJSON_Delete(o);
    sg_log_release(&log);
    close(p[0]);
    close(p[1]);
}

static void test_long_message_is_written_whole(void **state)
{
    struct sg_log log;
    char big[3000];
    int p[2];

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(pipe(p), 0);
    assert_int_equal(sg_log_init(&log, p[1], p[1]), 0);
    sg_log_rejected(&log, "mutate", 413, big);
    cJSON *o = one_line(p[0]);
    assert_int_equal(strlen(cJSON_GetObjectItem(o, "error")->valuestring), sizeof(big) - 1);
    cJSON_Delete(o);
    sg_log_release(&log);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_and_rejection_lines_parse),
        cmocka_unit_test(test_long_message_is_written_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
