/*
 * After reading: what the counts say about the way the logs were read
 * (see dg_validate_review in dangliang/validate.h).  A GB18030 log read as
 * UTF-8 is rejected row by row as `malformed`; when that is every row the
 * run must stop and say so, and when it is many rows the user must hear
 * about the encoding, not only about a reject count.
 */
#include <stdlib.h>
#include <string.h>

#include "dangliang/validate.h"

DgStatus dg_validate_review(const DgScheme *s, const DgDataset *d, DgWarnings *w, DgError *err)
{
    for (size_t f = 0; f < d->n_files; f++) {
        uint64_t rows = d->file_rows[f], bad = d->file_bad_text[f], gb = d->file_bad_text_gb[f];
        if (!rows || !bad)
            continue;
        bool gb_like = !d->encoding_given && gb * 2 > bad; /* most undecodable rows are well-formed GB18030 */
        char *file = dg_text_escape(d->files[f], strlen(d->files[f]), false);
        if (bad == rows) {
            dg_error_set(err, DG_E_CONFIG, file, 0, 0,
                         "no row is valid text in the input encoding (%s): all %llu rows would be rejected as "
                         "malformed%s",
                         d->encoding_given ? "the --encoding given" : "UTF-8", (unsigned long long)rows,
                         gb_like ? "; the bytes read as GB18030 (GBK, GB2312): give --encoding GB18030"
                                 : "; check the file's encoding (--encoding UTF-8, GB18030, GBK or GB2312)");
            free(file);
            return DG_E_CONFIG;
        }
        if (gb_like && bad * 100 >= rows)
            dg_warnings_add(w, false,
                            "%s: %llu of %llu rows are not valid UTF-8 but read as GB18030 (GBK, GB2312); is the "
                            "file GB18030-encoded? give --encoding GB18030",
                            file, (unsigned long long)bad, (unsigned long long)rows);
        free(file);
    }
    if (d->rows_read && (DgU128)d->rows_rejected * 10000 > (DgU128)d->rows_read * (DgU128)s->max_reject_rate) {
        char pct[64], lim[48];
        dg_ratio_format((DgU128)d->rows_rejected * 100, d->rows_read, 1, pct);
        dg_decimal_format(s->max_reject_rate * 100, 4, lim);
        /* trim "10.0000" to "10" */
        char *dot = strchr(lim, '.');
        if (dot) {
            char *e = lim + strlen(lim);
            while (e > dot + 1 && e[-1] == '0')
                *--e = 0;
            if (e == dot + 1)
                *dot = 0;
        }
        dg_warnings_add(w, false,
                        "%llu of %llu rows (%s%%) were rejected, more than the scheme's limit of %s%% "
                        "(checks.max_reject_rate); see rejects.csv before trusting the payouts",
                        (unsigned long long)d->rows_rejected, (unsigned long long)d->rows_read, pct, lim);
    }
    return DG_OK;
}
