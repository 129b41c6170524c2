// SPDX-License-Identifier: GPL-2.0
/* The control socket's checkpoint command: checkpoint PATH [--stop] (docs/checkpoint.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../ckpt/ckpt.h"
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

int control__exec_checkpoint(struct cbuf *b, struct vm *vm, const struct control_req *req)
{
	struct ckpt_result res;
	struct json_object *o;
	char id[32];
	int ret = ckpt__checkpoint(vm, req->path, req->stop, 0, &res), bad;

	if (ret)
		return ret;
	snprintf(id, sizeof(id), "%016" PRIx64, res.id);
	o = control__reply_new("checkpoint");
	bad = !o || jsonc__add(o, "file", json_object_new_string(req->path)) ||
	      jsonc__add(o, "id", json_object_new_string(id)) ||
	      jsonc__add(o, "file_bytes", json_object_new_uint64(res.file_bytes)) ||
	      jsonc__add(o, "state_bytes", json_object_new_uint64(res.state_bytes)) ||
	      jsonc__add(o, "mem_bytes", json_object_new_uint64(res.mem_bytes)) ||
	      jsonc__add(o, "paused_ns", json_object_new_uint64(res.ns)) ||
	      jsonc__add(o, "console_bytes", json_object_new_uint64(res.console_bytes)) ||
	      jsonc__add(o, "stopped", json_object_new_boolean(req->stop));
	return control__reply_put(b, jsonc__keep(o, bad));
}
