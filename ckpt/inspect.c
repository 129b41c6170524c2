// SPDX-License-Identifier: GPL-2.0
/* `vmscope inspect FILE`: what a checkpoint holds, section by section, each one checked. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/err.h"
#include "../lib/jsonc.h"
#include "ckpt.h"
#include "ckpt_int.h"

/* One section's records as "name (size)" words, into a JSON array too when arr. */
static int list_records(const struct ckpt_file *f, const struct ckpt_entry *e, FILE *out,
			struct json_object *arr)
{
	char tag[CKPT_TAG_LEN + 1];
	struct ckpt_rec r;
	uint64_t pos = 0;
	void *buf;
	int ret = ckpt_f_load(f, e, &buf);

	if (ret)
		return ret;
	ckpt_tag(e, tag);
	while ((ret = ckpt_rec_next(e, buf, &pos, &r)) > 0) {
		const char *name = ckpt__rec_name(tag, r.kind);

		if (out)
			fprintf(out, " %s(%u)", name, r.size);
		if (arr) {
			struct json_object *o = json_object_new_object();

			jsonc__add(o, "name", json_object_new_string(name));
			jsonc__add(o, "kind", json_object_new_int64(r.kind));
			jsonc__add(o, "bytes", json_object_new_int64(r.size));
			json_object_array_add(arr, o);
		}
	}
	free(buf);
	return ret;
}

static void print_config(const struct ckpt_config *c, const struct ckpt_file *f, FILE *out)
{
	char when[64];
	time_t t = (time_t)(f->hdr.created_ns / 1000000000ull);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
	fprintf(out,
		"Checkpoint %s: format version %u, %" PRIu64 " bytes, taken %s by vmscope %s\n",
		f->path, f->hdr.version, f->size, when, c->version[0] ? c->version : "?");
	fprintf(out, "  VM: %" PRIu64 " MiB RAM, %d vCPUs, %s, guest %s%s%s%s\n", c->mem_size >> 20,
		c->nr_vcpus, c->has_irqchip ? "in-kernel irqchip" : "no irqchip",
		c->guest[0] ? c->guest : "built-in kernel", c->guest_cmd[0] ? " (command \"" : "",
		c->guest_cmd, c->guest_cmd[0] ? "\")" : "");
	fprintf(out, "  id %016" PRIx64 ", console output before it: %" PRIu64 " bytes\n", c->id,
		c->console_bytes);
	fprintf(out, "\n  %-8s %5s %12s %12s  %-6s %s\n", "section", "index", "offset", "bytes",
		"check", "records");
}

static struct json_object *config_json(const struct ckpt_config *c, const struct ckpt_file *f)
{
	struct json_object *o = json_object_new_object();
	char id[32];

	snprintf(id, sizeof(id), "%016" PRIx64, c->id);
	jsonc__add(o, "file", json_object_new_string(f->path));
	jsonc__add(o, "format_version", json_object_new_int64(f->hdr.version));
	jsonc__add(o, "bytes", json_object_new_int64((int64_t)f->size));
	jsonc__add(o, "created_ns", json_object_new_int64((int64_t)f->hdr.created_ns));
	jsonc__add(o, "vmscope_version", json_object_new_string(c->version));
	jsonc__add(o, "mem_bytes", json_object_new_int64((int64_t)c->mem_size));
	jsonc__add(o, "vcpus", json_object_new_int64(c->nr_vcpus));
	jsonc__add(o, "irqchip", json_object_new_boolean(c->has_irqchip));
	jsonc__add(o, "guest", json_object_new_string(c->guest));
	jsonc__add(o, "guest_cmd", json_object_new_string(c->guest_cmd));
	jsonc__add(o, "id", json_object_new_string(id));
	jsonc__add(o, "console_bytes", json_object_new_int64((int64_t)c->console_bytes));
	return o;
}

/* Every section: its place, its check (memory: only with verify), its records. */
static int list_sections(const struct ckpt_file *f, int verify, FILE *out, struct json_object *arr)
{
	char tag[CKPT_TAG_LEN + 1];
	int bad = 0, ret;
	uint32_t i;

	for (i = 0; i < f->hdr.nr_sections; i++) {
		const struct ckpt_entry *e = &f->entries[i];
		struct json_object *o = arr ? json_object_new_object() : NULL;
		struct json_object *recs = arr ? json_object_new_array() : NULL;
		const char *check;

		ckpt_tag(e, tag);
		if (out)
			fprintf(out, "  %-8s %5u %12" PRIu64 " %12" PRIu64 "  ", tag, e->index,
				e->offset, e->size);
		if (e->flags & CKPT_SF_CHUNKED) {
			ret = verify ? ckpt_f_verify_memory(f, NULL) : 0;
			check = !verify ? "memsum" : ret ? "BAD" : "ok";
			if (out)
				fprintf(out, "%-6s %s", check,
					verify ? "(every MiB checked)" : "(checked with --verify)");
		} else if (e->flags & CKPT_SF_RAW) {
			void *buf;

			ret = ckpt_f_load(f, e, &buf);
			free(buf);
			check = ret ? "BAD" : "ok";
			if (out)
				fprintf(out, "%-6s (%" PRIu64 " bytes of data)", check, e->size);
		} else {
			ret = list_records(f, e, NULL, NULL);
			check = ret ? "BAD" : "ok";
			if (out)
				fprintf(out, "%-6s", check);
			if (!ret)
				list_records(f, e, out, recs);
		}
		if (out)
			fprintf(out, "\n");
		if (ret) {
			bad = ret;
			if (out)
				fprintf(out, "    %s\n", err__msg(ret));
		}
		if (o) {
			jsonc__add(o, "tag", json_object_new_string(tag));
			jsonc__add(o, "index", json_object_new_int64(e->index));
			jsonc__add(o, "version", json_object_new_int64(e->version));
			jsonc__add(o, "offset", json_object_new_int64((int64_t)e->offset));
			jsonc__add(o, "bytes", json_object_new_int64((int64_t)e->size));
			jsonc__add(o, "check", json_object_new_string(check));
			if (ret)
				jsonc__add(o, "error", json_object_new_string(err__msg(ret)));
			jsonc__add(o, "records", recs);
			json_object_array_add(arr, o);
		} else {
			json_object_put(recs);
		}
	}
	return bad;
}

int ckpt__inspect(const char *path, int verify, int json, FILE *out)
{
	struct json_object *root = NULL, *arr = NULL;
	struct ckpt_image *img;
	int ret = ckpt__open(path, &img), bad;

	if (ret)
		return ret;
	if (json) {
		root = config_json(ckpt__config(img), ckpt__file(img));
		arr = json_object_new_array();
	} else {
		print_config(ckpt__config(img), ckpt__file(img), out);
	}
	bad = list_sections(ckpt__file(img), verify, json ? NULL : out, arr);
	if (json) {
		jsonc__add(root, "sections", arr);
		jsonc__add(root, "ok", json_object_new_boolean(!bad));
		fprintf(out, "%s\n", json_object_to_json_string_ext(root, JSONC_COMPACT));
		json_object_put(root);
	}
	ckpt__close(img);
	if (bad)
		return err__set(EBADMSG, "%s: a section failed its check (above)", path);
	return 0;
}
