/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/kvm: open it, check the API and the capabilities vmscope needs, and explain each
 * failure in terms the user can act on.
 */
#ifndef VMSCOPE_KVM_H
#define VMSCOPE_KVM_H

#include <stddef.h>

struct kvm_dev {
	int fd;
	int api_version;
	size_t vcpu_mmap_size;
};

/* Open path (NULL: /dev/kvm).  -ENOENT, -EACCES, -EPROTO (API), ... with a message. */
int kvm_dev__open(struct kvm_dev *k, const char *path);
void kvm_dev__close(struct kvm_dev *k);

/* KVM_CHECK_EXTENSION on fd (the system fd or a VM fd); 0 when absent or on error. */
int kvm__check_cap(int fd, int cap);

/* Require cap or fail with "KVM lacks <name>, which <what> needs". */
int kvm__require_cap(int fd, int cap, const char *name, const char *needed_by);

/* ioctl that retries on EINTR where that is meaningful; returns ioctl's value or -errno. */
int kvm__ioctl(int fd, unsigned long req, void *arg);

#endif
