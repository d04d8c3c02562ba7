/* printf-style formatting. Each conversion is laid out as
 *   [spaces][sign or 0x][zeros][body][spaces]
 * and every piece goes straight to the sink, so a huge width or precision
 * needs no buffer. Only integer arithmetic: the kernel has no FPU state. */
#include <stdbool.h>
#include <stdint.h>

#include "lib/fmt.h"
#include "lib/string.h"

#define FMT_INT_MAX 0x7fffffff

/* A width or precision above this is clamped, which keeps the size_t
 * arithmetic below far from overflow on any platform we build for. */
#define FMT_FIELD_MAX 0x7fffffff

#define F_MINUS 0x01
#define F_ZERO  0x02
#define F_PLUS  0x04
#define F_SPACE 0x08
#define F_HASH  0x10

enum fmt_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

struct fmt_sink {
	fmt_out_fn out;
	void *ctx;
	size_t count;
};

struct fmt_spec {
	unsigned flags;
	size_t width;
	size_t prec;
	bool has_prec;
	enum fmt_len len;
};

static void emit(struct fmt_sink *k, const char *s, size_t n)
{
	if (n == 0)
		return;
	k->out(k->ctx, s, n);
	k->count += n;
}

static void emit_repeat(struct fmt_sink *k, char c, size_t n)
{
	char chunk[32];

	memset(chunk, c, sizeof(chunk));
	while (n > 0) {
		size_t step = n < sizeof(chunk) ? n : sizeof(chunk);

		emit(k, chunk, step);
		n -= step;
	}
}

/* Emits prefix, zeros and body padded with spaces to the field width. */
static void emit_field(struct fmt_sink *k, const struct fmt_spec *sp,
		       const char *prefix, size_t nprefix, size_t zeros,
		       const char *body, size_t nbody)
{
	size_t used = nprefix + zeros + nbody;
	size_t pad = sp->width > used ? sp->width - used : 0;

	if (!(sp->flags & F_MINUS))
		emit_repeat(k, ' ', pad);
	emit(k, prefix, nprefix);
	emit_repeat(k, '0', zeros);
	emit(k, body, nbody);
	if (sp->flags & F_MINUS)
		emit_repeat(k, ' ', pad);
}

/*
 * Integer conversions, C11 7.21.6.1: the precision is the minimum number of
 * digits (so value 0 with precision 0 prints no digits), '0' pads to the
 * width only when no precision is given, and '#' makes octal start with 0.
 * The caller chooses the prefix: a sign, "0x", or both for a signed %p.
 */
static void emit_int(struct fmt_sink *k, const struct fmt_spec *sp,
		     uint64_t mag, unsigned base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char body[24]; /* 22 octal digits cover 64 bits */
	size_t pos = sizeof(body), nbody, zeros = 0;
	size_t nprefix = strlen(prefix);

	/* Digits are produced backwards into the end of body[]. */
	if (!(mag == 0 && sp->has_prec && sp->prec == 0)) {
		do {
			body[--pos] = digits[mag % base];
			mag /= base;
		} while (mag != 0);
	}
	nbody = sizeof(body) - pos;

	if (sp->has_prec && sp->prec > nbody)
		zeros = sp->prec - nbody;
	if (base == 8 && (sp->flags & F_HASH) && zeros == 0 &&
	    (nbody == 0 || body[pos] != '0'))
		zeros = 1;
	if ((sp->flags & F_ZERO) && !(sp->flags & F_MINUS) && !sp->has_prec) {
		size_t used = nprefix + zeros + nbody;

		if (sp->width > used)
			zeros += sp->width - used;
	}
	emit_field(k, sp, prefix, nprefix, zeros, body + pos, nbody);
}

/* '+' wins over ' ' when both are given (C11 7.21.6.1p6). */
static const char *sign_prefix(unsigned flags, bool negative)
{
	if (negative)
		return "-";
	if (flags & F_PLUS)
		return "+";
	if (flags & F_SPACE)
		return " ";
	return "";
}

