/* cli_out.c — CSV, XML and exact-number text for scripts (see cli_out.h). */
#include "sim/cli/cli_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void cli_csv_field(FILE *f, const char *s, bool last)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    bool quote = strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));
    if (quote) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f); /* RFC 4180 §2.7: a quote inside is doubled */
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputs(last ? "\r\n" : ",", f); /* RFC 4180 §2.1: records end with CRLF */
}

void cli_fmt_exact(char *buf, size_t n, double v)
{
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        snprintf(buf, n, "%.0f", v);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void cli_csv_num(FILE *f, double v, bool last)
{
    char buf[40] = "";
    if (isfinite(v))
        cli_fmt_exact(buf, sizeof buf, v);
    cli_csv_field(f, buf, last);
}

void cli_xml_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '&')
            fputs("&amp;", f);
        else if (c == '"')
            fputs("&quot;", f);
        else if (c < 0x20 && c != '\t' && c != '\n')
            fputs("\xEF\xBF\xBD", f); /* U+FFFD: XML 1.0 forbids control characters */
        else
            fputc(c, f);
    }
}

void cli_json_str(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

void cli_json_num(FILE *out, double v)
{
    char b[40];
    if (isnan(v) || isinf(v)) {
        fputs("null", out);
        return;
    }
    cli_fmt_exact(b, sizeof b, v);
    fputs(b, out);
}
