/*
 * A growable byte buffer, always NUL-terminated, for building strings and
 * frames. Allocation failures abort (see xalloc.h).
 */
#ifndef DEVFLOW_BUF_H
#define DEVFLOW_BUF_H

#include <stddef.h>

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

#endif
