/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small JSON reader for the tools that consume vmscope's own JSON (control socket replies,
 * `report --json` in the tests): a tree of nodes, strict RFC 8259 syntax, bounded depth.
 */
#ifndef VMSCOPE_JSON_H
#define VMSCOPE_JSON_H

#include <stddef.h>
#include <stdint.h>

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUM,
	JSON_STR,
	JSON_ARR,
	JSON_OBJ,
};

struct json {
	enum json_type type;
	int boolean;
	double num;
	uint64_t u64; /* the number, when it is a non-negative integer (is_u64) */
	int is_u64;
	char *str; /* JSON_STR, decoded to UTF-8 */
	char *key; /* the member's name, inside an object */
	struct json *child; /* first element or member */
	struct json *next; /* next sibling */
	size_t n; /* number of children */
};

#define JSON_MAX_DEPTH 64

/*
 * Parse len bytes holding exactly one value (whitespace around it allowed).  Returns the
 * tree, or NULL with errno EINVAL and a message (err__msg) giving the offset and the problem.
 */
struct json *json__parse(const char *text, size_t len);
void json__free(struct json *j);

/* The member of an object called key, or NULL (also when j is NULL or not an object). */
const struct json *json__get(const struct json *j, const char *key);
/* Element i of an array, or NULL. */
const struct json *json__at(const struct json *j, size_t i);
/* The value if j is a non-negative integer, else dflt. */
uint64_t json__u64(const struct json *j, uint64_t dflt);
/* The string if j is a string, else NULL. */
const char *json__str(const struct json *j);

#endif
