// SPDX-License-Identifier: GPL-2.0
/*
 * files: work on the in-memory file system.  Creates /tmp/files with FILES_COUNT files
 * (files_data.h), writes them in chunks, lists the directory with getdents64 and stat,
 * reads every file back (also from the middle, after lseek), appends to one, then removes
 * everything.  Prints the FNV-1a checksum of the contents read back and "files: ok".
 */
#include "../libc/libc.h"
#include "files_data.h"

#define DIR "/tmp/files"
#define CHUNK 1000

static uint8_t buf[16384];

static int fail(const char *what, const char *path)
{
	printf("files: %s %s failed: %s\n", what, path, strerror(errno));
	return 1;
}

static void name_of(int i, char *path, int size)
{
	snprintf(path, size, DIR "/data%d.bin", i);
}

static int write_file(int i)
{
	char path[64];
	uint64_t j, n = files_size(i), done;
	int fd;

	name_of(i, path, sizeof(path));
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		return fail("create", path);
	for (j = 0; j < n; j++)
		buf[j] = files_byte(i, j);
	for (done = 0; done < n; done += CHUNK)
		if (write(fd, buf + done, n - done < CHUNK ? n - done : CHUNK) < 0)
			return fail("write", path);
	return close(fd) ? fail("close", path) : 0;
}

/* Read file i back: the second half after an lseek, then all of it; adds to the checksum. */
static int read_file(int i, uint32_t *sum)
{
	char path[64];
	uint64_t n = files_size(i), j;
	int fd;

	name_of(i, path, sizeof(path));
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail("open", path);
	if (lseek(fd, n / 2, SEEK_SET) != (off_t)(n / 2) ||
	    read(fd, buf, sizeof(buf)) != (ssize_t)(n - n / 2) || buf[0] != files_byte(i, n / 2))
		return fail("lseek+read", path);
	if (lseek(fd, 0, SEEK_SET) != 0 || read(fd, buf, sizeof(buf)) != (ssize_t)n)
		return fail("read", path);
	close(fd);
	for (j = 0; j < n; j++)
		if (buf[j] != files_byte(i, j)) {
			printf("files: %s: byte %lu is %u, wrote %u\n", path, j, buf[j],
			       files_byte(i, j));
			return 1;
		}
	*sum = files_fnv(*sum, buf, n);
	return 0;
}

static int list_dir(void)
{
	char dents[1024], path[128];
	uint64_t total = 0;
	int fd = open(DIR, O_RDONLY | O_DIRECTORY), entries = 0;
	long n, off;

	if (fd < 0)
		return fail("open", DIR);
	while ((n = getdents64(fd, dents, sizeof(dents))) > 0)
		for (off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(dents + off);
			struct stat st;

			off += d->d_reclen;
			if (d->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), DIR "/%s", d->d_name);
			if (stat(path, &st) || d->d_type != DT_REG)
				return fail("stat", path);
			entries++;
			total += st.st_size;
		}
	close(fd);
	printf("files: " DIR ": %d entries, %lu bytes\n", entries, total);
	return entries == FILES_COUNT ? 0 : fail("list", DIR);
}

static int append_check(void)
{
	char path[64];
	struct stat st;
	int fd;

	name_of(0, path, sizeof(path));
	fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, "tail", 4) != 4 || fstat(fd, &st) ||
	    st.st_size != (int64_t)files_size(0) + 4)
		return fail("append", path);
	return close(fd);
}

static int remove_all(void)
{
	char path[64];
	struct stat st;
	int i;

	for (i = 0; i < FILES_COUNT; i++) {
		name_of(i, path, sizeof(path));
		if (unlink(path))
			return fail("unlink", path);
	}
	if (rmdir(DIR))
		return fail("rmdir", DIR);
	if (!stat(DIR, &st) || errno != ENOENT)
		return fail("stat after rmdir", DIR);
	return 0;
}

int main(void)
{
	uint32_t sum = FILES_FNV_INIT;
	int i;

	if (mkdir(DIR, 0755))
		return fail("mkdir", DIR);
	for (i = 0; i < FILES_COUNT; i++)
		if (write_file(i))
			return 1;
	if (list_dir())
		return 1;
	for (i = 0; i < FILES_COUNT; i++)
		if (read_file(i, &sum))
			return 1;
	if (append_check() || remove_all())
		return 1;
	printf("files: %d files written, read back and removed, checksum 0x%08x\n", FILES_COUNT,
	       sum);
	printf("files: ok\n");
	return 0;
}
