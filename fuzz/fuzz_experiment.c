/* fuzz_experiment.c — libFuzzer target: the experiment loader (variants,
 * sweeps, replications, objective, every scenario's config and rules) on
 * arbitrary text (issue 16). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/experiment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    experiment x;
    cs_err e = {0};
    int rc = exp_load_string(text, "fuzz.yaml", NULL, 0, &x, &e);
    if (rc == 0) {
        for (size_t i = 0; i < x.nruns && i < 4; i++) { /* a run's config builds */
            config c;
            cs_err e2 = {0};
            if (exp_run_config(&x, i, &c, &e2) != 0)
                abort(); /* validated at load, so it must build */
            config_free(&c);
        }
        exp_free(&x);
    } else if ((rc != CS_USAGE && rc != CS_IO) || !e.msg[0]) {
        abort();
    }
    free(text);
    return 0;
}
