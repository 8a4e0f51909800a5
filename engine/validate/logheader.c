/*
 * Header look-alikes (see logheader.h).  The name is normalised (ASCII
 * lower case, ' ' and '-' read as '_', surrounding spaces dropped), then
 * compared with each known column: equal after normalising, an alias, or a
 * Levenshtein distance of at most 1 (names up to 6 bytes) or 2 (longer).
 * The format and header record of a log's head: see logheader.h.
 */
#include "logheader.h"

#include <stdlib.h>
#include <string.h>

#include "ingest/source.h"

/* Aliases seen in exports from hospital information systems. */
static const struct {
    const char *alias, *column;
} aliases[] = {
    {"qty", "quantity"},        {"amount", "quantity"},     {"count", "quantity"},
    {"num", "quantity"},        {"number", "quantity"},     {"times", "quantity"},
    {"数量", "quantity"},       {"次数", "quantity"},       {"服务数量", "quantity"},
    {"record", "record_id"},    {"id", "record_id"},        {"记录号", "record_id"},
    {"记录编号", "record_id"},  {"unit", "unit_id"},        {"org_id", "unit_id"},
    {"机构编码", "unit_id"},    {"单位编码", "unit_id"},    {"staff", "staff_id"},
    {"doctor_id", "staff_id"},  {"人员编码", "staff_id"},   {"医生编码", "staff_id"},
    {"patient", "patient_id"},  {"患者编码", "patient_id"}, {"item", "item_code"},
    {"code", "item_code"},      {"item_id", "item_code"},   {"项目编码", "item_code"},
    {"date", "service_date"},   {"服务日期", "service_date"}, {"service_time", "service_date"},
};

static size_t normalise(const char *s, size_t n, char *out, size_t cap)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (c == ' ' || c == '-')
            c = '_';
        out[o++] = c;
    }
    out[o] = 0;
    return o;
}

static size_t levenshtein(const char *a, size_t na, const char *b, size_t nb)
{
    size_t *row = malloc((nb + 1) * sizeof *row);
    if (!row)
        return (size_t)-1;
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[nb];
    free(row);
    return d;
}

int dg_logheader_resembles(const char *name, size_t len, const char *const *cols, int n_cols)
{
    if (len == 0 || len > 64)
        return -1;
    char norm[80];
    size_t n = normalise(name, len, norm, sizeof norm);
    for (int k = 0; k < n_cols; k++) {
        size_t kl = strlen(cols[k]);
        if (kl == len && !memcmp(name, cols[k], len))
            return -1; /* it is the column */
        if (n == kl && !memcmp(norm, cols[k], n))
            return k;
    }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcmp(norm, aliases[i].alias))
            for (int k = 0; k < n_cols; k++)
                if (!strcmp(cols[k], aliases[i].column))
                    return k;
    int best = -1;
    size_t best_d = 3;
    for (int k = 0; k < n_cols; k++) {
        size_t kl = strlen(cols[k]);
        size_t d = levenshtein(norm, n, cols[k], kl);
        size_t limit = kl <= 6 ? 1 : 2;
        if (d <= limit && d < best_d) {
            best = k;
            best_d = d;
        }
    }
    return best;
}

static bool sniff_jsonl(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = buf[i];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
            continue;
        return ch == '{';
    }
    return false;
}

DgLogFormat dg_logheader_format(DgLogFormat given, const char *path, const char *buf, size_t len)
{
    if (given != DG_LOG_AUTO)
        return given;
    if (strcmp(path, "-") == 0)
        return DG_LOG_CSV; /* standard input: --format, else CSV */
    DgFormat f = dg_format_from_path(path);
    if (f == DG_FORMAT_JSONL)
        return DG_LOG_JSONL;
    if (f == DG_FORMAT_CSV)
        return DG_LOG_CSV;
    return sniff_jsonl(buf, len) ? DG_LOG_JSONL : DG_LOG_CSV;
}

int dg_logheader_walk(const char *buf, size_t len, bool eof, size_t *used, uint64_t *line, DgCsvRecord *rec)
{
    size_t pos = 0;
    for (;;) {
        size_t end = dg_csv_record_end(buf, len, pos);
        if (end == len && !eof && (end == pos || buf[end - 1] != '\n'))
            return 1;
        if (!dg_csv_scan(buf, len, &pos, rec))
            return 2;
        if (rec->blank) {
            *line += rec->n_newlines;
            continue;
        }
        *used = pos;
        return 0;
    }
}
