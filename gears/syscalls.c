// SPDX-License-Identifier: GPL-2.0
/*
 * The system call table built from syscalls.def, its lookups, the errno names, and selection
 * sets with their parser (gears/syscalls.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/err.h"
#include "syscalls.h"

/*
 * syscalls.def writes kinds and classes without their prefixes; these paste them on.  A call
 * without arguments gives an empty first kind, pasted into SYSA_.
 */
#define SYSA_ SYSA_NONE
#define DEF_CLASSES(...) DEF_CLASSES4(__VA_ARGS__, NONE, NONE, NONE, NONE)
#define DEF_CLASSES4(a, b, c, d, ...) (SYSC_##a | SYSC_##b | SYSC_##c | SYSC_##d)
#define DEF_ARGS(...) DEF_ARGS6(__VA_ARGS__, NONE, NONE, NONE, NONE, NONE, NONE)
#define DEF_ARGS6(a, b, c, d, e, f, ...)                                                           \
	{                                                                                          \
		SYSA_##a, SYSA_##b, SYSA_##c, SYSA_##d, SYSA_##e, SYSA_##f                         \
	}
#define SYSCALL(nr, sname, cls, rkind, n, ...)                                                     \
	[nr] = { .name = #sname,                                                                   \
		 .classes = DEF_CLASSES cls,                                                       \
		 .ret = SYSA_##rkind,                                                              \
		 .nargs = n,                                                                       \
		 .args = DEF_ARGS(__VA_ARGS__) },

static const struct syscall_desc syscall_table[SYSCALL_NR_MAX] = {
#include "syscalls.def"
};

#undef SYSCALL

static const char *const class_names[SYSC_COUNT] = {
	"file", "process", "memory", "network", "time", "ipc", "signal", "desc", "other",
};

/*
 * errno names by number: asm-generic/errno-base.h and errno.h (x86-64 uses the generic
 * numbers), then the kernel's internal codes from include/linux/errno.h, which a guest can
 * show at a system call's exit (ERESTARTSYS when a signal interrupts a call).
 */
