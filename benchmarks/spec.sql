-- dangliang's whole method (docs/formats.md, docs/methodology.md) in DuckDB SQL: the fair peer of
-- `dangliang run`, and a differential test of it on large data (run by duckdb_spec.mjs,
-- which creates the cfg_* tables from scheme.json and fills in the {{...}} paths).
--
-- Design.  Every money and workload number is an exact integer (HUGEINT/BIGINT):
-- equivalents, Q and A in 10^-4, indicator values in 10^-6, corrected workload in
-- 10^-12, money in fen; decimal text is checked by regex and cast to DECIMAL (DuckDB
-- parses decimal text digit by digit), never through DOUBLE.  HUGEINT arithmetic raises
-- on overflow, so an out-of-range product fails the run instead of wrapping.
--
-- Reading.  DuckDB's read_csv cannot reproduce the spec's CSV rules exactly: its
-- lenient mode silently drops text after a closing quote and extra fields, and its
-- strict mode stops on a file that mixes CRLF and LF rows.  So the log is read as raw
-- physical lines (read_csv with no quote and an unused delimiter, which keeps file order
-- in the table's rowid) and split into RFC 4180 records here: lines with an odd number
-- of quotes open/close a multi-line record (they pair up in order), quote-free records
-- are split on commas, records with quotes are checked against a regular expression of
-- a well-formed record (anything else is `malformed`) and then tokenized.  Known gaps:
-- DuckDB's reader treats a lone CR as a line break, so a CR inside a quoted field or
-- in the middle of an unquoted one is not reproduced, and a row with invalid UTF-8 is
-- dropped by read_csv rather than counted as malformed; `dangliang gen` writes neither.
--
-- Input order is the raw line number (rowid of `lines`); it orders duplicate record
-- ids (first kept), the day cap (input order) and the period cap ((date, input order)).

SET preserve_insertion_order = true;

CREATE OR REPLACE TEMP MACRO ws_trim(s) AS trim(s, E' \t');
-- exact decimal text -> integer in units of 10^-p (NULL stays NULL), built from the digits
-- themselves; more places than allowed, a sign or an exponent is an error naming the value
CREATE OR REPLACE TEMP MACRO dec_int(s, p, what) AS
    CASE WHEN s IS NULL THEN NULL
         WHEN regexp_full_match(trim(s), '[0-9]+(\.[0-9]*)?')
              AND strlen(split_part(trim(s), '.', 2)) <= p
         THEN CAST(split_part(trim(s), '.', 1) || rpad(split_part(trim(s), '.', 2), p, '0') AS HUGEINT)
         ELSE error('spec.sql: ' || what || ' "' || s || '" is not a decimal with at most '
                    || p || ' places') END;
CREATE OR REPLACE TEMP MACRO pow10(p) AS CAST('1' || repeat('0', p) AS HUGEINT);
CREATE OR REPLACE TEMP MACRO fmt_dec(v, p) AS
    CAST(v // pow10(p) AS VARCHAR) || '.' || lpad(CAST(v % pow10(p) AS VARCHAR), p, '0');
-- round a non-negative n / d half-up to an integer
CREATE OR REPLACE TEMP MACRO div_half_up(n, d) AS (2 * n + d) // (2 * d);

-- ---- scheme tables --------------------------------------------------------------------

CREATE OR REPLACE TEMP TABLE cat AS
WITH c AS (
    SELECT ws_trim(item_code) AS code, ws_trim(category) AS category,
           dec_int(equivalent, 4, 'catalog equivalent') AS eq1,
           dec_int(nullif(ws_trim(equivalent_tier2), ''), 4, 'catalog equivalent_tier2') AS eq2,
           dec_int(nullif(ws_trim(equivalent_tier3), ''), 4, 'catalog equivalent_tier3') AS eq3,
           coalesce(CAST(nullif(ws_trim(minutes), '') AS BIGINT), 0) AS minutes,
           coalesce(CAST(nullif(ws_trim(valid_from), '') AS DATE), DATE '0001-01-01') AS vfrom,
           coalesce(CAST(nullif(ws_trim(valid_to), '') AS DATE), DATE '9999-12-31') AS vto,
           CAST(nullif(ws_trim(max_per_patient_day), '') AS BIGINT) AS cap_day,
           CAST(nullif(ws_trim(max_per_patient_period), '') AS BIGINT) AS cap_period
    FROM read_csv({{CATALOG}}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')
)
SELECT row_number() OVER (ORDER BY code, vfrom) AS ck, code, category,
       eq1, coalesce(eq2, eq1) AS eq2, coalesce(eq3, eq1) AS eq3, minutes, vfrom, vto, cap_day, cap_period,
       bool_or(cap_day IS NOT NULL OR cap_period IS NOT NULL) OVER (PARTITION BY code) AS code_capped
FROM c;

CREATE OR REPLACE TEMP TABLE units AS
SELECT ws_trim(unit_id) AS unit_id, ws_trim(unit_name) AS unit_name, ws_trim(community) AS community,
       ws_trim(county) AS county, coalesce(CAST(nullif(ws_trim(tier), '') AS INTEGER), 1) AS tier,
       list_distinct(list_filter(list_transform(string_split(coalesce(tags, ''), ';'), t -> ws_trim(t)),
                                 t -> t <> '')) AS tags,
       CAST(nullif(ws_trim(population), '') AS BIGINT) AS population
FROM read_csv({{UNITS}}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"');

CREATE OR REPLACE TEMP TABLE ind AS
SELECT ws_trim(unit_id) AS unit_id, ws_trim(indicator) AS indicator,
       dec_int(nullif(ws_trim(value), ''), 6, 'indicator value') AS v6
FROM {{INDICATORS}};

-- pool x catalog row: categories or item patterns (`*` only at the end = prefix)
CREATE OR REPLACE TEMP TABLE pool_crow AS
SELECT DISTINCT p.pool_id, c.ck
FROM cfg_pool p, cat c
WHERE EXISTS (SELECT 1 FROM cfg_pool_category pc WHERE pc.pool_id = p.pool_id AND pc.category = c.category)
   OR EXISTS (SELECT 1 FROM cfg_pool_item pi WHERE pi.pool_id = p.pool_id
              AND (CASE WHEN ends_with(pi.pattern, '*')
                        THEN starts_with(c.code, substr(pi.pattern, 1, length(pi.pattern) - 1))
                        ELSE c.code = pi.pattern END));

-- pool x unit in scope: keys AND, members of one list OR
CREATE OR REPLACE TEMP TABLE pool_unit AS
SELECT p.pool_id, u.unit_id
FROM cfg_pool p, units u
WHERE p.scope_all OR (
      (NOT EXISTS (SELECT 1 FROM cfg_pool_scope s WHERE s.pool_id = p.pool_id AND s.key = 'community')
       OR EXISTS (SELECT 1 FROM cfg_pool_scope s WHERE s.pool_id = p.pool_id AND s.key = 'community' AND s.value = u.community))
  AND (NOT EXISTS (SELECT 1 FROM cfg_pool_scope s WHERE s.pool_id = p.pool_id AND s.key = 'county')
       OR EXISTS (SELECT 1 FROM cfg_pool_scope s WHERE s.pool_id = p.pool_id AND s.key = 'county' AND s.value = u.county))
  AND (NOT EXISTS (SELECT 1 FROM cfg_pool_scope s WHERE s.pool_id = p.pool_id AND s.key = 'units')
       OR EXISTS (SELECT 1 FROM cfg_pool_scope s WHERE s.pool_id = p.pool_id AND s.key = 'units' AND s.value = u.unit_id)));

-- ---- the log: physical lines -> RFC 4180 records ----------------------------------------

CREATE OR REPLACE TEMP TABLE lines AS
SELECT l FROM read_csv({{LOG}}, header = false, auto_detect = false, columns = {'l': 'VARCHAR'},
                       delim = E'\x01', quote = '', escape = '', strict_mode = false, ignore_errors = true,
                       max_line_size = 100000000);

-- lines with an odd number of quotes pair up: the 1st opens a multi-line record, the 2nd
-- closes it, ...; a last unpaired one runs to the end of the file (unterminated quote)
CREATE OR REPLACE TEMP TABLE spans AS
WITH o AS (
    SELECT rowid AS ln, row_number() OVER (ORDER BY rowid) AS k
    FROM lines
    WHERE contains(l, '"') AND (strlen(l) - strlen(replace(l, '"', ''))) % 2 = 1
)
SELECT a.ln AS s, coalesce(b.ln, (SELECT max(rowid) FROM lines)) AS e
FROM o a LEFT JOIN o b ON b.k = a.k + 1
WHERE a.k % 2 = 1;

CREATE OR REPLACE TEMP TABLE span_lines AS
SELECT s, unnest(range(s, e + 1)) AS ln FROM spans;

-- plain records: one line, no quote (nearly every row), split at commas; fields are
-- trimmed when used
CREATE OR REPLACE TEMP VIEW rec_plain AS
SELECT rowid AS ord, string_split(l, ',') AS f
FROM lines
WHERE l <> '' AND NOT contains(l, '"') AND rowid NOT IN (SELECT ln FROM span_lines);

-- records with quotes, on one line or several
CREATE OR REPLACE TEMP VIEW rec_quoted_text AS
SELECT rowid AS ord, l AS txt
FROM lines
WHERE contains(l, '"') AND rowid NOT IN (SELECT ln FROM span_lines)
UNION ALL
SELECT sl.s AS ord, string_agg(coalesce(x.l, ''), E'\n' ORDER BY sl.ln) AS txt
FROM span_lines sl JOIN lines x ON x.rowid = sl.ln
GROUP BY sl.s;

-- fields of a record with quotes, unescaped (quoted) or trimmed (unquoted); NULL when
-- the record is not well formed: text after a closing quote, a quote inside an unquoted
-- field, or a quote that never closes
CREATE OR REPLACE TEMP MACRO csv_fields(txt) AS
    CASE WHEN regexp_full_match(txt, '(?s)(?:[ \t]*"(?:[^"]|"")*"[ \t]*|[^",]*)(?:,(?:[ \t]*"(?:[^"]|"")*"[ \t]*|[^",]*))*')
         THEN list_transform(regexp_extract_all(',' || txt, '(?s),([ \t]*"(?:[^"]|"")*"[ \t]*|[^",]*)', 1),
                             f -> CASE WHEN regexp_matches(f, '^[ \t]*"')
                                       THEN replace(regexp_extract(f, '(?s)^[ \t]*"(.*)"[ \t]*$', 1), '""', '"')
                                       ELSE ws_trim(f) END)
    END;

CREATE OR REPLACE TEMP VIEW rec_quoted AS
SELECT ord, csv_fields(txt) AS f FROM rec_quoted_text;

-- the header is the first record; columns are found by name
CREATE OR REPLACE TEMP TABLE hdr AS
WITH first AS (SELECT min(rowid) AS ord0 FROM lines WHERE l <> ''),
h AS (
    SELECT list_transform(f, x -> ws_trim(ltrim(x, chr(65279)))) AS f, ord
    FROM rec_plain WHERE ord = (SELECT ord0 FROM first)
    UNION ALL
    SELECT list_transform(f, x -> ltrim(x, chr(65279))), ord FROM rec_quoted WHERE ord = (SELECT ord0 FROM first)
)
SELECT len(f) AS n,
       list_position(f, 'record_id') AS p_rid, list_position(f, 'unit_id') AS p_unit,
       list_position(f, 'staff_id') AS p_staff, list_position(f, 'patient_id') AS p_pat,
       list_position(f, 'item_code') AS p_item, list_position(f, 'service_date') AS p_date,
       list_position(f, 'quantity') AS p_qty, ord AS ord0,
       CASE WHEN list_position(f, 'record_id') IS NULL OR list_position(f, 'unit_id') IS NULL
                 OR list_position(f, 'staff_id') IS NULL OR list_position(f, 'item_code') IS NULL
                 OR list_position(f, 'service_date') IS NULL
            THEN error('spec.sql: the log header lacks a required column') END AS chk,
       CASE WHEN len(f) <> len(list_distinct(f)) THEN error('spec.sql: duplicated header name') END AS chk2
FROM h;

-- ---- validation (docs/formats.md reject reasons): the first failing check in the listed order ------------------

-- the header's column positions become constants of the queries below
SET VARIABLE n_cols = (SELECT n FROM hdr);
SET VARIABLE ord0 = (SELECT ord0 FROM hdr);
SET VARIABLE p_rid = (SELECT p_rid FROM hdr);
SET VARIABLE p_unit = (SELECT p_unit FROM hdr);
SET VARIABLE p_staff = (SELECT p_staff FROM hdr);
SET VARIABLE p_pat = (SELECT p_pat FROM hdr);
SET VARIABLE p_item = (SELECT p_item FROM hdr);
SET VARIABLE p_date = (SELECT p_date FROM hdr);
SET VARIABLE p_qty = (SELECT p_qty FROM hdr);

CREATE OR REPLACE TEMP TABLE v AS
WITH x AS (
    SELECT ord, len(f) <> getvariable('n_cols') AS bad_shape,
           ws_trim(f[getvariable('p_rid')]) AS rid, ws_trim(f[getvariable('p_unit')]) AS unit,
           ws_trim(f[getvariable('p_staff')]) AS staff, coalesce(ws_trim(f[getvariable('p_pat')]), '') AS patient,
           ws_trim(f[getvariable('p_item')]) AS item, ws_trim(f[getvariable('p_date')]) AS dt,
           coalesce(ws_trim(f[getvariable('p_qty')]), '') AS qty
    FROM rec_plain WHERE ord > getvariable('ord0')
    UNION ALL
    SELECT ord, f IS NULL OR len(f) <> getvariable('n_cols') AS bad_shape,
           f[getvariable('p_rid')], f[getvariable('p_unit')], f[getvariable('p_staff')],
           coalesce(f[getvariable('p_pat')], ''), f[getvariable('p_item')], f[getvariable('p_date')],
           coalesce(f[getvariable('p_qty')], '')
    FROM rec_quoted WHERE ord > getvariable('ord0')
), y AS (
    SELECT x.*,
           CASE WHEN qty = '' THEN 1
                WHEN regexp_full_match(qty, '[0-9]{1,20}') THEN TRY_CAST(qty AS HUGEINT) END AS q0,
           -- YYYY-MM-DD, the common spelling, is cast directly; the other spellings the
           -- spec allows (1-2 digit month and day, '/', a time after T or a space) are
           -- taken apart and rebuilt first
           regexp_full_match(dt, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AS iso,
           CASE WHEN NOT iso AND NOT starts_with(dt, '0000')
                     AND regexp_full_match(dt, '(?s)[0-9]{4}(?:-[0-9]{1,2}-[0-9]{1,2}|/[0-9]{1,2}/[0-9]{1,2})(?:[T ].*)?')
                THEN regexp_extract(dt, '^([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})', ['y', 'm', 'd']) END AS ymd
    FROM x
), z AS (
    SELECT y.*,
           CASE WHEN starts_with(dt, '0000') THEN NULL
                WHEN iso THEN TRY_CAST(dt AS DATE)
                ELSE TRY_CAST(ymd.y || '-' || lpad(ymd.m, 2, '0') || '-' || lpad(ymd.d, 2, '0') AS DATE) END AS d
    FROM y
)
SELECT z.ord, z.rid, z.unit, z.staff, z.patient, z.item AS code, z.d, CAST(z.q0 AS BIGINT) AS q, c.ck,
       CASE WHEN bad_shape THEN 'malformed'
            WHEN coalesce(rid, '') = '' OR coalesce(unit, '') = '' OR coalesce(staff, '') = ''
                 OR coalesce(item, '') = '' OR coalesce(dt, '') = '' THEN 'missing_field'
            WHEN q0 IS NULL OR q0 < 1 OR q0 > 10000 THEN 'bad_quantity'
            WHEN d IS NULL THEN 'bad_date'
            WHEN d < s.period_from OR d > s.period_to THEN 'out_of_period'
            WHEN u.unit_id IS NULL THEN 'unknown_unit'
            WHEN kc.code IS NULL THEN 'unknown_item'
            WHEN c.ck IS NULL THEN 'item_not_in_force'
       END AS reason
FROM z
CROSS JOIN cfg_scheme s
LEFT JOIN units u ON u.unit_id = z.unit
LEFT JOIN (SELECT DISTINCT code FROM cat) kc ON kc.code = z.item
LEFT JOIN cat c ON c.code = z.item AND z.d BETWEEN c.vfrom AND c.vto;

-- duplicate record ids: judged last, among rows that pass every other check; the first
-- occurrence in input order is kept
CREATE OR REPLACE TEMP TABLE dup_first AS
SELECT rid, min(ord) AS first_ord FROM v WHERE reason IS NULL GROUP BY rid HAVING count(*) > 1;

-- ---- authenticity checks (docs/methodology.md §9) --------------------------------------------

-- rows subject to the patient caps: with a patient, of a code capped in some version
CREATE OR REPLACE TEMP TABLE kept AS
WITH acc AS (
    SELECT v.ord, v.unit, v.staff, v.patient, v.code, v.d, v.q, v.ck,
           v.patient <> '' AND c.code_capped AS subj, c.cap_day, c.cap_period
    FROM v LEFT JOIN dup_first f ON f.rid = v.rid JOIN cat c ON c.ck = v.ck
    WHERE v.reason IS NULL AND (f.first_ord IS NULL OR f.first_ord = v.ord)
), day AS (
    -- 1. day cap per (unit, patient, code, date), rows in input order, on the raw quantity
    SELECT *,
           CASE WHEN cap_day IS NULL THEN q
                ELSE greatest(0, least(q, cap_day - CAST(coalesce(sum(q) OVER (
                         PARTITION BY unit, patient, code, d ORDER BY ord
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS BIGINT))) END AS kept_day
    FROM acc WHERE subj
)
-- 2. period cap per (unit, patient, code), rows by (date, input order), one running total
--    of what the day cap kept, each row judged by the cap of its own catalog version
SELECT ord, unit, staff, d, q, ck, true AS subj, kept_day,
       CASE WHEN cap_period IS NULL OR kept_day = 0 THEN kept_day
            ELSE greatest(0, least(kept_day, cap_period - CAST(coalesce(sum(kept_day) OVER (
                     PARTITION BY unit, patient, code ORDER BY d, ord
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS BIGINT))) END AS kept
FROM day
UNION ALL
SELECT ord, unit, staff, d, q, ck, false, q, q FROM acc WHERE NOT subj;

-- what validation decided, counted; the raw lines and row table are no longer needed
CREATE OR REPLACE TEMP TABLE v_counts AS SELECT reason, count(*) AS n FROM v GROUP BY reason;
DROP TABLE v;
DROP VIEW rec_quoted;
DROP VIEW rec_quoted_text;
DROP VIEW rec_plain;
DROP TABLE lines;

-- 3. staff-day check on what both caps kept
CREATE OR REPLACE TEMP TABLE overload AS
SELECT k.unit, k.staff, k.d, count(*) AS n_rows, sum(k.kept) AS kept_qty
FROM kept k JOIN cat c ON c.ck = k.ck
GROUP BY k.unit, k.staff, k.d
HAVING sum(CAST(k.kept AS HUGEINT) * c.minutes) > (SELECT staff_day_minutes FROM cfg_scheme);

CREATE OR REPLACE TEMP TABLE audited AS
SELECT k.unit, k.ck, sum(k.q) AS qty,
       sum(CASE WHEN o.unit IS NOT NULL AND (SELECT staff_policy FROM cfg_scheme) = 'exclude' THEN 0
                ELSE k.kept END) AS aq
FROM kept k LEFT JOIN overload o ON o.unit = k.unit AND o.staff = k.staff AND o.d = k.d
GROUP BY k.unit, k.ck;

-- ---- score (docs/methodology.md §1-5) --------------------------------------------------------

-- quality Q in 10^-4: a_k rounded half-up to 6 places, Q = Σ S·a / Σ S half-up to 4
CREATE OR REPLACE TEMP TABLE quality AS
WITH need AS (SELECT DISTINCT unit_id FROM pool_unit),
a AS (
    SELECT u.unit_id, i.weight, i.ind_id, n.unit_id IS NOT NULL AS needed, iv.v6,
           dec_int(i.target, 6, 'quality target') AS t6, i.better
    FROM units u CROSS JOIN cfg_indicator i
    LEFT JOIN ind iv ON iv.unit_id = u.unit_id AND iv.indicator = i.ind_id
    LEFT JOIN need n ON n.unit_id = u.unit_id
), s AS (
    SELECT unit_id,
           sum(weight * CASE
               WHEN v6 IS NULL THEN
                   CASE WHEN needed AND (SELECT q_missing FROM cfg_scheme) <> 'zero'
                        THEN error('spec.sql: unit ' || unit_id || ' has no value for indicator ' || ind_id)
                        ELSE 0 END
               WHEN better = 'lower' THEN
                   CASE WHEN v6 <= t6 THEN 1000000 ELSE div_half_up(t6 * 1000000, v6) END
               ELSE CASE WHEN v6 >= t6 THEN 1000000 ELSE div_half_up(v6 * 1000000, t6) END
           END) AS num,
           sum(weight) AS den
    FROM a GROUP BY unit_id
)
SELECT u.unit_id,
       CASE WHEN NOT sc.has_quality OR s.unit_id IS NULL THEN 10000
            WHEN div_half_up(s.num, s.den * 100) < coalesce(dec_int(sc.q_floor, 4, 'quality floor'), -1) THEN 0
            WHEN div_half_up(s.num, s.den * 100) >= coalesce(dec_int(sc.q_full_at, 4, 'quality full_at'), 99999) THEN 10000
            ELSE div_half_up(s.num, s.den * 100) END AS q4
FROM units u CROSS JOIN cfg_scheme sc LEFT JOIN s ON s.unit_id = u.unit_id;

-- adjustment A in 10^-4: product of the factors of the unit's tags, rounded half-up once
CREATE OR REPLACE TEMP TABLE adjust AS
WITH f AS (
    SELECT u.unit_id, list(dec_int(a.factor, 4, 'adjustment factor')) AS fs
    FROM units u JOIN cfg_adjustment a ON list_contains(u.tags, a.tag)
    GROUP BY u.unit_id
)
SELECT u.unit_id,
       CASE WHEN f.fs IS NULL THEN 10000
            ELSE div_half_up(list_reduce(f.fs, (x, y) -> x * y),
                             list_reduce(list_concat([CAST(1 AS HUGEINT)],
                                                     list_transform(range(len(f.fs) - 1), i -> CAST(10000 AS HUGEINT))),
                                         (x, y) -> x * y)) END AS a4
FROM units u LEFT JOIN f ON f.unit_id = u.unit_id;

-- audited workload per pool and unit (10^-4), every unit in scope listed
CREATE OR REPLACE TEMP TABLE pool_w AS
WITH w AS (
    SELECT pc.pool_id, a.unit,
           sum(CAST(a.aq AS HUGEINT) * CASE u.tier WHEN 2 THEN c.eq2 WHEN 3 THEN c.eq3 ELSE c.eq1 END) AS w4
    FROM audited a
    JOIN cat c ON c.ck = a.ck
    JOIN units u ON u.unit_id = a.unit
    JOIN pool_crow pc ON pc.ck = a.ck
    GROUP BY pc.pool_id, a.unit
)
SELECT pu.pool_id, pu.unit_id, coalesce(w.w4, 0) AS w4, q.q4, ad.a4,
       coalesce(w.w4, 0) * q.q4 * ad.a4 AS c12
FROM pool_unit pu
LEFT JOIN w ON w.pool_id = pu.pool_id AND w.unit = pu.unit_id
JOIN quality q ON q.unit_id = pu.unit_id
JOIN adjust ad ON ad.unit_id = pu.unit_id;

-- ---- allocation (docs/methodology.md §6): floors, then the R fen left one each to the largest
-- remainders, ties by unit_id in byte order ------------------------------------------------

CREATE OR REPLACE TEMP TABLE payouts AS
WITH b AS (
    -- an amount, or per capita: rate (fen) x the population of the units in the pool's scope
    SELECT p.pool_id, p.pool_ord,
           CASE WHEN p.per_capita IS NULL THEN dec_int(p.budget, 2, 'pool budget')
                ELSE dec_int(p.per_capita, 2, 'pool budget per_capita')
                     * (SELECT coalesce(sum(coalesce(u.population,
                                                      error('spec.sql: a unit in the scope of a per-capita pool has no population'))), 0)
                        FROM pool_unit pu JOIN units u ON u.unit_id = pu.unit_id WHERE pu.pool_id = p.pool_id)
           END AS fen
    FROM cfg_pool p
), t AS (
    SELECT w.*, b.pool_ord, b.fen, sum(w.c12) OVER (PARTITION BY w.pool_id) AS total
    FROM pool_w w JOIN b ON b.pool_id = w.pool_id
), f AS (
    SELECT *,
           CASE WHEN fen = 0 THEN 0
                WHEN total = 0 THEN error('spec.sql: pool ' || pool_id || ' has a budget but no corrected workload')
                ELSE (fen * c12) // total END AS fl,
           CASE WHEN fen = 0 OR total = 0 THEN 0 ELSE (fen * c12) % total END AS rem
    FROM t
), r AS (
    SELECT *,
           row_number() OVER (PARTITION BY pool_id ORDER BY rem DESC, unit_id) AS rk,
           fen - sum(fl) OVER (PARTITION BY pool_id) AS left_over
    FROM f
)
SELECT pool_ord, pool_id, unit_id, w4, q4, a4, c12, total, fen,
       fl + CASE WHEN rk <= left_over THEN 1 ELSE 0 END AS pay
FROM r;

CREATE OR REPLACE TEMP TABLE payout_check AS
SELECT pool_id,
       CASE WHEN sum(pay) <> any_value(fen) THEN error('spec.sql: pool ' || pool_id || ' pays ' || sum(pay)
                                                      || ' fen of ' || any_value(fen)) END AS chk
FROM payouts GROUP BY pool_id;

COPY (
    SELECT pool_id, unit_id, fmt_dec(w4, 4) AS audited_workload, fmt_dec(q4, 4) AS quality,
           fmt_dec(a4, 4) AS adjustment,
           fmt_dec(div_half_up(c12, pow10(8)), 4) AS corrected_workload,
           fmt_dec(CASE WHEN total = 0 THEN 0 ELSE div_half_up(c12 * pow10(8), total) END, 8) AS weight,
           fmt_dec(pay, 2) AS payout
    FROM payouts ORDER BY pool_ord, unit_id
) TO {{OUT_PAYOUTS}} (HEADER, DELIMITER ',');

-- accounting for the comparison with summary.json (one row)
SELECT (SELECT sum(n) FROM v_counts) AS rows_read,
       (SELECT count(*) FROM kept) AS rows_accepted,
       (SELECT coalesce(sum(n), 0) FROM v_counts WHERE reason = 'malformed') AS malformed,
       (SELECT coalesce(sum(n), 0) FROM v_counts WHERE reason = 'missing_field') AS missing_field,
       (SELECT coalesce(sum(n), 0) FROM v_counts WHERE reason = 'bad_quantity') AS bad_quantity,
       (SELECT coalesce(sum(n), 0) FROM v_counts WHERE reason = 'bad_date') AS bad_date,
       (SELECT coalesce(sum(n), 0) FROM v_counts WHERE reason = 'out_of_period') AS out_of_period,
       (SELECT coalesce(sum(n), 0) FROM v_counts WHERE reason = 'unknown_unit') AS unknown_unit,
       (SELECT coalesce(sum(n), 0) FROM v_counts WHERE reason = 'unknown_item') AS unknown_item,
       (SELECT coalesce(sum(n), 0) FROM v_counts WHERE reason = 'item_not_in_force') AS item_not_in_force,
       (SELECT sum(n) FROM v_counts WHERE reason IS NULL) - (SELECT count(*) FROM kept) AS duplicate_record_id,
       (SELECT count(*) FILTER (WHERE kept_day < q) FROM kept) AS over_patient_day_flags,
       (SELECT coalesce(sum(q - kept_day), 0) FROM kept) AS over_patient_day_qty,
       (SELECT count(*) FILTER (WHERE kept < kept_day) FROM kept) AS over_patient_period_flags,
       (SELECT coalesce(sum(kept_day - kept), 0) FROM kept) AS over_patient_period_qty,
       (SELECT coalesce(sum(n_rows), 0) FROM overload) AS staff_overload_flags,
       (SELECT CASE WHEN (SELECT staff_policy FROM cfg_scheme) = 'exclude' THEN coalesce(sum(kept_qty), 0) ELSE 0 END
        FROM overload) AS staff_overload_qty,
       (SELECT count(*) FROM payout_check) AS pools;
