// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket's checkpoint and migrate commands (docs/checkpoint.md):
 *   checkpoint PATH [--stop]
 *   migrate HOST:PORT [--downtime-ms N] [--verify]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ckpt/ckpt.h"
#include "../core/vm.h"
#include "../lib/err.h"
#include "../lib/jsonc.h"
#include "control.h"
#include "control_priv.h"

int control__parse_checkpoint(struct control_req *req, char **words, int n)
{
	int i;

	if (n < 2 || words[1][0] != '/')
		return err__set(EINVAL, "checkpoint needs the absolute path of the file to write "
					"first: checkpoint /path/to/file [--stop]");
	if (strlen(words[1]) >= sizeof(req->path))
		return err__set(EINVAL, "checkpoint: the path is too long");
	snprintf(req->path, sizeof(req->path), "%s", words[1]);
	for (i = 2; i < n; i++) {
		if (strcmp(words[i], "--stop"))
			return err__set(EINVAL, "checkpoint: unknown option '%.32s'; only --stop",
					words[i]);
		req->stop = 1;
	}
	return 0;
}

int control__exec_checkpoint(struct control_ctx *x, const struct control_req *req)
{
	struct vm *vm = x->vm;
	struct ckpt_result res;
	struct json_object *o;
	char id[32];
	int ret = ckpt__checkpoint(vm, req->path, req->stop, vm->mem.size >= (256ull << 20), &res),
	    bad;

	if (ret)
		return ret;
	snprintf(id, sizeof(id), "%016" PRIx64, res.id);
	o = control__reply_new("checkpoint");
	bad = !o || jsonc__add(o, "file", json_object_new_string(req->path)) ||
	      jsonc__add(o, "id", json_object_new_string(id)) ||
	      jsonc__add(o, "file_bytes", json_object_new_uint64(res.file_bytes)) ||
	      jsonc__add(o, "disk_bytes", json_object_new_uint64(res.disk_bytes)) ||
	      jsonc__add(o, "state_bytes", json_object_new_uint64(res.state_bytes)) ||
	      jsonc__add(o, "mem_bytes", json_object_new_uint64(res.mem_bytes)) ||
	      jsonc__add(o, "paused_ns", json_object_new_uint64(res.ns)) ||
	      jsonc__add(o, "console_bytes", json_object_new_uint64(res.console_bytes)) ||
	      jsonc__add(o, "stopped", json_object_new_boolean(req->stop));
	return control__reply_put(x->out, jsonc__keep(o, bad));
}

int control__parse_migrate(struct control_req *req, char **words, int n)
{
	char *end;
	int i;

	if (n < 2 || !strchr(words[1], ':'))
		return err__set(EINVAL, "migrate needs where to first: migrate HOST:PORT "
					"[--downtime-ms N] [--verify]");
	if (strlen(words[1]) >= sizeof(req->path))
		return err__set(EINVAL, "migrate: the address is too long");
	snprintf(req->path, sizeof(req->path), "%s", words[1]);
	req->downtime_ms = 10;
	for (i = 2; i < n; i++) {
		if (!strcmp(words[i], "--verify")) {
			req->verify = 1;
			continue;
		}
		if (strcmp(words[i], "--downtime-ms") || i + 1 >= n)
			return err__set(EINVAL,
					"migrate: unknown option '%.32s'; options: "
					"--downtime-ms N, --verify",
					words[i]);
		req->downtime_ms = (unsigned int)strtoul(words[++i], &end, 10);
		if (*end || !req->downtime_ms || req->downtime_ms > 600000)
			return err__set(EINVAL,
					"migrate: --downtime-ms '%.32s': give 1 to 600000 "
					"milliseconds",
					words[i]);
	}
	return 0;
}

int control__exec_migrate(struct control_ctx *x, const struct control_req *req)
{
	struct ckpt_migrate_opts o = { .addr = req->path,
				       .downtime_ms = req->downtime_ms,
				       .verify = req->verify,
				       .progress = 1 };
	struct ckpt_migrate_result res;
	struct json_object *j;
	char id[32];
	int ret = ckpt__migrate(x->vm, &o, &res), bad;

	if (ret)
		return ret;
	snprintf(id, sizeof(id), "%016" PRIx64, res.id);
	j = control__reply_new("migrate");
	bad = !j || jsonc__add(j, "to", json_object_new_string(req->path)) ||
	      jsonc__add(j, "id", json_object_new_string(id)) ||
	      jsonc__add(j, "rounds", json_object_new_uint64(res.rounds)) ||
	      jsonc__add(j, "pages", json_object_new_uint64(res.pages)) ||
	      jsonc__add(j, "bytes", json_object_new_uint64(res.bytes)) ||
	      jsonc__add(j, "last_pages", json_object_new_uint64(res.last_pages)) ||
	      jsonc__add(j, "expected_downtime_ns", json_object_new_uint64(res.expected_ns)) ||
	      jsonc__add(j, "downtime_ns", json_object_new_uint64(res.downtime_ns)) ||
	      jsonc__add(j, "total_ns", json_object_new_uint64(res.total_ns));
	return control__reply_put(x->out, jsonc__keep(j, bad));
}
