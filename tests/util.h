/* util.h — what the test files share: a fresh temporary directory per test
 * (Criterion .init / .fini), paths and files inside it, reading a whole
 * file, and running a command in this process or through the shell with
 * what it printed captured.  Every helper asserts (a test that cannot set
 * itself up fails, it does not skip). */
#ifndef CS_TESTS_UTIL_H
#define CS_TESTS_UTIL_H

#include <stddef.h>

/* The current test's directory ("" before tu_make_dir). */
extern char tu_dir[64];

/* Make a fresh /tmp/cs-test-TAG-XXXXXX directory into tu_dir. */
void tu_make_dir_tagged(const char *tag);
/* .init / .fini: tu_make_dir_tagged("t") and its removal (read-only
 * contents included). */
void tu_make_dir(void);
void tu_rm_dir(void);
/* tu_dir/name, in one of 8 rotating static buffers. */
const char *tu_path(const char *name);
/* Write text to tu_dir/name; returns its path (tu_path). */
const char *tu_write_file(const char *name, const char *text);
/* The whole file, NUL-terminated (malloc'd). */
char *tu_slurp(const char *path);
/* Run cmd(argc, argv) with argv = args (NULL-terminated, args[0] the
 * command's name) in this process; *out and *err (either may be NULL)
 * get what it printed (malloc'd).  Returns its status. */
int tu_run_cmd(int (*cmd)(int, char **), char **out, char **err, const char *const *args);
/* Run a shell command; out gets up to cap-1 bytes of its standard output.
 * Returns the exit status (-1 if it did not exit). */
int tu_sh(const char *cmd, char *out, size_t cap);

#endif
