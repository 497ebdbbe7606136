/* cli_out.h — text encodings the commands share for scripts and CI:
 * RFC 4180 CSV fields and records, XML 1.0 text (JUnit reports), JSON strings, and the
 * shortest decimal text that reads back as the same double. */
#ifndef CS_CLI_OUT_H
#define CS_CLI_OUT_H

#include <stdbool.h>
#include <stdio.h>

/* One CSV field (RFC 4180 §2): quoted when it holds a comma, a double quote,
 * CR or LF (or starts/ends with a space), quotes doubled; "" for NULL.
 * `last` ends the record with CRLF, else a comma follows. */
void cli_csv_field(FILE *f, const char *s, bool last);
/* A number as a CSV field (full precision, cli_fmt_exact); NaN/inf: empty. */
void cli_csv_num(FILE *f, double v, bool last);
/* XML text or attribute value: & < > " escaped, control characters
 * (forbidden in XML 1.0) replaced by U+FFFD. */
void cli_xml_text(FILE *f, const char *s);
/* A JSON string (RFC 8259 §7): " and \\ escaped, control characters as
 * \\n, \\t or \\u00XX; null for NULL. */
void cli_json_str(FILE *f, const char *s);
/* A JSON number at full precision (cli_fmt_exact); null for NaN or inf. */
void cli_json_num(FILE *f, double v);
/* The shortest of %.15g..%.17g that reads back as v; integers whole. */
void cli_fmt_exact(char *buf, size_t n, double v);

#endif
