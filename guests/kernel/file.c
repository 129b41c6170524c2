// SPDX-License-Identifier: GPL-2.0
/*
 * Open files and the file system calls: read, write, open/openat, close, lseek, stat/fstat,
 * getdents64, mkdir/mkdirat, rmdir, unlink/unlinkat, getcwd, chdir.  Reading the console
 * returns end of file (there is no console input).
 */
#include "fs.h"

#define MAX_FILES 128
#define PATH_MAX 256

struct file {
	struct inode *ip;
	uint64_t off;
	int flags;
	int refs;
};

static struct file files[MAX_FILES];

static struct file *file_get(uint64_t fd)
{
	return fd < NOFILE ? current()->files[fd] : NULL;
}

static int fd_install(struct task *t, struct inode *ip, int flags)
{
	int fd, i;

	for (fd = 0; fd < NOFILE && t->files[fd]; fd++)
		;
	if (fd == NOFILE)
		return -EMFILE;
	for (i = 0; i < MAX_FILES && files[i].refs; i++)
		;
	if (i == MAX_FILES)
		return -ENFILE;
	files[i].ip = ip;
	files[i].off = 0;
	files[i].flags = flags;
	files[i].refs = 1;
	fs_get(ip);
	t->files[fd] = &files[i];
	return fd;
}

static void file_put(struct file *f)
{
	if (--f->refs == 0)
		fs_put(f->ip);
}

void files_init_console(struct task *t)
{
	struct inode *con = fs_lookup_path(fs_root, "/dev/console");

	fd_install(t, con, O_RDONLY);
	fd_install(t, con, O_WRONLY);
	fd_install(t, con, O_WRONLY);
}

void files_fork(struct task *child, struct task *parent)
{
	int fd;

	for (fd = 0; fd < NOFILE; fd++) {
		child->files[fd] = parent->files[fd];
		if (child->files[fd])
			child->files[fd]->refs++;
	}
}

void files_close_all(struct task *t)
{
	int fd;

	for (fd = 0; fd < NOFILE; fd++)
		if (t->files[fd]) {
			file_put(t->files[fd]);
			t->files[fd] = NULL;
		}
}

void files_close_cloexec(struct task *t)
{
	int fd;

	for (fd = 0; fd < NOFILE; fd++)
		if (t->files[fd] && (t->files[fd]->flags & O_CLOEXEC)) {
			file_put(t->files[fd]);
			t->files[fd] = NULL;
		}
}

static int64_t console_write_user(uint64_t ubuf, uint64_t n)
{
	char buf[128];
	uint64_t done = 0;

	while (done < n) {
		uint64_t chunk = n - done < sizeof(buf) ? n - done : sizeof(buf);

		if (copy_from_user(buf, ubuf + done, chunk))
			return done ? (int64_t)done : -EFAULT;
		console_write(buf, chunk);
		done += chunk;
	}
	return done;
}

