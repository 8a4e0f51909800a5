/*
 * Lossless paths in JSON (see jsonpath.h).
 */
#include "jsonpath.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "common/textutil.h"
#include "dangliang/common.h"

void dg_json_path_set(json_t *obj, const char *key, const char *path)
{
    size_t n = strlen(path);
    if (g_utf8_validate(path, (gssize)n, NULL)) {
        json_object_set_new(obj, key, json_string(path));
        return;
    }
    char *shown = dg_text_escape(path, n, false);
    json_object_set_new(obj, key, json_string(shown));
    free(shown);
    char *hex = dg_xmalloc(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)path[i]);
    char *hk = g_strconcat(key, "_hex", NULL);
    json_object_set_new(obj, hk, json_string(hex));
    g_free(hk);
    free(hex);
}

char *dg_json_path_get(json_t *obj, const char *key)
{
    if (!json_is_object(obj))
        return NULL;
    char *hk = g_strconcat(key, "_hex", NULL);
    json_t *h = json_object_get(obj, hk);
    g_free(hk);
    if (json_is_string(h)) {
        const char *x = json_string_value(h);
        size_t n = strlen(x);
        if (n % 2)
            return NULL;
        char *r = dg_xmalloc(n / 2 + 1);
        for (size_t i = 0; i < n / 2; i++) {
            int a = dg_hexval(x[2 * i]), b = dg_hexval(x[2 * i + 1]);
            if (a < 0 || b < 0 || (a == 0 && b == 0)) {
                free(r);
                return NULL;
            }
            r[i] = (char)(a << 4 | b);
        }
        r[n / 2] = 0;
        return r;
    }
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? dg_xstrdup(json_string_value(v)) : NULL;
}
