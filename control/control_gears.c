// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket's GEARS commands (docs/live.md, docs/gears.md):
 *   syscalls [--add LIST] [--remove LIST]   change the capture's selection; reply: the
 *                                           selection and the capture's counters
 *   inject PATH [--entry OFF] [--arg N] [--cr3 X | --program NAME] [--vcpu N] [--timeout MS]
 *                                           run flat x86-64 code from PATH in the guest;
 *                                           reply: its result
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../abi/gears.h"
#include "../abi/layout.h"
#include "../gears/gears.h"
#include "../lib/err.h"
#include "../lib/jsonc.h"
#include "../lib/parse.h"
#include "control_priv.h"

#define INJECT_TIMEOUT_MS 1000

static int opt_value(char **words, int n, int i)
{
	if (i + 1 >= n)
		return err__set(EINVAL, "%s: '%s' needs a value", words[0], words[i]);
	return 0;
}

int control__parse_syscalls(struct control_req *req, char **words, int n)
{
	int i;

	for (i = 1; i < n; i += 2) {
		char *dst;

		if (!strcmp(words[i], "--add"))
			dst = req->add;
		else if (!strcmp(words[i], "--remove"))
			dst = req->remove;
		else
			return err__set(EINVAL,
					"syscalls takes --add LIST and --remove LIST, got "
					"'%.32s'",
					words[i]);
		if (opt_value(words, n, i))
			return -EINVAL;
		snprintf(dst, CONTROL_LINE_MAX + 1, "%s", words[i + 1]);
	}
	return 0;
}

static int parse_int_opt(const char *w, const char *v, int max, int *out)
{
	uint64_t x;

	if (parse__u64(v, w, &x))
		return -EINVAL;
	if (x > (uint64_t)max)
		return err__set(EINVAL, "%s %s: at most %d", w, v, max);
	*out = (int)x;
	return 0;
}

static int parse_inject_opt(struct control_req *req, const char *w, const char *v)
{
	if (!strcmp(w, "--entry"))
		return parse__u64(v, w, &req->entry);
	if (!strcmp(w, "--arg"))
		return parse__u64(v, w, &req->arg);
	if (!strcmp(w, "--cr3"))
		return parse__u64(v, w, &req->cr3);
	if (!strcmp(w, "--program")) {
		if (!*v || strlen(v) >= sizeof(req->program))
			return err__set(EINVAL,
					"--program '%.32s': a program name of 1 to %zu "
					"characters",
					v, sizeof(req->program) - 1);
		snprintf(req->program, sizeof(req->program), "%s", v);
		return 0;
	}
	if (!strcmp(w, "--vcpu"))
		return parse_int_opt(w, v, 1023, &req->vcpu);
	if (!strcmp(w, "--timeout"))
		return parse_int_opt(w, v, 60000, &req->timeout_ms);
	return err__set(EINVAL,
			"inject: unknown option '%.32s'; options: --entry OFF, --arg N, --cr3 X, "
			"--program NAME, --vcpu N, --timeout MS",
			w);
}

int control__parse_inject(struct control_req *req, char **words, int n)
{
	int i;

	if (n < 2 || words[1][0] != '/')
		return err__set(EINVAL, "inject needs the absolute path of a file of code first: "
					"inject /path/to/code.bin [options]");
	snprintf(req->path, sizeof(req->path), "%s", words[1]);
	req->timeout_ms = INJECT_TIMEOUT_MS;
	for (i = 2; i < n; i += 2)
		if (opt_value(words, n, i) || parse_inject_opt(req, words[i], words[i + 1]))
			return -EINVAL;
	return 0;
}

