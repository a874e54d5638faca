/*
 * Growable byte buffer used for canonical JSON, reports and protocol frames.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "xalloc.h"

static void
buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void
buf_append(struct buf *b, const void *data, size_t len)
{
	buf_grow(b, len);
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

char *
buf_detach(struct buf *b)
{
	char *s = b->data ? b->data : xstrdup("");

	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
buf_read_stream(struct buf *b, FILE *f, size_t max)
{
	char chunk[8192];
	size_t n, start = b->len;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(b, chunk, n);
		if (max > 0 && b->len - start > max) {
			errno = EFBIG;
			return -1;
		}
	}
	if (b->data == NULL)
		buf_append(b, "", 0); /* an empty file is an empty string, never NULL */
	if (ferror(f)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

int
buf_read_file(struct buf *b, const char *path, size_t max)
{
	FILE *f = fopen(path, "rb");
	int rc, saved;

	if (f == NULL)
		return -1;
	errno = 0;
	rc = buf_read_stream(b, f, max);
	saved = errno;
	fclose(f);
	errno = saved;
	return rc;
}

char *
buf_file_text(const char *path, size_t max)
{
	struct buf b = BUF_INIT;
	int saved;

	if (buf_read_file(&b, path, max) == 0)
		return buf_detach(&b);
	saved = errno;
	buf_free(&b);
	errno = saved;
	return NULL;
}

void
buf_format_size(unsigned long long n, char *out, size_t outlen)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 1024) {
		snprintf(out, outlen, "%llu byte%s", n, n == 1 ? "" : "s");
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	/* Round numbers (limits) without a decimal: "8 MiB"; others with one. */
	if (v == (double)(unsigned long long)v)
		snprintf(out, outlen, "%.0f %s", v, units[u]);
	else
		snprintf(out, outlen, "%.1f %s", v, units[u]);
}

/* What a file that is not a regular one is, for messages; its errno in *e. */
static const char *
kind_name(mode_t mode, int *e)
{
	*e = EINVAL;
	if (S_ISLNK(mode)) {
		*e = ELOOP;
		return "a symbolic link";
	}
	if (S_ISDIR(mode)) {
		*e = EISDIR;
		return "a directory";
	}
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return "not a regular file";
}

static int refuse(char *why, size_t whylen, int e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
refuse(char *why, size_t whylen, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	errno = e;
	return -1;
}

static int
refuse_kind(char *why, size_t whylen, mode_t mode)
{
	int e;
	const char *k = kind_name(mode, &e);

	return refuse(why, whylen, e, "is %s%s", k,
	              strcmp(k, "not a regular file") == 0 ? "" : ", not a regular file");
}

static int
refuse_size(char *why, size_t whylen, unsigned long long size, size_t max)
{
	char have[32], lim[32];

	buf_format_size(size, have, sizeof(have));
	buf_format_size(max, lim, sizeof(lim));
	return refuse(why, whylen, EFBIG, "is %s, over the %s limit", have, lim);
}

int
buf_read_regular(struct buf *b, const char *path, size_t max, char *why, size_t whylen)
{
	struct stat st;
	char chunk[8192];
	size_t start = b->len;
	ssize_t n;
	int fd, e;

	/* lstat first: a device or FIFO is refused without even opening it. */
	if (lstat(path, &st) != 0) {
		e = errno;
		return refuse(why, whylen, e, "%s", e == ENOENT ? "does not exist" : strerror(e));
	}
	if (!S_ISREG(st.st_mode))
		return refuse_kind(why, whylen, st.st_mode);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		e = errno;
		if (e == ELOOP) /* replaced by a symbolic link since lstat */
			return refuse_kind(why, whylen, S_IFLNK);
		return refuse(why, whylen, e, "%s", e == ENOENT ? "does not exist" : strerror(e));
	}
	/* The file opened is what counts: it may have been swapped since lstat. */
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		return refuse(why, whylen, e, "cannot be read: %s", strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return refuse_kind(why, whylen, st.st_mode);
	}
	if (max > 0 && (unsigned long long)st.st_size > max) {
		close(fd);
		return refuse_size(why, whylen, (unsigned long long)st.st_size, max);
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_append(b, chunk, (size_t)n);
		if (max > 0 && b->len - start > max) { /* it grew while read */
			unsigned long long size = b->len - start;

			if (fstat(fd, &st) == 0 && (unsigned long long)st.st_size > size)
				size = (unsigned long long)st.st_size;
			close(fd);
			return refuse_size(why, whylen, size, max);
		}
	}
	e = errno;
	close(fd);
	if (b->data == NULL)
		buf_append(b, "", 0); /* an empty file is an empty string, never NULL */
	if (n < 0)
		return refuse(why, whylen, e, "cannot be read: %s", strerror(e));
	return 0;
}
