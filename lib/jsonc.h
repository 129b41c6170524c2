/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers over json-c for vmscope's JSON (control socket replies, `report --json`):
 * parse one object with an error that names the byte and what json-c expected there, read a
 * member with a default, add a member with one check for running out of memory.
 */
#ifndef VMSCOPE_JSONC_H
#define VMSCOPE_JSONC_H

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "err.h"

/* Compact, one line, and '/' written as itself (as every vmscope version wrote it). */
#define JSONC_COMPACT (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
/* Deeper nesting is refused (vmscope's own JSON nests four levels). */
#define JSONC_MAX_DEPTH 64

/*
 * Parse text (NUL-terminated) holding one JSON object, whitespace around it allowed.
 * Returns the object (json_object_put() it), or NULL with errno set (EINVAL, ENOMEM) and a
 * message: "<what> is not JSON: at byte N: <what json-c expected>[; <fix>]" (fix: NULL).
 */
static inline struct json_object *jsonc__parse(const char *text, const char *what, const char *fix)
{
	struct json_tokener *tok = json_tokener_new_ex(JSONC_MAX_DEPTH);
	size_t len = strlen(text), at;
	enum json_tokener_error e;
	struct json_object *o;

	if (!tok || len >= INT_MAX) {
		errno = -err__set(tok ? EINVAL : ENOMEM, "%s: %s", what,
				  tok ? "too long to read" : "out of memory");
		if (tok)
			json_tokener_free(tok);
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* The NUL is passed too: it ends a number at the very end of the text. */
	o = json_tokener_parse_ex(tok, text, (int)len + 1);
	e = json_tokener_get_error(tok);
	at = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (e == json_tokener_success && json_object_is_type(o, json_type_object))
		return o;
	if (e != json_tokener_success)
		err__set(EINVAL, "%s is not JSON: at byte %zu: %s%s%s", what, at < len ? at : len,
			 json_tokener_error_desc(e), fix ? "; " : "", fix ? fix : "");
	else
		err__set(EINVAL, "%s is JSON of type %s, not an object%s%s", what,
			 json_type_to_name(json_object_get_type(o)), fix ? "; " : "",
			 fix ? fix : "");
	json_object_put(o);
	errno = EINVAL;
	return NULL;
}

/* Member key of o (key NULL: o itself) if it is an integer >= 0, else dflt. */
static inline uint64_t jsonc__u64(struct json_object *o, const char *key, uint64_t dflt)
{
	struct json_object *v = key ? json_object_object_get(o, key) : o;

	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return dflt;
	return json_object_get_uint64(v);
}

/* Member key of o (key NULL: o itself) if it is a string, else NULL. */
static inline const char *jsonc__str(struct json_object *o, const char *key)
{
	struct json_object *v = key ? json_object_object_get(o, key) : o;

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/*
 * Add v to object o under key, or append it to array o (key NULL).  v NULL (its constructor
 * failed) or a failed add: v is released and -ENOMEM returned; else 0.
 */
static inline int jsonc__add(struct json_object *o, const char *key, struct json_object *v)
{
	int ret;

	if (!v)
		return -ENOMEM;
	ret = key ? json_object_object_add(o, key, v) : json_object_array_add(o, v);
	if (ret) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* o when bad is 0; else o is released (NULL allowed) and NULL returned. */
static inline struct json_object *jsonc__keep(struct json_object *o, int bad)
{
	if (!bad)
		return o;
	json_object_put(o);
	return NULL;
}

/* A number written with exactly decimals digits after the point ("50.5" for 1). */
static inline struct json_object *jsonc__fixed(double v, int decimals)
{
	char s[64];

	snprintf(s, sizeof(s), "%.*f", decimals, v);
	return json_object_new_double_s(v, s);
}

#endif
