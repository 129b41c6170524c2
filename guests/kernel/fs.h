/* SPDX-License-Identifier: GPL-2.0 */
/* The in-memory file system (fs.c) as the file syscalls (file.c) see it. */
#ifndef GUEST_FS_H
#define GUEST_FS_H

#include "kernel.h"

#define NAME_MAX 59
#define MAX_INODES 256
#define FILE_MAX_PAGES 512 /* one page of page addresses: files up to 2 MiB */

enum itype { I_FREE, I_DIR, I_FILE, I_PROG, I_CONSOLE, I_NULL };

struct inode {
	enum itype type;
	int ino;
	int refs; /* open files and working directories */
	int linked; /* present in a directory */
	int readonly; /* no writes, and for a directory no new or removed entries */
	char name[NAME_MAX + 1];
	struct inode *parent, *child, *next; /* the tree: first child, next sibling */
	uint64_t size;
	uint64_t *pages; /* I_FILE: a page of page addresses, 0 for holes */
	const struct program *prog;
	uint64_t mtime_ns;
};

int path_lookup(struct inode *cwd, const char *path, struct inode **out);
int path_parent(struct inode *cwd, const char *path, struct inode **dir, char *name);
struct inode *dir_find(struct inode *dir, const char *name);
struct inode *inode_create(struct inode *dir, const char *name, enum itype type);
int inode_unlink(struct inode *dir, const char *name, int want_dir);
void inode_truncate(struct inode *ip);
int64_t inode_read(struct inode *ip, uint64_t ubuf, uint64_t off, uint64_t n);
int64_t inode_write(struct inode *ip, uint64_t ubuf, uint64_t off, uint64_t n);
void inode_stat(const struct inode *ip, struct stat *st);
int inode_path(const struct inode *ip, char *buf, int size);

#endif
