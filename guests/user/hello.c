// SPDX-License-Identifier: GPL-2.0
/* hello: a greeting with the process's ids, the system name, its CPU, and /etc/motd. */
#include "../libc/libc.h"

static int count_cpus(void)
{
	static char buf[16384];
	int fd = open("/proc/cpuinfo", O_RDONLY), n, cpus = 0;
	char *p;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (p = buf; (p = strstr(p, "processor")); p++)
		cpus++;
	return cpus;
}

int main(void)
{
	struct utsname u;
	unsigned int cpu = 0;
	char motd[256];
	int fd, n;

	uname(&u);
	getcpu(&cpu, NULL);
	printf("hello, world! pid %d, parent %d, on %s %s %s, cpu %u of %d\n", getpid(), getppid(),
	       u.sysname, u.release, u.machine, cpu, count_cpus());
	fd = open("/etc/motd", O_RDONLY);
	n = fd < 0 ? -1 : read(fd, motd, sizeof(motd) - 1);
	if (n > 0) {
		motd[n] = '\0';
		printf("hello: /etc/motd says: %s", motd);
	}
	close(fd);
	return 0;
}
