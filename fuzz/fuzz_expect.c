/* fuzz_expect.c — libFuzzer target: the expectation parser (rules and
 * values, quantifiers, functions, units) on arbitrary text (issue 16). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/expect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    for (int mode = EXPECT_RULE; mode <= EXPECT_VALUE; mode++) {
        expect_rule r;
        cs_err e = {0};
        int rc = expect_parse(text, mode, "fuzz.yaml", 3, 5, "expect[0]", &r, &e);
        if (rc == 0)
            expect_rule_free(&r);
        else if (rc != CS_USAGE || !e.msg[0])
            abort();
    }
    free(text);
    return 0;
}
