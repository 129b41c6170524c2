// SPDX-License-Identifier: GPL-2.0
/* Long-lived x86 decoders (decoder.h). */
#include <errno.h>
#include <stdlib.h>

#include "../lib/err.h"
#include "decoder.h"
#include "vcpu.h"

#ifdef HAVE_CAPSTONE

enum { DEC_16, DEC_32, DEC_64, DEC_MODES };

struct decoder {
	csh h[DEC_MODES];
	int open[DEC_MODES];
	cs_insn *insn[DEC_MODES]; /* cs_malloc()'d: one per handle, reused by every decode */
};

struct decoder *decoder__new(void)
{
	struct decoder *d = calloc(1, sizeof(*d));

	if (!d)
		err__set(ENOMEM, "out of memory for the x86 decoder");
	return d;
}

void decoder__free(struct decoder *d)
{
	int m;

	if (!d)
		return;
	for (m = 0; m < DEC_MODES; m++) {
		if (!d->open[m])
			continue;
		cs_free(d->insn[m], 1);
		cs_close(&d->h[m]);
	}
	free(d);
}

static int mode_of(int bits)
{
	return bits == 64 ? DEC_64 : bits == 32 ? DEC_32 : DEC_16;
}

csh decoder__handle(struct decoder *d, int bits)
{
	static const cs_mode modes[DEC_MODES] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };
	int m = mode_of(bits);

	if (d->open[m])
		return d->h[m];
	if (cs_open(CS_ARCH_X86, modes[m], &d->h[m]) != CS_ERR_OK) {
		err__set(ENOMEM, "cannot open the capstone x86 decoder for %d-bit code", bits);
		return 0;
	}
	cs_option(d->h[m], CS_OPT_DETAIL, CS_OPT_ON);
	d->insn[m] = cs_malloc(d->h[m]);
	if (!d->insn[m]) {
		cs_close(&d->h[m]);
		err__set(ENOMEM, "out of memory for the x86 decoder");
		return 0;
	}
	d->open[m] = 1;
	return d->h[m];
}

const cs_insn *decoder__insn(struct decoder *d, int bits, const uint8_t *code, size_t len,
			     uint64_t addr)
{
	csh h = decoder__handle(d, bits);
	cs_insn *insn = d->insn[mode_of(bits)];

	if (!h || !cs_disasm_iter(h, &code, &len, &addr, insn))
		return NULL;
	return insn;
}

#else /* !HAVE_CAPSTONE */

struct decoder *decoder__new(void)
{
	err__set(EOPNOTSUPP, "this build has no x86 decoder: install libcapstone-dev and rebuild");
	return NULL;
}

void decoder__free(struct decoder *d)
{
	(void)d;
}

#endif

struct decoder *vcpu__decoder(struct vcpu *v)
{
	if (!v->decoder)
		v->decoder = decoder__new();
	return v->decoder;
}

void vcpu__decoder_put(struct vcpu *v)
{
	decoder__free(v->decoder);
	v->decoder = NULL;
}
