// SPDX-License-Identifier: GPL-2.0
/*
 * The built-in guest kernel's programs (guests/user/programs.def), for `vmscope guests` and to
 * check `--guest-cmd` before the guest boots: a name the kernel has no program for would only
 * end as init's "exit 127" inside the guest.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/err.h"
#include "cli.h"

const struct guest_program guest_programs[] = {
#define PROGRAM(name, description) { #name, description },
#include "../guests/user/programs.def"
#undef PROGRAM
	{ NULL, NULL },
};

static int known(const char *name, size_t len)
{
	int i;

	for (i = 0; guest_programs[i].name; i++)
		if (strlen(guest_programs[i].name) == len &&
		    !strncmp(guest_programs[i].name, name, len))
			return 1;
	return 0;
}

/* Edit distance of a[0..la) and b (small strings: programs' names). */
static int distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b), i, j;
	int row[32], prev, tmp;

	if (la >= 31 || lb >= 31)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

/* The program whose name is nearest name (within 2 edits), or NULL. */
static const char *nearest(const char *name, size_t len)
{
	const char *best = NULL;
	int i, d, best_d = 3;

	for (i = 0; guest_programs[i].name; i++) {
		d = distance(name, len, guest_programs[i].name);
		if (d < best_d) {
			best_d = d;
			best = guest_programs[i].name;
		}
	}
	return best;
}

static int unknown(const char *name, size_t len)
{
	char list[256];
	const char *near = nearest(name, len);
	size_t off = 0;
	int i;

	list[0] = '\0';
	for (i = 0; guest_programs[i].name && off < sizeof(list) - 1; i++)
		off += snprintf(list + off, sizeof(list) - off, "%s%s", i ? " " : "",
				guest_programs[i].name);
	return err__set(EINVAL,
			"--guest-cmd: the built-in guest kernel has no program '%.*s'%s%s%s; "
			"its programs: %s ('vmscope guests' says what each does)",
			(int)len, name, near ? " (did you mean '" : "", near ? near : "",
			near ? "'?)" : "", list);
}

/* Skip the kernel's leading name=value words (as init does). */
static const char *skip_options(const char *s)
{
	const char *w;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		for (w = s; *w && !strchr(" \t=;&\n", *w); w++)
			;
		if (*w != '=')
			return s;
		while (*w && *w != ' ' && *w != '\t')
			w++;
		s = w;
	}
}

int guest_cmd__check(const char *cmd)
{
	const char *s = skip_options(cmd);
	size_t len;

	while (*s) {
		s += strspn(s, " \t;&\n");
		len = strcspn(s, " \t;&\n");
		/* A path names a file of the guest's own; a name is a program of /bin. */
		if (len && !memchr(s, '/', len) && !known(s, len))
			return unknown(s, len);
		s += len;
		s += strcspn(s, ";&\n"); /* its arguments */
	}
	return 0;
}
