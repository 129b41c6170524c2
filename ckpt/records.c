// SPDX-License-Identifier: GPL-2.0
/* The sections and records of records.def by name (inspect, restore's messages). */
#include <stddef.h>
#include <string.h>

#include "../core/devices.h"
#include "../core/feature.h"
#include "ckpt_int.h"

struct rec_name {
	const char *tag;
	uint32_t kind;
	const char *name;
};

#define CKPT_SECTION(tag)
#define CKPT_REC(tag, kind, value, name) { #tag, kind, #name },
static const struct rec_name rec_names[] = {
#include "records.def"
};
#undef CKPT_SECTION
#undef CKPT_REC

#define CKPT_SECTION(tag) #tag,
#define CKPT_REC(tag, kind, value, name)
static const char *const sections[] = {
#include "records.def"
};
#undef CKPT_SECTION
#undef CKPT_REC

const char *ckpt__rec_name(const char *tag, uint32_t kind)
{
	size_t i;

	if (!strcmp(tag, "devices"))
		return devices__record_name(kind);
	if (feature__find(tag))
		tag = "feature";
	for (i = 0; i < sizeof(rec_names) / sizeof(rec_names[0]); i++)
		if (rec_names[i].kind == kind && !strcmp(rec_names[i].tag, tag))
			return rec_names[i].name;
	return "?";
}

int ckpt__known_section(const char *tag)
{
	size_t i;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (!strcmp(tag, sections[i]))
			return 1;
	return feature__find(tag) != NULL;
}
