/*
 * A growable byte buffer, always NUL-terminated, for building strings and
 * frames. Allocation failures abort (see xalloc.h).
 */
#ifndef DEVFLOW_BUF_H
#define DEVFLOW_BUF_H

#include <stddef.h>
#include <stdio.h>

struct buf {
	char *data; /* NUL-terminated once anything was appended; may be NULL when empty */
	size_t len;
	size_t cap;
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empty the buffer, keeping its storage. */
void buf_reset(struct buf *b);
/* Hand the string to the caller (who frees it); the buffer becomes empty. Never NULL. */
char *buf_detach(struct buf *b);
void buf_free(struct buf *b);

/*
 * Append what can be read from f until EOF to b, stopping with EFBIG once b
 * holds more than max bytes (0: no limit). Returns 0, or -1 with errno set
 * (a read error, or EFBIG); b keeps what was read either way. f stays open.
 */
int buf_read_stream(struct buf *b, FILE *f, size_t max);

/*
 * As buf_read_stream for the file at path (opened and closed here). -1 with
 * errno from fopen (ENOENT, EACCES, ...) when it cannot be opened.
 */
int buf_read_file(struct buf *b, const char *path, size_t max);

#endif