static const char *const errno_names[] = {
	[1] = "EPERM",
	[2] = "ENOENT",
	[3] = "ESRCH",
	[4] = "EINTR",
	[5] = "EIO",
	[6] = "ENXIO",
	[7] = "E2BIG",
	[8] = "ENOEXEC",
	[9] = "EBADF",
	[10] = "ECHILD",
	[11] = "EAGAIN",
	[12] = "ENOMEM",
	[13] = "EACCES",
	[14] = "EFAULT",
	[15] = "ENOTBLK",
	[16] = "EBUSY",
	[17] = "EEXIST",
	[18] = "EXDEV",
	[19] = "ENODEV",
	[20] = "ENOTDIR",
	[21] = "EISDIR",
	[22] = "EINVAL",
	[23] = "ENFILE",
	[24] = "EMFILE",
	[25] = "ENOTTY",
	[26] = "ETXTBSY",
	[27] = "EFBIG",
	[28] = "ENOSPC",
	[29] = "ESPIPE",
	[30] = "EROFS",
	[31] = "EMLINK",
	[32] = "EPIPE",
	[33] = "EDOM",
	[34] = "ERANGE",
	[35] = "EDEADLK",
	[36] = "ENAMETOOLONG",
	[37] = "ENOLCK",
	[38] = "ENOSYS",
	[39] = "ENOTEMPTY",
	[40] = "ELOOP",
	[42] = "ENOMSG",
	[43] = "EIDRM",
	[44] = "ECHRNG",
	[45] = "EL2NSYNC",
	[46] = "EL3HLT",
	[47] = "EL3RST",
	[48] = "ELNRNG",
	[49] = "EUNATCH",
	[50] = "ENOCSI",
	[51] = "EL2HLT",
	[52] = "EBADE",
	[53] = "EBADR",
	[54] = "EXFULL",
	[55] = "ENOANO",
	[56] = "EBADRQC",
	[57] = "EBADSLT",
	[59] = "EBFONT",
	[60] = "ENOSTR",
	[61] = "ENODATA",
	[62] = "ETIME",
	[63] = "ENOSR",
	[64] = "ENONET",
	[65] = "ENOPKG",
	[66] = "EREMOTE",
	[67] = "ENOLINK",
	[68] = "EADV",
	[69] = "ESRMNT",
	[70] = "ECOMM",
	[71] = "EPROTO",
	[72] = "EMULTIHOP",
	[73] = "EDOTDOT",
	[74] = "EBADMSG",
	[75] = "EOVERFLOW",
	[76] = "ENOTUNIQ",
	[77] = "EBADFD",
	[78] = "EREMCHG",
	[79] = "ELIBACC",
	[80] = "ELIBBAD",
	[81] = "ELIBSCN",
	[82] = "ELIBMAX",
	[83] = "ELIBEXEC",
	[84] = "EILSEQ",
	[85] = "ERESTART",
	[86] = "ESTRPIPE",
	[87] = "EUSERS",
	[88] = "ENOTSOCK",
	[89] = "EDESTADDRREQ",
	[90] = "EMSGSIZE",
	[91] = "EPROTOTYPE",
	[92] = "ENOPROTOOPT",
	[93] = "EPROTONOSUPPORT",
	[94] = "ESOCKTNOSUPPORT",
	[95] = "EOPNOTSUPP",
	[96] = "EPFNOSUPPORT",
	[97] = "EAFNOSUPPORT",
	[98] = "EADDRINUSE",
	[99] = "EADDRNOTAVAIL",
	[100] = "ENETDOWN",
	[101] = "ENETUNREACH",
	[102] = "ENETRESET",
	[103] = "ECONNABORTED",
	[104] = "ECONNRESET",
	[105] = "ENOBUFS",
	[106] = "EISCONN",
	[107] = "ENOTCONN",
	[108] = "ESHUTDOWN",
	[109] = "ETOOMANYREFS",
	[110] = "ETIMEDOUT",
	[111] = "ECONNREFUSED",
	[112] = "EHOSTDOWN",
	[113] = "EHOSTUNREACH",
	[114] = "EALREADY",
	[115] = "EINPROGRESS",
	[116] = "ESTALE",
	[117] = "EUCLEAN",
	[118] = "ENOTNAM",
	[119] = "ENAVAIL",
	[120] = "EISNAM",
	[121] = "EREMOTEIO",
	[122] = "EDQUOT",
	[123] = "ENOMEDIUM",
	[124] = "EMEDIUMTYPE",
	[125] = "ECANCELED",
	[126] = "ENOKEY",
	[127] = "EKEYEXPIRED",
	[128] = "EKEYREVOKED",
	[129] = "EKEYREJECTED",
	[130] = "EOWNERDEAD",
	[131] = "ENOTRECOVERABLE",
	[132] = "ERFKILL",
	[133] = "EHWPOISON",
	[512] = "ERESTARTSYS",
	[513] = "ERESTARTNOINTR",
	[514] = "ERESTARTNOHAND",
	[515] = "ENOIOCTLCMD",
	[516] = "ERESTART_RESTARTBLOCK",
	[517] = "EPROBE_DEFER",
	[518] = "EOPENSTALE",
	[519] = "ENOPARAM",
	[521] = "EBADHANDLE",
	[522] = "ENOTSYNC",
	[523] = "EBADCOOKIE",
	[524] = "ENOTSUPP",
	[525] = "ETOOSMALL",
	[526] = "ESERVERFAULT",
	[527] = "EBADTYPE",
	[528] = "EJUKEBOX",
	[529] = "EIOCBQUEUED",
	[530] = "ERECALLCONFLICT",
	[531] = "ENOGRACE",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ERRNO 4095

const struct syscall_desc *syscall__by_nr(unsigned int nr)
{
	if (nr >= SYSCALL_NR_MAX || !syscall_table[nr].name)
		return NULL;
	return &syscall_table[nr];
}

const char *syscall__name(unsigned int nr)
{
	const struct syscall_desc *d = syscall__by_nr(nr);

	return d ? d->name : NULL;
}

int syscall__by_name(const char *name)
{
	unsigned int nr;

	for (nr = 0; nr < SYSCALL_NR_MAX; nr++) {
		if (syscall_table[nr].name && !strcmp(syscall_table[nr].name, name))
			return nr;
	}
	return -ENOENT;
}

const char *syscall__class_name(unsigned int class_bit)
{
	if (!class_bit || (class_bit & (class_bit - 1)) || class_bit >= 1u << SYSC_COUNT)
		return NULL;
	return class_names[__builtin_ctz(class_bit)];
}

int syscall__class_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < SYSC_COUNT; i++) {
		if (!strcmp(class_names[i], name))
			return 1 << i;
	}
	return -ENOENT;
}

