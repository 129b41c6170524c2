// SPDX-License-Identifier: GPL-2.0
/*
 * The in-memory file system: a tree of inodes (directories, regular files whose data lives
 * in pages, the built-in programs, /dev/console and /dev/null), path resolution, and the
 * initial tree: /bin (one entry per program), /dev, /etc, /proc (cpuinfo, cmdline,
 * version), /tmp.
 */
#include "fs.h"

struct inode *fs_root;
static struct inode inodes[MAX_INODES];
static const uint8_t zero_buf[256];

static struct inode *inode_alloc(enum itype type)
{
	int i;

	for (i = 0; i < MAX_INODES; i++) {
		struct inode *ip = &inodes[i];

		if (ip->type != I_FREE)
			continue;
		memset(ip, 0, sizeof(*ip));
		ip->type = type;
		ip->ino = i + 1;
		ip->mtime_ns = time_ns();
		return ip;
	}
	return NULL;
}

void fs_get(struct inode *ip)
{
	if (ip)
		ip->refs++;
}

void fs_put(struct inode *ip)
{
	if (!ip || --ip->refs > 0 || ip->linked)
		return;
	inode_truncate(ip);
	ip->type = I_FREE;
}

struct inode *dir_find(struct inode *dir, const char *name)
{
	struct inode *c;

