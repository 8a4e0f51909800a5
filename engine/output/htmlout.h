/*
 * Building blocks of report.html: escaping of every string that comes from
 * the inputs, exact number formatting for people (thousands separators on
 * already exact decimal strings), and the page's inline stylesheet and
 * script.  Internal to engine/output.
 *
 * Escaping is the page's only defence against a unit named
 * `<script>alert(1)</script>`: text and attribute values go through
 * dg_html_text (all of & < > " ' become entities), data for the script goes
 * through dg_html_json_string (which also escapes < > & ' so no input can
 * close the <script> element), and the script itself only ever sets
 * textContent, never innerHTML.
 */
#ifndef DG_HTMLOUT_H
#define DG_HTMLOUT_H

#include <stdio.h>

#include "dangliang/common.h"

/* Write s HTML-escaped: & < > " ' as entities; C0 controls other than
 * TAB/LF/CR and DEL as U+FFFD.  Safe in text and in quoted attributes. */
void dg_html_text(FILE *fp, const char *s);
void dg_html_textn(FILE *fp, const char *s, size_t n);

/* Write s as a JSON string literal ("…") that is also safe inside an HTML
 * <script> element: " \ and controls escaped as JSON requires, and
 * < > & ' as \u003c \u003e \u0026 \u0027, U+2028/2029 as \u2028/\u2029. */
void dg_html_json_string(FILE *fp, const char *s);

/* Byte length of the first max_chars UTF-8 code points of s (never cuts a
 * sequence); *cut is set when s is longer. */
size_t dg_html_utf8_prefix(const char *s, size_t max_chars, bool *cut);

/* Thousands separators on a plain decimal string: "-1234567.891" ->
 * "-1,234,567.891".  out >= 2 × strlen(in) + 1 bytes. */
void dg_html_group(const char *in, char *out);

/* Strip trailing fractional zeros (and a bare '.') from a decimal string in
 * place: "0.450000" -> "0.45", "2.000000" -> "2". */
void dg_html_trim_zeros(char *s);

/* The inline stylesheet and script, one line per element, NULL-terminated
 * (ISO C caps the length of one string literal).  Defined in html_assets.c. */
extern const char *const dg_html_css[];
extern const char *const dg_html_js[];

/* Write a NULL-terminated list of lines, each followed by '\n'. */
void dg_html_lines(FILE *fp, const char *const *lines);

#endif