const char *syscall__errno_name(int64_t ret)
{
	if (ret >= 0 || ret < -MAX_ERRNO || -ret >= (int64_t)ARRAY_LEN(errno_names))
		return NULL;
	return errno_names[-ret];
}

void syscall_set__clear(struct syscall_set *set)
{
	memset(set, 0, sizeof(*set));
}

void syscall_set__fill(struct syscall_set *set)
{
	memset(set, 0xff, sizeof(*set));
}

void syscall_set__add(struct syscall_set *set, unsigned int nr)
{
	if (nr < SYSCALL_NR_MAX)
		set->words[nr / 64] |= 1ull << (nr % 64);
}

void syscall_set__del(struct syscall_set *set, unsigned int nr)
{
	if (nr < SYSCALL_NR_MAX)
		set->words[nr / 64] &= ~(1ull << (nr % 64));
}

bool syscall_set__has(const struct syscall_set *set, unsigned int nr)
{
	return nr < SYSCALL_NR_MAX && (set->words[nr / 64] >> (nr % 64) & 1);
}

unsigned int syscall_set__count(const struct syscall_set *set)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_LEN(set->words); i++)
		n += __builtin_popcountll(set->words[i]);
	return n;
}

void syscall_set__add_classes(struct syscall_set *set, unsigned int mask)
{
	unsigned int nr;

	for (nr = 0; nr < SYSCALL_NR_MAX; nr++) {
		if (syscall_table[nr].name && (syscall_table[nr].classes & mask))
			syscall_set__add(set, nr);
	}
}

/* Parsing selections. */

#define ITEM_MAX 64 /* longer than any name: a longer item is reported, not matched */

/* Levenshtein distance between a and b (both shorter than ITEM_MAX). */
static unsigned int edit_distance(const char *a, const char *b)
{
	unsigned int row[ITEM_MAX + 1], i, j, diag, up, lb = strlen(b);

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; a[i - 1]; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			row[j] = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[lb];
}

/* The candidate closest to word, if close enough to be a typing slip; NULL otherwise. */
struct suggestion {
	const char *word, *best;
	unsigned int dist;
};

static void suggest(struct suggestion *s, const char *candidate)
{
	unsigned int d;

	if (strlen(candidate) >= ITEM_MAX)
		return;
	d = edit_distance(s->word, candidate);
	if (!s->best || d < s->dist) {
		s->best = candidate;
		s->dist = d;
	}
}

static const char *suggestion__result(const struct suggestion *s)
{
	size_t len = strlen(s->word);
	unsigned int limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;

	return s->best && s->dist <= limit && s->dist < len ? s->best : NULL;
}

static int unknown_name(const char *item)
{
	struct suggestion s = { .word = item };
	unsigned int nr;
	const char *best;

	for (nr = 0; nr < SYSCALL_NR_MAX; nr++) {
		if (syscall_table[nr].name)
			suggest(&s, syscall_table[nr].name);
	}
	suggest(&s, "all");
	best = suggestion__result(&s);
	if (best)
		return err__set(EINVAL, "unknown system call '%s'; did you mean '%s'?", item, best);
	return err__set(EINVAL,
			"unknown system call '%s'; give a name such as openat, a number, "
			"class:NAME or all",
			item);
}

