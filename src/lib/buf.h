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

/*
 * The file at path read as buf_read_file does, as a new string (the caller
 * frees), or NULL with errno set when buf_read_file fails.
 */
char *buf_file_text(const char *path, size_t max);

/*
 * Read the regular file at path, for files someone else controls (an
 * agent's artifact, a file in its worktree): append it to b, refusing
 * instead of blocking or exhausting memory. The last component must not be a
 * symbolic link (O_NOFOLLOW), the file is opened O_NONBLOCK so a FIFO never
 * blocks, fstat must show a regular file, and one over max bytes (0: no
 * limit) is refused by its size before a byte is read (and again if it grows
 * while read). Returns 0; or -1 with errno and why filled with a phrase to
 * put after the file's name, never empty: ENOENT (missing: "does not
 * exist"), ELOOP ("is a symbolic link, not a regular file"), EISDIR ("is a
 * directory, not a regular file"), EINVAL for any other non-regular file ("is
 * a FIFO, not a regular file", a socket, a character or block device),
 * EFBIG ("is 1.5 GiB, over the 8 MiB limit"), or open's and read's own
 * errors ("cannot be read: Permission denied"). b keeps what was appended.
 */
int buf_read_regular(struct buf *b, const char *path, size_t max, char *why, size_t whylen);

/* n bytes for people: "512 bytes", "2.0 KiB", "8 MiB", "1.5 GiB" (into out). */
void buf_format_size(unsigned long long n, char *out, size_t outlen);

#endif
