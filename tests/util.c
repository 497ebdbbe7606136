/* util.c — see util.h. */
#include "tests/util.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char tu_dir[64];

void tu_make_dir_tagged(const char *tag)
{
    snprintf(tu_dir, sizeof tu_dir, "/tmp/cs-test-%s-XXXXXX", tag);
    cr_assert_not_null(mkdtemp(tu_dir), "cannot make a directory for the test");
}

void tu_make_dir(void)
{
    tu_make_dir_tagged("t");
}

void tu_rm_dir(void)
{
    if (!tu_dir[0])
        return;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'", tu_dir, tu_dir);
    cr_assert_eq(system(cmd), 0);
}

const char *tu_path(const char *name)
{
    static char buf[8][512];
    static int slot;
    char *p = buf[slot++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", tu_dir, name);
    return p;
}

const char *tu_write_file(const char *name, const char *text)
{
    const char *p = tu_path(name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "cannot write %s", p);
    fputs(text, f);
    fclose(f);
    return p;
}

char *tu_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert_not_null(b);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    return b;
}

int tu_run_cmd(int (*cmd)(int, char **), char **out, char **err, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    for (; args[argc]; argc++) {
        cr_assert_lt(argc, 31);
        argv[argc] = (char *)args[argc];
    }
    argv[argc] = NULL;
    const char *op = tu_path("stdout.txt"), *ep = tu_path("stderr.txt");
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    int fo = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fo >= 0 && fe >= 0);
    dup2(fo, 1);
    dup2(fe, 2);
    int rc = cmd(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(fo), close(fe), close(so), close(se);
    char *o = tu_slurp(op), *e = tu_slurp(ep);
    if (out)
        *out = o;
    else
        free(o);
    if (err)
        *err = e;
    else
        free(e);
    return rc;
}

int tu_sh(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
