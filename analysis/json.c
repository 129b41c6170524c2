// SPDX-License-Identifier: GPL-2.0
/*
 * A recursive-descent JSON reader.  Errors name the byte offset and what was expected.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/err.h"
#include "json.h"

struct jp {
	const char *s;
	size_t len, pos;
	int depth;
};

static int jp_error(struct jp *p, const char *what)
{
	return err__set(EINVAL, "invalid JSON at offset %zu: %s", p->pos, what);
}

static void skip_ws(struct jp *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) && p->s[p->pos])
		p->pos++;
}

static int peek(struct jp *p)
{
	skip_ws(p);
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int literal(struct jp *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
		return jp_error(p, "expected true, false or null");
	p->pos += n;
	return 0;
}

static int hex4(struct jp *p, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++, p->pos++) {
		char c = p->pos < p->len ? p->s[p->pos] : 0;

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			*v |= (c | 0x20) - 'a' + 10;
		else
			return jp_error(p, "bad \\u escape");
	}
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | cp >> 6;
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | cp >> 12;
		o[1] = 0x80 | ((cp >> 6) & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | cp >> 18;
	o[1] = 0x80 | ((cp >> 12) & 0x3f);
	o[2] = 0x80 | ((cp >> 6) & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

static int unicode_escape(struct jp *p, char *o, size_t *n)
{
	unsigned cp, lo;

	if (hex4(p, &cp))
		return -EINVAL;
	if (cp >= 0xd800 && cp < 0xdc00) {
		if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
			return jp_error(p, "unpaired surrogate");
		p->pos += 2;
		if (hex4(p, &lo))
			return -EINVAL;
		if (lo < 0xdc00 || lo > 0xdfff)
			return jp_error(p, "unpaired surrogate");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	} else if (cp >= 0xdc00 && cp <= 0xdfff) {
		return jp_error(p, "unpaired surrogate");
	}
	*n += put_utf8(o + *n, cp);
	return 0;
}

static int escape(struct jp *p, char *o, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	char c;

	if (p->pos >= p->len)
		return jp_error(p, "unterminated string");
	c = p->s[p->pos++];
	if (c == 'u')
		return unicode_escape(p, o, n);
	e = c ? strchr(from, c) : NULL;
	if (!e)
		return jp_error(p, "bad escape");
	o[(*n)++] = to[e - from];
	return 0;
}

/* At the opening quote; returns a malloc'd decoded string. */
static char *string(struct jp *p)
{
	size_t end = p->pos + 1, n = 0;
	char *o;

	/* Decoding never lengthens a string (\uXXXX is 6 bytes for at most 4): size it first. */
	while (end < p->len && p->s[end] != '"')
		end += p->s[end] == '\\' ? 2 : 1;
	o = malloc(end - p->pos + 4);

	if (!o)
		return NULL;
	p->pos++;
	while (p->pos < p->len && p->s[p->pos] != '"') {
		unsigned char c = p->s[p->pos++];

		if (c < 0x20) {
			p->pos--;
			jp_error(p, "control character in a string");
			goto bad;
		}
		if (c != '\\')
			o[n++] = c;
		else if (escape(p, o, &n))
			goto bad;
	}
	if (p->pos >= p->len) {
		jp_error(p, "unterminated string");
		goto bad;
	}
	p->pos++;
	o[n] = '\0';
	return o;
bad:
	free(o);
	return NULL;
}

static size_t digits(struct jp *p)
{
	size_t start = p->pos;

	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
		p->pos++;
	return p->pos - start;
}

static int number(struct jp *p, struct json *j)
{
	size_t start = p->pos, nd;
	char buf[64];

	if (p->s[p->pos] == '-')
		p->pos++;
	nd = digits(p);
	if (!nd || (nd > 1 && p->s[p->pos - nd] == '0'))
		return jp_error(p, "bad number");
	j->is_u64 = p->s[start] != '-';
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		j->is_u64 = 0;
		if (!digits(p))
			return jp_error(p, "bad fraction");
	}
	if (p->pos < p->len && (p->s[p->pos] | 0x20) == 'e') {
		p->pos++;
		j->is_u64 = 0;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (!digits(p))
			return jp_error(p, "bad exponent");
	}
	if (p->pos - start >= sizeof(buf))
		return jp_error(p, "number too long");
	memcpy(buf, p->s + start, p->pos - start);
	buf[p->pos - start] = '\0';
	j->type = JSON_NUM;
	j->num = strtod(buf, NULL);
	errno = 0;
	if (j->is_u64)
		j->u64 = strtoull(buf, NULL, 10);
	if (errno)
		j->is_u64 = 0;
	return 0;
}