static int unknown_class(const char *name)
{
	struct suggestion s = { .word = name };
	const char *best;
	unsigned int i;

	for (i = 0; i < SYSC_COUNT; i++)
		suggest(&s, class_names[i]);
	best = suggestion__result(&s);
	if (best)
		return err__set(EINVAL, "unknown system call class '%s'; did you mean '%s'?", name,
				best);
	return err__set(EINVAL,
			"unknown system call class '%s'; the classes are file, process, memory, "
			"network, time, ipc, signal, desc and other",
			name);
}

static int parse_number(struct syscall_set *one, const char *item)
{
	unsigned long long nr;
	char *end;

	errno = 0;
	nr = strtoull(item, &end, 0);
	if (*end)
		return err__set(EINVAL,
				"'%s' is not a system call number; give a number such as 257",
				item);
	if (errno || nr >= SYSCALL_NR_MAX)
		return err__set(EINVAL,
				"system call number %s is out of range; numbers go from 0 to %d",
				item, SYSCALL_NR_MAX - 1);
	syscall_set__add(one, nr);
	return 0;
}

/* The set one item names (without its '!' or '-'). */
static int item_set(struct syscall_set *one, const char *item)
{
	const char *cls = NULL;
	int ret;

	syscall_set__clear(one);
	if (!strcmp(item, "all")) {
		syscall_set__fill(one);
		return 0;
	}
	if (isdigit((unsigned char)item[0]))
		return parse_number(one, item);
	if (!strncmp(item, "class:", 6))
		cls = item + 6;
	else if (item[0] == '%')
		cls = item + 1;
	if (cls) {
		ret = syscall__class_by_name(cls);
		if (ret < 0)
			return unknown_class(cls);
		syscall_set__add_classes(one, ret);
		return 0;
	}
	ret = syscall__by_name(item);
	if (ret < 0)
		return unknown_name(item);
	syscall_set__add(one, ret);
	return 0;
}

/* Copy the item between start and end into item, without surrounding blanks. */
static int copy_item(const char *start, const char *end, char *item, const char *spec)
{
	size_t len;

	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	len = end - start;
	if (!len)
		return err__set(EINVAL,
				"empty item in system call selection '%s'; separate items with "
				"single commas",
				spec);
	if (len >= ITEM_MAX)
		return err__set(EINVAL, "unknown system call '%.*s...'; no name is that long",
				ITEM_MAX / 2, start);
	memcpy(item, start, len);
	item[len] = '\0';
	return 0;
}

static int apply_item(struct syscall_set *set, const char *item, bool first)
{
	bool remove = item[0] == '!' || item[0] == '-';
	struct syscall_set one;
	unsigned int i;
	int ret;

	if (remove) {
		item++;
		if (first)
			syscall_set__fill(set);
		if (!*item)
			return err__set(EINVAL, "'%c' must be followed by the item to remove",
					item[-1]);
	}
	ret = item_set(&one, item);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_LEN(set->words); i++)
		set->words[i] =
			remove ? set->words[i] & ~one.words[i] : set->words[i] | one.words[i];
	return 0;
}

int syscall_set__parse(struct syscall_set *set, const char *spec)
{
	const char *start, *end;
	struct syscall_set tmp;
	char item[ITEM_MAX];
	bool first = true;
	int ret;

	if (!spec || !*spec)
		return err__set(EINVAL, "empty system call selection; give names, numbers, "
					"class:NAME or all, separated by commas");
	syscall_set__clear(&tmp);
	for (start = spec;; start = end + 1) {
		end = strchrnul(start, ',');
		ret = copy_item(start, end, item, spec);
		if (!ret)
			ret = apply_item(&tmp, item, first);
		if (ret)
			return ret;
		first = false;
		if (!*end)
			break;
	}
	*set = tmp;
	return 0;
}
