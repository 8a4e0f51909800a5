/*
 * Small text helpers shared by the two JSON readers (the scheme loader and
 * the JSON Lines row parser): hex digits of \uXXXX escapes and UTF-8
 * encoding of a code point.
 */
#ifndef DG_TEXTUTIL_H
#define DG_TEXTUTIL_H

#include <stddef.h>

/* Value of a hex digit, or -1. */
static inline int dg_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Encode code point cp (<= 0x10FFFF, not a surrogate) as UTF-8 into o (>= 4 bytes); returns the length. */
static inline size_t dg_utf8_put(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

#endif
