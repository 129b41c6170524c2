// SPDX-License-Identifier: GPL-2.0
/*
 * The RTM instructions' encodings (rtme.h), decoded without a general decoder: RTME finds
 * them in code it is about to run, where capstone's view of prefixes on them is not what the
 * SDM's pages say (an operand-size prefix selects XBEGIN's rel16; 66/F2/F3 on XEND and XTEST
 * make them #UD).
 */
#include <errno.h>
#include <string.h>

#include "rtme.h"

/* Legacy prefixes and a REX: how many, and which of LOCK, 66, F2/F3 were there. */
static size_t prefixes(const uint8_t *b, size_t len, struct rtm_insn *i, int *opsize)
{
	size_t n = 0;

	for (; n < len && n < 14; n++) {
		switch (b[n]) {
		case 0xf0:
			i->lock = 1;
			continue;
		case 0x66:
			*opsize = 1;
			i->bad_prefix = 1;
			continue;
		case 0xf2:
		case 0xf3:
			i->bad_prefix = 1;
			continue;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
		case 0x64:
		case 0x65:
		case 0x67:
			continue;
		}
		break;
	}
	if (n < len && (b[n] & 0xf0) == 0x40)
		n++; /* REX: it does not widen XBEGIN's immediate */
	return n;
}

static int64_t sext(const uint8_t *p, int bytes)
{
	if (bytes == 2)
		return (int16_t)(p[0] | p[1] << 8);
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

int rtm__decode(const uint8_t *bytes, size_t len, struct rtm_insn *i)
{
	int opsize = 0, imm;
	size_t n;

	memset(i, 0, sizeof(*i));
	n = prefixes(bytes, len, i, &opsize);
	if (n + 2 > len) /* the opcode cut short: RTM's, if its first byte may start one */
		return n < len && (bytes[n] == 0xc7 || bytes[n] == 0xc6 || bytes[n] == 0x0f)
			       ? -EINVAL
			       : 0;
	if (bytes[n] == 0xc7 && bytes[n + 1] == 0xf8) {
		imm = opsize ? 2 : 4;
		if (n + 2 + imm > len)
			return -EINVAL;
		i->op = RTM_OP_XBEGIN;
		i->rel = sext(bytes + n + 2, imm);
		i->len = (int)(n + 2 + imm);
		i->bad_prefix = 0; /* 66 is its rel16 form; F2/F3 are ignored there */
		return 1;
	}
	if (bytes[n] == 0xc6 && bytes[n + 1] == 0xf8) {
		if (n + 3 > len)
			return -EINVAL;
		i->op = RTM_OP_XABORT;
		i->imm = bytes[n + 2];
		i->len = (int)(n + 3);
		i->bad_prefix = 0;
		return 1;
	}
	if (bytes[n] == 0x0f && bytes[n + 1] == 0x01) {
		if (n + 3 > len)
			return -EINVAL;
		if (bytes[n + 2] != 0xd5 && bytes[n + 2] != 0xd6)
			return 0;
		i->op = bytes[n + 2] == 0xd5 ? RTM_OP_XEND : RTM_OP_XTEST;
		i->len = (int)(n + 3);
		return 1;
	}
	return 0;
}
