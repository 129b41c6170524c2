// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/err.h"
#include "kvm.h"

#define KVM_DEFAULT_PATH "/dev/kvm"

static int kvm_dev__open_error(const char *path, int errnum)
{
	switch (errnum) {
	case ENOENT:
		return err__set(ENOENT,
				"cannot open %s: no such device; load KVM (modprobe kvm_intel or "
				"kvm_amd) or run on a host with hardware virtualisation",
				path);
	case EACCES:
	case EPERM:
		return err__set(errnum,
				"cannot open %s: permission denied; run as root or add your user "
				"to group kvm",
				path);
	default:
		return err__set(errnum, "cannot open %s: %s", path, strerror(errnum));
	}
}

int kvm_dev__open(struct kvm_dev *k, const char *path)
{
	int ret;

	if (!path)
		path = KVM_DEFAULT_PATH;
	k->fd = open(path, O_RDWR | O_CLOEXEC);
	if (k->fd < 0)
		return kvm_dev__open_error(path, errno);

	k->api_version = ioctl(k->fd, KVM_GET_API_VERSION, 0);
	if (k->api_version != KVM_API_VERSION) {
		ret = err__set(EPROTO, "%s speaks KVM API version %d; vmscope needs version %d",
			       path, k->api_version, KVM_API_VERSION);
		goto out_close;
	}
	ret = ioctl(k->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret <= 0) {
		ret = err__set(errno ? errno : EINVAL, "KVM_GET_VCPU_MMAP_SIZE failed on %s", path);
		goto out_close;
	}
	k->vcpu_mmap_size = ret;
	return 0;

out_close:
	close(k->fd);
	k->fd = -1;
	return ret;
}

void kvm_dev__close(struct kvm_dev *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

int kvm__check_cap(int fd, int cap)
{
	int ret = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return ret < 0 ? 0 : ret;
}

int kvm__require_cap(int fd, int cap, const char *name, const char *needed_by)
{
	if (kvm__check_cap(fd, cap) > 0)
		return 0;
	return err__set(EOPNOTSUPP,
			"this host's KVM lacks %s (capability %d), which %s needs; use a newer "
			"host kernel",
			name, cap, needed_by);
}

int kvm__ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : ret;
}
