// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol's commands (commands.def): their names, parsing a request into a
 * control_req, and the replies that list or name them.  The handlers are elsewhere.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "../lib/err.h"
#include "../lib/jsonc.h"
#include "control.h"
#include "control_priv.h"

struct control_cmd_def {
	const char *name, *args;
	int (*parse)(struct control_req *req, char **words, int n);
};

#define CONTROL_CMD(id, name, args, parse, exec) [CONTROL_##id] = { #name, args, parse },
static const struct control_cmd_def cmds[] = {
#include "commands.def"
};
#undef CONTROL_CMD

/* "help, stats, ... subscribe [--json], ...": every command with its arguments. */
static const char *cmd_list(void)
{
	static char list[1024];
	size_t i, len = 0;

	if (list[0])
		return list;
	for (i = 0; i < CONTROL_NR_CMDS; i++)
		len += snprintf(list + len, sizeof(list) - len, "%s%s%s", i ? ", " : "",
				cmds[i].name, cmds[i].args);
	return list;
}

const char *control__cmd_name(enum control_cmd cmd)
{
	return (unsigned)cmd < CONTROL_NR_CMDS ? cmds[cmd].name : "?";
}

/* Refuse control characters and bytes outside ASCII: requests are short ASCII words. */
static int check_bytes(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = line[i];

		if ((c < 0x20 && c != '\t') || c > 0x7e)
			return err__set(EINVAL,
					"request has a byte 0x%02x at offset %zu; requests are "
					"ASCII words such as 'stats'",
					c, i);
	}
	return 0;
}

/* Split into at most max words (pointers into copy, which is modified).  -E2BIG if more. */
static int split_words(char *copy, char **words, int max)
{
	char *save = NULL, *w;
	int n = 0;

	for (w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -E2BIG;
		words[n++] = w;
	}
	return n;
}

static int lookup_cmd(const char *w, enum control_cmd *cmd)
{
	size_t i;

	for (i = 0; i < CONTROL_NR_CMDS; i++)
		if (!strcmp(w, cmds[i].name)) {
			*cmd = i;
			return 0;
		}
	return err__set(EINVAL, "unknown command '%.32s'; commands: %s", w, cmd_list());
}

int control__parse_none(struct control_req *req, char **words, int n)
{
	(void)req;
	return n == 1 ? 0
		      : err__set(EINVAL, "'%s' takes no arguments, got '%.32s'", words[0],
				 words[1]);
}

int control__parse_subscribe(struct control_req *req, char **words, int n)
{
	if (n == 1)
		return 0;
	if (n == 2 && !strcmp(words[1], "--json")) {
		req->json = 1;
		return 0;
	}
	return err__set(EINVAL, "subscribe takes only --json, got '%.32s'", words[1]);
}

int control__parse(const char *line, size_t len, struct control_req *req)
{
	char copy[CONTROL_LINE_MAX + 1], *words[CONTROL_MAX_WORDS];
	int n, ret;

	memset(req, 0, sizeof(*req));
	if (len && line[len - 1] == '\r')
		len--;
	if (len > CONTROL_LINE_MAX)
		return err__set(EINVAL, "request of %zu bytes refused; the limit is %d", len,
				CONTROL_LINE_MAX);
	ret = check_bytes(line, len);
	if (ret)
		return ret;
	memcpy(copy, line, len);
	copy[len] = '\0';
	n = split_words(copy, words, CONTROL_MAX_WORDS);
	if (n == -E2BIG)
		return err__set(EINVAL, "too many words in the request; commands: %s", cmd_list());
	if (n == 0)
		return err__set(EINVAL, "empty request; commands: %s", cmd_list());
	ret = lookup_cmd(words[0], &req->cmd);
	if (!ret)
		ret = cmds[req->cmd].parse(req, words, n);
	return ret;
}

static struct json_object *help_commands(void)
{
	struct json_object *a = json_object_new_array();
	size_t i;
	int bad = !a;

	for (i = 0; i < CONTROL_NR_CMDS && !bad; i++)
		bad = jsonc__add(a, NULL, json_object_new_string(cmds[i].name));
	return jsonc__keep(a, bad);
}

int control__reply_help(struct cbuf *b)
{
	struct json_object *o = control__reply_new("help");
	int bad = !o || jsonc__add(o, "commands", help_commands()) ||
		  jsonc__add(o, "doc", json_object_new_string("docs/live.md"));

	return control__reply_put(b, jsonc__keep(o, bad));
}

int control__reply_ok(struct cbuf *b, enum control_cmd cmd)
{
	return control__reply_put(b, control__reply_new(control__cmd_name(cmd)));
}
