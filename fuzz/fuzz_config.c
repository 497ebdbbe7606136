/* fuzz_config.c — libFuzzer target: the config loader (YAML tree, base:
 * chain, schema, cross-key checks) on arbitrary text (issue 16).  Any crash,
 * sanitizer report, leak or hang is a bug; a refusal must carry a message
 * and status 2 (3 for I/O on a base: file). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    config c;
    cs_err e = {0};
    int rc = config_load_string(text, "fuzz.yaml", NULL, 0, &c, &e);
    if (rc == 0)
        config_free(&c);
    else if ((rc != CS_USAGE && rc != CS_IO) || !e.msg[0])
        abort(); /* a refusal without a message or with another status */
    free(text);
    return 0;
}