static int64_t arg_signed(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H:  return (short)va_arg(*ap, int);
	case LEN_L:  return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	/* The signed type matching size_t; ptrdiff_t has its width. */
	case LEN_Z:  return va_arg(*ap, ptrdiff_t);
	case LEN_J:  return va_arg(*ap, intmax_t);
	case LEN_T:  return va_arg(*ap, ptrdiff_t);
	default:     return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:  return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:  return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z:  return va_arg(*ap, size_t);
	case LEN_J:  return va_arg(*ap, uintmax_t);
	case LEN_T:  return va_arg(*ap, size_t);
	default:     return va_arg(*ap, unsigned int);
	}
}

/* Reads a run of decimal digits, clamping instead of overflowing. */
static size_t parse_num(const char **p)
{
	size_t v = 0;

	while (**p >= '0' && **p <= '9') {
		v = v * 10 + (size_t)(**p - '0');
		if (v > FMT_FIELD_MAX)
			v = FMT_FIELD_MAX;
		(*p)++;
	}
	return v;
}

static enum fmt_len parse_len(const char **p)
{
	switch (**p) {
	case 'h':
		(*p)++;
		if (**p == 'h') {
			(*p)++;
			return LEN_HH;
		}
		return LEN_H;
	case 'l':
		(*p)++;
		if (**p == 'l') {
			(*p)++;
			return LEN_LL;
		}
		return LEN_L;
	case 'z': (*p)++; return LEN_Z;
	case 'j': (*p)++; return LEN_J;
	case 't': (*p)++; return LEN_T;
	default:  return LEN_NONE;
	}
}

/* Parses flags, width, precision and length after a '%'. The va_list goes
 * by pointer so that '*' arguments consumed here stay consumed. */
static void parse_spec(const char **p, struct fmt_spec *sp, va_list *ap)
{
	sp->flags = 0;
	for (;;) {
		unsigned f = 0;

		switch (**p) {
		case '-': f = F_MINUS; break;
		case '0': f = F_ZERO; break;
		case '+': f = F_PLUS; break;
		case ' ': f = F_SPACE; break;
		case '#': f = F_HASH; break;
		}
		if (!f)
			break;
		sp->flags |= f;
		(*p)++;
	}

	if (**p == '*') {
		int w = va_arg(*ap, int);

		(*p)++;
		/* A negative '*' width means '-' plus its magnitude. */
		if (w < 0) {
			sp->flags |= F_MINUS;
			sp->width = (size_t)-(int64_t)w;
			if (sp->width > FMT_FIELD_MAX)
				sp->width = FMT_FIELD_MAX;
		} else {
			sp->width = (size_t)w;
		}
	} else {
		sp->width = parse_num(p);
	}

	sp->has_prec = false;
	sp->prec = 0;
	if (**p == '.') {
		(*p)++;
		sp->has_prec = true;
		if (**p == '*') {
			int pr = va_arg(*ap, int);

			(*p)++;
			/* A negative '*' precision counts as none at all. */
			if (pr < 0)
				sp->has_prec = false;
			else
				sp->prec = (size_t)pr;
		} else {
			sp->prec = parse_num(p);
		}
	}
	sp->len = parse_len(p);
}

static void emit_string(struct fmt_sink *k, struct fmt_spec *sp, const char *s)
{
	size_t n;

	if (!s) {
		/* glibc prints nothing rather than a clipped "(nu". */
		s = (sp->has_prec && sp->prec < 6) ? "" : "(null)";
	}
	n = sp->has_prec ? strnlen(s, sp->prec) : strlen(s);
	emit_field(k, sp, NULL, 0, 0, s, n);
}