static struct json *value(struct jp *p);

static void append(struct json *parent, struct json **tail, struct json *child)
{
	if (*tail)
		(*tail)->next = child;
	else
		parent->child = child;
	*tail = child;
	parent->n++;
}

static int member(struct jp *p, struct json *obj, struct json **tail)
{
	struct json *v;
	char *key;

	if (peek(p) != '"')
		return jp_error(p, "expected a member name");
	key = string(p);
	if (!key)
		return -EINVAL;
	if (peek(p) != ':') {
		free(key);
		return jp_error(p, "expected ':'");
	}
	p->pos++;
	v = value(p);
	if (!v) {
		free(key);
		return -EINVAL;
	}
	v->key = key;
	append(obj, tail, v);
	return 0;
}

/* An array or object; at its opening bracket. */
static int container(struct jp *p, struct json *j, char close)
{
	struct json *tail = NULL, *v;
	int c;

	j->type = close == ']' ? JSON_ARR : JSON_OBJ;
	p->pos++;
	if (peek(p) == close) {
		p->pos++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (member(p, j, &tail))
				return -EINVAL;
		} else {
			v = value(p);
			if (!v)
				return -EINVAL;
			append(j, &tail, v);
		}
		c = peek(p);
		p->pos++;
		if (c == close)
			return 0;
		if (c != ',') {
			p->pos--;
			return jp_error(p, close == ']' ? "expected ',' or ']'"
							: "expected ',' or '}'");
		}
	}
}

static int value_into(struct jp *p, struct json *j)
{
	int c = peek(p);

	switch (c) {
	case '{':
	case '[':
		return container(p, j, c == '{' ? '}' : ']');
	case '"':
		j->type = JSON_STR;
		j->str = string(p);
		return j->str ? 0 : -EINVAL;
	case 't':
	case 'f':
		j->type = JSON_BOOL;
		j->boolean = c == 't';
		return literal(p, c == 't' ? "true" : "false");
	case 'n':
		return literal(p, "null");
	case -1:
		return jp_error(p, "unexpected end of input");
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return number(p, j);
		return jp_error(p, "unexpected character");
	}
}

static struct json *value(struct jp *p)
{
	struct json *j;

	if (++p->depth > JSON_MAX_DEPTH) {
		jp_error(p, "nested too deeply");
		return NULL;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		err__set(ENOMEM, "out of memory parsing JSON");
		return NULL;
	}
	if (value_into(p, j)) {
		json__free(j);
		return NULL;
	}
	p->depth--;
	return j;
}

struct json *json__parse(const char *text, size_t len)
{
	struct jp p = { .s = text, .len = len };
	struct json *j = value(&p);

	if (j && peek(&p) != -1) {
		jp_error(&p, "trailing characters after the value");
		json__free(j);
		j = NULL;
	}
	if (!j)
		errno = EINVAL;
	return j;
}

void json__free(struct json *j)
{
	while (j) {
		struct json *next = j->next;

		json__free(j->child);
		free(j->str);
		free(j->key);
		free(j);
		j = next;
	}
}

const struct json *json__get(const struct json *j, const char *key)
{
	const struct json *c;

	if (!j || j->type != JSON_OBJ)
		return NULL;
	for (c = j->child; c; c = c->next)
		if (!strcmp(c->key, key))
			return c;
	return NULL;
}

const struct json *json__at(const struct json *j, size_t i)
{
	const struct json *c;

	if (!j || j->type != JSON_ARR)
		return NULL;
	for (c = j->child; c && i; c = c->next)
		i--;
	return c;
}

uint64_t json__u64(const struct json *j, uint64_t dflt)
{
	return j && j->type == JSON_NUM && j->is_u64 ? j->u64 : dflt;
}

const char *json__str(const struct json *j)
{
	return j && j->type == JSON_STR ? j->str : NULL;
}