int64_t sys_read(uint64_t fd, uint64_t buf, uint64_t n)
{
	struct file *f = file_get(fd);
	int64_t ret;

	if (!f || (f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	switch (f->ip->type) {
	case I_DIR:
		return -EISDIR;
	case I_FILE:
	case I_PROG:
		ret = inode_read(f->ip, buf, f->off, n);
		if (ret > 0)
			f->off += ret;
		return ret;
	default:
		return 0;
	}
}

int64_t sys_write(uint64_t fd, uint64_t buf, uint64_t n)
{
	struct file *f = file_get(fd);
	int64_t ret;

	if (!f || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	switch (f->ip->type) {
	case I_CONSOLE:
		return console_write_user(buf, n);
	case I_NULL:
		return n;
	case I_FILE:
		if (f->flags & O_APPEND)
			f->off = f->ip->size;
		ret = inode_write(f->ip, buf, f->off, n);
		if (ret > 0)
			f->off += ret;
		return ret;
	default:
		return -EBADF;
	}
}

/* Resolve the start directory of an *at() call and copy the path in. */
static int at_start(uint64_t dirfd, uint64_t upath, char *path, struct inode **dir)
{
	int64_t n = strncpy_from_user(path, upath, PATH_MAX);
	struct file *f;

	*dir = current()->cwd;
	if (n < 0)
		return n;
	if (path[0] == '/' || (int)dirfd == AT_FDCWD)
		return 0;
	f = file_get(dirfd);
	if (!f)
		return -EBADF;
	if (f->ip->type != I_DIR)
		return -ENOTDIR;
	*dir = f->ip;
	return 0;
}

static int open_create(struct inode *start, const char *path, int flags, struct inode **out)
{
	char name[NAME_MAX + 1];
	struct inode *dir;
	int ret = path_parent(start, path, &dir, name);

	if (ret)
		return ret == -EEXIST ? -EISDIR : ret;
	*out = dir_find(dir, name);
	if (*out)
		return flags & O_EXCL ? -EEXIST : 0;
	if (dir->readonly)
		return -EACCES;
	*out = inode_create(dir, name, I_FILE);
	return *out ? 0 : -ENOSPC;
}

static int open_check(struct inode *ip, int flags)
{
	int acc = flags & O_ACCMODE;

	if ((flags & O_DIRECTORY) && ip->type != I_DIR)
		return -ENOTDIR;
	if (acc != O_RDONLY && ip->type == I_DIR)
		return -EISDIR;
	if (acc != O_RDONLY && ip->readonly)
		return -EACCES;
	if ((flags & O_TRUNC) && acc != O_RDONLY)
		inode_truncate(ip);
	return 0;
}

int64_t sys_openat(uint64_t dirfd, uint64_t upath, uint64_t flags, uint64_t mode)
{
	char path[PATH_MAX];
	struct inode *start, *ip;
	int ret = at_start(dirfd, upath, path, &start);

	(void)mode;
	if (ret)
		return ret;
	if (flags & O_CREAT)
		ret = open_create(start, path, flags, &ip);
	else
		ret = path_lookup(start, path, &ip);
	if (!ret)
		ret = open_check(ip, flags);
	return ret ? ret : fd_install(current(), ip, flags);
}

int64_t sys_open(uint64_t upath, uint64_t flags, uint64_t mode)
{
	return sys_openat((uint64_t)AT_FDCWD, upath, flags, mode);
}

int64_t sys_close(uint64_t fd)
{
	struct file *f = file_get(fd);

	if (!f)
		return -EBADF;
	current()->files[fd] = NULL;
	file_put(f);
	return 0;
}

int64_t sys_lseek(uint64_t fd, uint64_t off, uint64_t whence)
{
	struct file *f = file_get(fd);
	int64_t base;

	if (!f)
		return -EBADF;
	if (f->ip->type != I_FILE && f->ip->type != I_PROG && f->ip->type != I_DIR)
		return -ESPIPE;
	if (whence == SEEK_SET)
		base = 0;
	else if (whence == SEEK_CUR)
		base = f->off;
	else if (whence == SEEK_END && f->ip->type != I_DIR)
		base = f->ip->type == I_PROG ? (int64_t)(f->ip->prog->end - f->ip->prog->start)
					     : (int64_t)f->ip->size;
	else
		return -EINVAL;
	if (base + (int64_t)off < 0)
		return -EINVAL;
	f->off = base + off;
	return f->off;
}

static int stat_to_user(struct inode *ip, uint64_t ust)
{
	struct stat st;

	inode_stat(ip, &st);
	return copy_to_user(ust, &st, sizeof(st));
}

int64_t sys_fstat(uint64_t fd, uint64_t ust)
{
	struct file *f = file_get(fd);

	return f ? stat_to_user(f->ip, ust) : -EBADF;
}

int64_t sys_stat(uint64_t upath, uint64_t ust)
{
	char path[PATH_MAX];
	struct inode *start, *ip;
	int ret = at_start((uint64_t)AT_FDCWD, upath, path, &start);

	if (!ret)
		ret = path_lookup(start, path, &ip);
	return ret ? ret : stat_to_user(ip, ust);
}

/* One record for getdents64; 0 if it does not fit in the space left. */
static int dirent_put(uint64_t ubuf, uint64_t space, const struct inode *ip, const char *name,
		      int64_t next_off)
{
	static const uint8_t types[] = { [I_DIR] = DT_DIR,
					 [I_FILE] = DT_REG,
					 [I_PROG] = DT_REG,
					 [I_CONSOLE] = DT_CHR,
					 [I_NULL] = DT_CHR };
	char rec[sizeof(struct linux_dirent64) + NAME_MAX + 8];
	struct linux_dirent64 *d = (void *)rec;
	int len = strlen(name), reclen = (sizeof(*d) + len + 1 + 7) & ~7;

	if ((uint64_t)reclen > space)
		return 0;
	memset(rec, 0, reclen);
	d->d_ino = ip->ino;
	d->d_off = next_off;
	d->d_reclen = reclen;
	d->d_type = types[ip->type];
	memcpy(d->d_name, name, len);
	return copy_to_user(ubuf, rec, reclen) ? -EFAULT : reclen;
}

/* Entry index i of a directory: ".", "..", then the children. */
static const struct inode *dir_entry(const struct inode *dir, uint64_t i, const char **name)
{
	const struct inode *c;

	*name = i == 0 ? "." : "..";
	if (i < 2)
		return i == 0 || !dir->parent ? dir : dir->parent;
	for (c = dir->child, i -= 2; c && i; c = c->next, i--)
		;
	if (c)
		*name = c->name;
	return c;
}

int64_t sys_getdents64(uint64_t fd, uint64_t ubuf, uint64_t count)
{
	struct file *f = file_get(fd);
	uint64_t done = 0;
	const struct inode *ip;
	const char *name;
	int n;

	if (!f)
		return -EBADF;
	if (f->ip->type != I_DIR)
		return -ENOTDIR;
	while ((ip = dir_entry(f->ip, f->off, &name))) {
		n = dirent_put(ubuf + done, count - done, ip, name, f->off + 1);
		if (n < 0)
			return n;
		if (!n)
			return done ? (int64_t)done : -EINVAL;
		done += n;
		f->off++;
	}
	return done;
}

int64_t sys_mkdirat(uint64_t dirfd, uint64_t upath, uint64_t mode)
{
	char path[PATH_MAX], name[NAME_MAX + 1];
	struct inode *start, *dir;
	int ret = at_start(dirfd, upath, path, &start);

	(void)mode;
	if (!ret)
		ret = path_parent(start, path, &dir, name);
	if (ret)
		return ret;
	if (dir_find(dir, name))
		return -EEXIST;
	if (dir->readonly)
		return -EACCES;
	return inode_create(dir, name, I_DIR) ? 0 : -ENOSPC;
}

int64_t sys_mkdir(uint64_t upath, uint64_t mode)
{
	return sys_mkdirat((uint64_t)AT_FDCWD, upath, mode);
}

int64_t sys_unlinkat(uint64_t dirfd, uint64_t upath, uint64_t flags)
{
	char path[PATH_MAX], name[NAME_MAX + 1];
	struct inode *start, *dir;
	int ret = at_start(dirfd, upath, path, &start);

	if (!ret)
		ret = path_parent(start, path, &dir, name);
	if (ret)
		return ret == -EEXIST ? -EBUSY : ret;
	return inode_unlink(dir, name, (flags & AT_REMOVEDIR) != 0);
}

int64_t sys_unlink(uint64_t upath)
{
	return sys_unlinkat((uint64_t)AT_FDCWD, upath, 0);
}

int64_t sys_rmdir(uint64_t upath)
{
	return sys_unlinkat((uint64_t)AT_FDCWD, upath, AT_REMOVEDIR);
}

int64_t sys_getcwd(uint64_t ubuf, uint64_t size)
{
	char buf[PATH_MAX];
	int n = inode_path(current()->cwd, buf, sizeof(buf));

	if (n < 0)
		return n;
	if ((uint64_t)n + 1 > size)
		return -ERANGE;
	return copy_to_user(ubuf, buf, n + 1) ? -EFAULT : n + 1;
}

int64_t sys_chdir(uint64_t upath)
{
	char path[PATH_MAX];
	struct inode *start, *ip;
	int ret = at_start((uint64_t)AT_FDCWD, upath, path, &start);

	if (!ret)
		ret = path_lookup(start, path, &ip);
	if (ret)
		return ret;
	if (ip->type != I_DIR)
		return -ENOTDIR;
	fs_get(ip);
	fs_put(current()->cwd);
	current()->cwd = ip;
	return 0;
}