static int reply_syscalls(struct cbuf *b, struct vm *vm)
{
	struct json_object *o = control__reply_new("syscalls");
	struct gears_stats st;
	char sel[4096];
	int bad;

	gears__selection(vm, sel, sizeof(sel));
	gears__stats(vm, &st);
	bad = !o || jsonc__add(o, "selection", json_object_new_string(sel)) ||
	      jsonc__add(o, "mechanism", json_object_new_string(gears__mechanism(vm))) ||
	      jsonc__add(o, "completed", json_object_new_uint64(st.completed)) ||
	      jsonc__add(o, "entry_exits", json_object_new_uint64(st.entry_exits)) ||
	      jsonc__add(o, "unselected_exits", json_object_new_uint64(st.unselected_exits)) ||
	      jsonc__add(o, "captured", json_object_new_uint64(st.entries)) ||
	      jsonc__add(o, "returns", json_object_new_uint64(st.returns)) ||
	      jsonc__add(o, "untracked", json_object_new_uint64(st.untracked)) ||
	      jsonc__add(o, "no_room", json_object_new_uint64(st.no_room)) ||
	      jsonc__add(o, "pending", json_object_new_uint64(st.pending));
	return control__reply_put(b, jsonc__keep(o, bad));
}

/* The file's bytes (malloc'd): a regular file of flat code, not an ELF object. */
static int read_code(const char *path, void **code, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	ssize_t got;
	char *buf;

	if (fd < 0)
		return err__set(errno, "inject: cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 1 ||
	    (uint64_t)st.st_size > GEARS_CODE_MAX) {
		close(fd);
		return err__set(EINVAL, "inject: %s must be a regular file of 1 to %llu bytes",
				path, (unsigned long long)GEARS_CODE_MAX);
	}
	buf = malloc(st.st_size);
	got = buf ? read(fd, buf, st.st_size) : -1;
	close(fd);
	if (got != st.st_size) {
		free(buf);
		return err__set(EIO, "inject: cannot read %s", path);
	}
	if (got >= 4 && !memcmp(buf, "\177ELF", 4)) {
		free(buf);
		return err__set(EINVAL,
				"inject: %s is an ELF file; inject takes flat code: "
				"objcopy -O binary -j .text FILE.o FILE.bin",
				path);
	}
	*code = buf;
	*len = got;
	return 0;
}

int control__exec_inject(struct control_ctx *x, const struct control_req *req)
{
	struct cbuf *b = x->out;
	struct vm *vm = x->vm;
	struct gears_call c = { .entry = req->entry,
				.arg = req->arg,
				.cr3 = req->cr3,
				.program = req->program[0] ? req->program : NULL,
				.vcpu = req->vcpu,
				.timeout_ms = req->timeout_ms };
	struct gears_call_result r;
	struct json_object *o;
	char hex[32], cr3[32];
	void *code = NULL;
	int ret, bad;

	ret = read_code(req->path, &code, &c.len);
	if (ret)
		return ret;
	c.code = code;
	ret = gears__call(vm, &c, &r);
	free(code);
	if (ret)
		return ret;
	snprintf(hex, sizeof(hex), "0x%" PRIx64, r.value);
	snprintf(cr3, sizeof(cr3), "0x%" PRIx64, r.cr3);
	o = control__reply_new("inject");
	bad = !o || jsonc__add(o, "value", json_object_new_uint64(r.value)) ||
	      jsonc__add(o, "hex", json_object_new_string(hex)) ||
	      jsonc__add(o, "vcpu", json_object_new_int(req->vcpu)) ||
	      jsonc__add(o, "cr3", json_object_new_string(cr3)) ||
	      jsonc__add(o, "pid", json_object_new_int(r.pid)) ||
	      jsonc__add(o, "exits", json_object_new_uint64(r.exits)) ||
	      jsonc__add(o, "ns", json_object_new_uint64(r.ns));
	return control__reply_put(b, jsonc__keep(o, bad));
}

int control__exec_syscalls(struct control_ctx *x, const struct control_req *req)
{
	struct vm *vm = x->vm;
	int ret;

	if (req->add[0] || req->remove[0]) {
		ret = gears__select(vm, req->add, req->remove);
		if (ret)
			return ret;
	} else if (!gears__capturing(vm)) {
		return err__set(ENOENT, "system-call capture is off in this VM; start it with "
					"vmscope run --syscalls LIST");
	}
	return reply_syscalls(x->out, vm);
}
