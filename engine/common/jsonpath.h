/*
 * File paths in JSON, losslessly.  A path is bytes; JSON strings are
 * UTF-8.  A path that is valid UTF-8 is stored as a plain string under
 * KEY.  Otherwise (a GBK folder name from a Windows zip, say) KEY holds a
 * readable form with each undecodable byte as \xNN, and KEY_hex holds
 * every byte of the path in hex, which readers prefer.
 */
#ifndef DG_JSONPATH_H
#define DG_JSONPATH_H

#include <jansson.h>

/* Set obj[key] (and obj[key_hex] when needed) from path. */
void dg_json_path_set(json_t *obj, const char *key, const char *path);

/* The path stored by dg_json_path_set, malloc'd; NULL when absent or damaged. */
char *dg_json_path_get(json_t *obj, const char *key);

#endif
