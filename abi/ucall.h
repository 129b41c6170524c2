/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ucall: how a guest talks to the VMM (the KVM selftests' shape).  The guest fills a struct
 * ucall in its own memory and passes its guest-virtual address, at ring 0 by a 32-bit OUT to
 * PORT_HYPERCALL with the address in RDI, at any ring by an 8-byte write of the address to
 * GPA_HYPERCALL_MMIO.  The VMM translates the address with the vCPU's CR3, copies the struct
 * and acts on it.  This header is shared with guest code: no host-only includes.
 */
#ifndef VMSCOPE_ABI_UCALL_H
#define VMSCOPE_ABI_UCALL_H

#include <stdint.h>

enum ucall_cmd {
	UCALL_NONE = 0,
	UCALL_SYNC = 1, /* args[0] = stage, args[1..3] = values for the host to check */
	UCALL_PRINT = 2, /* text in buf */
	UCALL_ASSERT = 3, /* failed guest assertion: text in buf, args[0] = line */
	UCALL_DONE = 4, /* the guest finished; args[0] = status */
	UCALL_MAX
};

#define UCALL_BUF_SIZE 256

struct ucall {
	uint64_t cmd;
	uint64_t args[4];
	char buf[UCALL_BUF_SIZE];
};

#endif