	if (!strcmp(name, "."))
		return dir;
	if (!strcmp(name, ".."))
		return dir->parent ? dir->parent : dir;
	for (c = dir->child; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* Copy the next path component of *p into name; 0 at the end, -ENAMETOOLONG if too long. */
static int next_component(const char **p, char *name)
{
	const char *s = *p;
	int n = 0;

	while (*s == '/')
		s++;
	while (*s && *s != '/') {
		if (n == NAME_MAX)
			return -ENAMETOOLONG;
		name[n++] = *s++;
	}
	name[n] = '\0';
	*p = s;
	return n;
}

static int is_last(const char *p)
{
	while (*p == '/')
		p++;
	return !*p;
}

/* Walk path from cwd (or the root); stop before the last component if stop_last. */
static int walk(struct inode *cwd, const char *path, int stop_last, struct inode **out, char *last)
{
	struct inode *ip = *path == '/' ? fs_root : cwd;
	char name[NAME_MAX + 1];
	int n;

	if (!*path)
		return -ENOENT;
	while ((n = next_component(&path, name)) > 0) {
		if (ip->type != I_DIR)
			return -ENOTDIR;
		if (stop_last && is_last(path)) {
			strncpy0(last, name, NAME_MAX + 1);
			*out = ip;
			return 0;
		}
		ip = dir_find(ip, name);
		if (!ip)
			return -ENOENT;
	}
	if (n < 0)
		return n;
	if (stop_last)
		return -EEXIST; /* "/" or "dir/.": no last component */
	*out = ip;
	return 0;
}

int path_lookup(struct inode *cwd, const char *path, struct inode **out)
{
	return walk(cwd, path, 0, out, NULL);
}

int path_parent(struct inode *cwd, const char *path, struct inode **dir, char *name)
{
	int ret = walk(cwd, path, 1, dir, name);

	if (!ret && (!strcmp(name, ".") || !strcmp(name, "..")))
		return -EEXIST;
	return ret;
}

struct inode *fs_lookup_path(struct inode *cwd, const char *path)
{
	struct inode *ip;

	return path_lookup(cwd, path, &ip) ? NULL : ip;
}

struct inode *inode_create(struct inode *dir, const char *name, enum itype type)
{
	struct inode *ip = inode_alloc(type);

	if (!ip)
		return NULL;
	strncpy0(ip->name, name, sizeof(ip->name));
	ip->parent = dir;
	ip->linked = 1;
	if (dir) {
		ip->next = dir->child;
		dir->child = ip;
		dir->mtime_ns = ip->mtime_ns;
	}
	return ip;
}

int inode_unlink(struct inode *dir, const char *name, int want_dir)
{
	struct inode *ip = dir_find(dir, name), **pp;

	if (!ip || ip == dir || ip == dir->parent)
		return ip ? -EBUSY : -ENOENT;
	if (dir->readonly)
		return -EACCES;
	if (want_dir && ip->type != I_DIR)
		return -ENOTDIR;
	if (!want_dir && ip->type == I_DIR)
		return -EISDIR;
	if (ip->type == I_DIR && ip->child)
		return -ENOTEMPTY;
	for (pp = &dir->child; *pp != ip; pp = &(*pp)->next)
		;
	*pp = ip->next;
	ip->linked = 0;
	dir->mtime_ns = time_ns();
	ip->refs++;
	fs_put(ip); /* frees it unless open */
	return 0;
}

void inode_truncate(struct inode *ip)
{
	int i;

	if (ip->type != I_FILE || !ip->pages)
		return;
	for (i = 0; i < FILE_MAX_PAGES; i++)
		if (ip->pages[i])
			page_put(ip->pages[i]);
	page_put((uint64_t)ip->pages);
	ip->pages = NULL;
	ip->size = 0;
}

/* Copy the file's bytes [off, off + n) to user memory; holes read as zeros. */
static int64_t file_read(struct inode *ip, uint64_t ubuf, uint64_t off, uint64_t n)
{
	uint64_t done = 0;

	while (done < n) {
		uint64_t pos = off + done, chunk = PAGE_SIZE - (pos & ~PAGE_MASK);
		uint64_t page = ip->pages ? ip->pages[pos / PAGE_SIZE] : 0;
		const uint8_t *src = page ? (const uint8_t *)page + (pos & ~PAGE_MASK) : zero_buf;

		if (chunk > n - done)
			chunk = n - done;
		if (!page && chunk > sizeof(zero_buf))
			chunk = sizeof(zero_buf);
		if (copy_to_user(ubuf + done, src, chunk))
			return done ? (int64_t)done : -EFAULT;
		done += chunk;
	}
	return done;
}

int64_t inode_read(struct inode *ip, uint64_t ubuf, uint64_t off, uint64_t n)
{
	uint64_t size = ip->type == I_PROG ? (uint64_t)(ip->prog->end - ip->prog->start) : ip->size;

	if (off >= size)
		return 0;
	if (n > size - off)
		n = size - off;
	if (ip->type == I_PROG)
		return copy_to_user(ubuf, ip->prog->start + off, n) ? -EFAULT : (int64_t)n;
	return file_read(ip, ubuf, off, n);
}

static uint8_t *file_page(struct inode *ip, uint64_t index)
{
	if (!ip->pages && !(ip->pages = page_alloc_zero()))
		return NULL;
	if (!ip->pages[index])
		ip->pages[index] = (uint64_t)page_alloc_zero();
	return (uint8_t *)ip->pages[index];
}

int64_t inode_write(struct inode *ip, uint64_t ubuf, uint64_t off, uint64_t n)
{
	uint64_t done = 0;

	if (off >= FILE_MAX_PAGES * PAGE_SIZE)
		return n ? -EFBIG : 0;
	if (n > FILE_MAX_PAGES * PAGE_SIZE - off)
		n = FILE_MAX_PAGES * PAGE_SIZE - off;
	while (done < n) {
		uint64_t pos = off + done, chunk = PAGE_SIZE - (pos & ~PAGE_MASK);
		uint8_t *page = file_page(ip, pos / PAGE_SIZE);

		if (!page)
			return done ? (int64_t)done : -ENOSPC;
		if (chunk > n - done)
			chunk = n - done;
		if (copy_from_user(page + (pos & ~PAGE_MASK), ubuf + done, chunk))
			return done ? (int64_t)done : -EFAULT;
		done += chunk;
		if (pos + chunk > ip->size)
			ip->size = pos + chunk;
	}
	ip->mtime_ns = time_ns();
	return done;
}

/* Kernel-made content (/proc, /etc): copy len bytes from kernel memory to the file's end. */
static void file_append(struct inode *ip, const char *s, uint64_t len)
{
	while (len) {
		uint64_t pos = ip->size, chunk = PAGE_SIZE - (pos & ~PAGE_MASK);
		uint8_t *page = file_page(ip, pos / PAGE_SIZE);

		if (!page)
			return;
		if (chunk > len)
			chunk = len;
		memcpy(page + (pos & ~PAGE_MASK), s, chunk);
		ip->size += chunk;
		s += chunk;
		len -= chunk;
	}
}

void inode_stat(const struct inode *ip, struct stat *st)
{
	static const uint32_t modes[] = {
		[I_DIR] = S_IFDIR | 0755,     [I_FILE] = S_IFREG | 0644, [I_PROG] = S_IFREG | 0755,
		[I_CONSOLE] = S_IFCHR | 0620, [I_NULL] = S_IFCHR | 0666,
	};

	memset(st, 0, sizeof(*st));
	st->st_dev = 1;
	st->st_ino = ip->ino;
	st->st_nlink = ip->type == I_DIR ? 2 : 1;
	st->st_mode = modes[ip->type] & (ip->readonly && ip->type != I_DIR ? ~0222u : ~0u);
	st->st_size = ip->type == I_PROG ? ip->prog->end - ip->prog->start : (int64_t)ip->size;
	st->st_blksize = PAGE_SIZE;
	st->st_blocks = (st->st_size + 511) / 512;
	st->st_mtim.tv_sec = (boot_wallclock_ns + ip->mtime_ns) / 1000000000ull;
	st->st_mtim.tv_nsec = (boot_wallclock_ns + ip->mtime_ns) % 1000000000ull;
	st->st_atim = st->st_ctim = st->st_mtim;
}

/* The absolute path of a directory into buf; its length, or -ERANGE. */
int inode_path(const struct inode *ip, char *buf, int size)
{
	int len = 0, n;
	const struct inode *p;

	if (ip == fs_root) {
		if (size < 2)
			return -ERANGE;
		strncpy0(buf, "/", size);
		return 1;
	}
	for (p = ip; p && p != fs_root; p = p->parent)
		len += strlen(p->name) + 1;
	if (len + 1 > size)
		return -ERANGE;
	buf[len] = '\0';
	for (p = ip, n = len; p && p != fs_root; p = p->parent) {
		int l = strlen(p->name);

		n -= l;
		memcpy(buf + n, p->name, l);
		buf[--n] = '/';
	}
	return len;
}

int fs_program(struct inode *ip, const uint8_t **image, uint64_t *size)
{
	if (ip->type != I_PROG)
		return -EACCES;
	*image = ip->prog->start;
	*size = ip->prog->end - ip->prog->start;
	return 0;
}

static struct inode *mk(struct inode *dir, const char *name, enum itype type, int ro)
{
	struct inode *ip = inode_create(dir, name, type);

	if (!ip)
		panic("out of inodes building the file system");
	ip->readonly = ro;
	return ip;
}

static void mk_text(struct inode *dir, const char *name, const char *text)
{
	file_append(mk(dir, name, I_FILE, 1), text, strlen(text));
}

static void fs_init_proc(struct inode *proc, const char *cmdline, int ncpus)
{
	struct inode *ip = mk(proc, "cpuinfo", I_FILE, 1);
	char buf[1536];
	int i;

	for (i = 0; i < ncpus; i++)
		file_append(ip, buf, cpu_format_info(buf, sizeof(buf), i));
	ip = mk(proc, "cmdline", I_FILE, 1);
	file_append(ip, cmdline, strlen(cmdline));
	file_append(ip, "\n", 1);
	mk_text(proc, "version", "vmscope guest kernel 0.1 (x86_64, SMP, Linux system-call ABI)\n");
}

void fs_init(const char *cmdline, int ncpus)
{
	struct inode *bin, *dev;
	int i;

	fs_root = mk(NULL, "", I_DIR, 0);
	fs_root->refs = 1;
	bin = mk(fs_root, "bin", I_DIR, 1);
	for (i = 0; i < nr_programs; i++)
		mk(bin, programs[i].name, I_PROG, 1)->prog = &programs[i];
	dev = mk(fs_root, "dev", I_DIR, 1);
	mk(dev, "console", I_CONSOLE, 0);
	mk(dev, "null", I_NULL, 0);
	mk_text(mk(fs_root, "etc", I_DIR, 0), "motd", "Welcome to the vmscope guest kernel.\n");
	mk_text(dir_find(fs_root, "etc"), "hostname", "guest\n");
	fs_init_proc(mk(fs_root, "proc", I_DIR, 1), cmdline, ncpus);
	mk(fs_root, "tmp", I_DIR, 0);
}
