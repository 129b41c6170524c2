// SPDX-License-Identifier: GPL-2.0
/* Formatted output for the guest kernel and libc (fmt.h). */
#include <stdint.h>

#include "fmt.h"

struct out {
	char *buf;
	size_t size, pos; /* pos counts every byte, stored or not */
};

struct spec {
	int left, zero, width, longs;
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->size)
		o->buf[o->pos] = c;
	o->pos++;
}

static void pad(struct out *o, int n, char c)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const struct spec *sp, const char *s)
{
	int len = 0;

	if (!s)
		s = "(null)";
	while (s[len])
		len++;
	if (!sp->left)
		pad(o, sp->width - len, ' ');
	while (*s)
		put(o, *s++);
	if (sp->left)
		pad(o, sp->width - len, ' ');
}

static void put_num(struct out *o, const struct spec *sp, uint64_t v, int base, int upper, int neg)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + neg;
	if (neg && sp->zero)
		put(o, '-');
	if (!sp->left)
		pad(o, sp->width - len, sp->zero ? '0' : ' ');
	if (neg && !sp->zero)
		put(o, '-');
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, sp->width - len, ' ');
}

static const char *parse_spec(const char *f, struct spec *sp)
{
	sp->left = sp->zero = sp->width = sp->longs = 0;
	for (;; f++) {
		if (*f == '-')
			sp->left = 1;
		else if (*f == '0')
			sp->zero = 1;
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	while (*f == 'l' || *f == 'z') {
		sp->longs++;
		f++;
	}
	return f;
}

static void put_signed(struct out *o, const struct spec *sp, va_list *ap)
{
	int64_t v = sp->longs ? va_arg(*ap, int64_t) : va_arg(*ap, int);

	put_num(o, sp, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, 0, v < 0);
}

static void put_unsigned(struct out *o, const struct spec *sp, char conv, va_list *ap)
{
	uint64_t v = sp->longs ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned int);

	put_num(o, sp, v, conv == 'u' ? 10 : 16, conv == 'X', 0);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list aq;

	va_copy(aq, ap);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		switch (*fmt) {
		case 'd':
		case 'i':
			put_signed(&o, &sp, &aq);
			break;
		case 'u':
		case 'x':
		case 'X':
			put_unsigned(&o, &sp, *fmt, &aq);
			break;
		case 'p':
			put_str(&o, &sp, "0x");
			put_num(&o, &sp, (uint64_t)va_arg(aq, void *), 16, 0, 0);
			break;
		case 's':
			put_str(&o, &sp, va_arg(aq, const char *));
			break;
		case 'c':
			put(&o, (char)va_arg(aq, int));
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, *fmt);
		}
	}
	va_end(aq);
	if (size)
		buf[o.pos < size ? o.pos : size - 1] = '\0';
	return (int)o.pos;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