static void emit_pointer(struct fmt_sink *k, struct fmt_spec *sp, void *ptr)
{
	static const char *const prefixes[] = { "0x", "+0x", " 0x" };
	const char *sign = sign_prefix(sp->flags, false);

	if (!ptr) {
		sp->has_prec = false;
		emit_string(k, sp, "(nil)");
		return;
	}
	/* glibc formats a pointer as %#lx, keeping the sign flags too. */
	emit_int(k, sp, (uintptr_t)ptr, 16, false,
		 prefixes[*sign == '+' ? 1 : *sign == ' ' ? 2 : 0]);
}

static void emit_conversion(struct fmt_sink *k, char conv, struct fmt_spec *sp,
			    va_list *ap)
{
	switch (conv) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(ap, sp->len);
		/* Negate in unsigned arithmetic: INT64_MIN has no positive. */
		uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

		emit_int(k, sp, mag, 10, false, sign_prefix(sp->flags, v < 0));
		break;
	}
	case 'u':
		emit_int(k, sp, arg_unsigned(ap, sp->len), 10, false, "");
		break;
	case 'o':
		emit_int(k, sp, arg_unsigned(ap, sp->len), 8, false, "");
		break;
	case 'x':
	case 'X': {
		uint64_t v = arg_unsigned(ap, sp->len);
		const char *prefix = "";

		/* '#' adds 0x only to a non-zero value. */
		if ((sp->flags & F_HASH) && v != 0)
			prefix = conv == 'X' ? "0X" : "0x";
		emit_int(k, sp, v, 16, conv == 'X', prefix);
		break;
	}
	case 'c': {
		char c = (char)va_arg(*ap, int);

		emit_field(k, sp, NULL, 0, 0, &c, 1);
		break;
	}
	case 's':
		emit_string(k, sp, va_arg(*ap, const char *));
		break;
	case 'p':
		emit_pointer(k, sp, va_arg(*ap, void *));
		break;
	}
}

/* True when conv is a conversion this file implements with this length. */
static bool known_conversion(char conv, enum fmt_len len)
{
	switch (conv) {
	case 'd': case 'i': case 'u': case 'o': case 'x': case 'X':
		return true;
	case 'c': case 's': case 'p':
		/* Wide characters and strings are not supported. */
		return len == LEN_NONE;
	default:
		return false;
	}
}

int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_sink k = { out, ctx, 0 };
	const char *p = fmt;
	va_list args;

	/* Working on a copy lets helpers take a va_list pointer portably
	 * (va_list may be an array type that decays in a parameter). */
	va_copy(args, ap);
	while (*p) {
		const char *start = p;

		while (*p && *p != '%')
			p++;
		emit(&k, start, (size_t)(p - start));
		if (!*p)
			break;

		start = p++;
		if (*p == '%') {
			emit(&k, "%", 1);
			p++;
			continue;
		}
		struct fmt_spec sp;
		parse_spec(&p, &sp, &args);
		if (*p == '%') {
			/* "%5%" prints a bare '%', as glibc does. */
			emit(&k, "%", 1);
			p++;
		} else if (*p && known_conversion(*p, sp.len)) {
			emit_conversion(&k, *p, &sp, &args);
			p++;
		} else {
			/* Copy the unknown spec through, conversion char too. */
			if (*p)
				p++;
			emit(&k, start, (size_t)(p - start));
		}
	}
	va_end(args);
	return k.count > FMT_INT_MAX ? FMT_INT_MAX : (int)k.count;
}

struct fmt_buf {
	char *buf;
	size_t size;
	size_t pos;
};

/* Keeps what fits in size-1 bytes, leaving room for the NUL. */
static void buf_out(void *ctx, const char *s, size_t n)
{
	struct fmt_buf *b = ctx;

	if (b->size > 0 && b->pos < b->size - 1) {
		size_t room = b->size - 1 - b->pos;
		size_t step = n < room ? n : room;

		memcpy(b->buf + b->pos, s, step);
	}
	b->pos += n;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buf b = { buf, size, 0 };
	int n = fmt_vformat(buf_out, &b, fmt, ap);

	if (size > 0)
		buf[b.pos < size - 1 ? b.pos : size - 1] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
