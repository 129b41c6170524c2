/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What guest debugging through KVM_SET_GUEST_DEBUG can do on this host, found out by trying it.
 *
 * Hardware execute breakpoints (KVM_GUESTDBG_USE_HW_BP) fire on VMX and SVM hosts and, for
 * ring-0 code, on emulating hosts (docs/hosts.md).  They do not fire when the host is itself a
 * guest of QEMU's TCG emulator: KVM loads the guest's DR7 into the VMCB, and TCG's VMRUN takes
 * it without arming the breakpoints it describes.  Nothing tells from the outside, so a one-off
 * probe sets a breakpoint on a known instruction of a tiny guest and sees whether it stops.
 */
#ifndef VMSCOPE_DEBUG_H
#define VMSCOPE_DEBUG_H

#include <stddef.h>

/*
 * Do hardware execute breakpoints set with KVM_SET_GUEST_DEBUG fire for ring-0 code here?
 * 1 yes; 0 no, with the reason (and what vmscope does instead) in why[] when why is not NULL;
 * -errno when the probe guest could not run (why[] says why).  The probe runs once per
 * process (a few milliseconds); later calls return its result.
 */
int debug__hw_breakpoints(char *why, size_t size);

#endif
