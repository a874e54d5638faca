/*
 * URI references for $id and $ref (RFC 3986): resolving a reference against
 * a base URI (splitting both into components, removing dot segments),
 * dropping a fragment, and percent-decoding a fragment (a JSON pointer or an
 * anchor name may come percent-encoded). Plain string functions: which
 * schema node a URI names is the index's business (schema-int.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/str.h"
#include "lib/xalloc.h"
#include "schema-int.h"
#include "uri.h"

struct uri {
	const char *scheme, *auth, *path, *query, *frag;
	size_t lscheme, lauth, lpath, lquery, lfrag;
	int has_scheme, has_auth, has_query, has_frag;
};

/* Split a URI reference into its RFC 3986 components (appendix B). */
static void
uri_split(const char *s, struct uri *u)
{
	const char *p = s, *q;

	memset(u, 0, sizeof(*u));
	q = p;
	while (*q && *q != ':' && *q != '/' && *q != '?' && *q != '#')
		q++;
	if (*q == ':' && q > p) {
		u->has_scheme = 1;
		u->scheme = p;
		u->lscheme = (size_t)(q - p);
		p = q + 1;
	}
	if (p[0] == '/' && p[1] == '/') {
		p += 2;
		q = p;
		while (*q && *q != '/' && *q != '?' && *q != '#')
			q++;
		u->has_auth = 1;
		u->auth = p;
		u->lauth = (size_t)(q - p);
		p = q;
	}
	q = p;
	while (*q && *q != '?' && *q != '#')
		q++;
	u->path = p;
	u->lpath = (size_t)(q - p);
	p = q;
	if (*p == '?') {
		q = ++p;
		while (*q && *q != '#')
			q++;
		u->has_query = 1;
		u->query = p;
		u->lquery = (size_t)(q - p);
		p = q;
	}
	if (*p == '#') {
		u->has_frag = 1;
		u->frag = p + 1;
		u->lfrag = strlen(p + 1);
	}
}

/* RFC 3986 5.2.4, in place on a NUL-terminated path. */
static void
remove_dot_segments(char *path)
{
	char *in = path, *out = path;

	while (*in) {
		if (strncmp(in, "../", 3) == 0) {
			in += 3;
		} else if (strncmp(in, "./", 2) == 0) {
			in += 2;
		} else if (strncmp(in, "/./", 3) == 0) {
			in += 2;
		} else if (strcmp(in, "/.") == 0) {
			in[1] = '\0';
		} else if (strncmp(in, "/../", 4) == 0 || strcmp(in, "/..") == 0) {
			if (in[3] == '/')
				in += 3;
			else {
				in += 2;
				*in = '/';
			}
			while (out > path && *--out != '/')
				;
		} else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0) {
			*in = '\0';
		} else {
			do
				*out++ = *in++;
			while (*in && *in != '/');
		}
	}
	*out = '\0';
}

static void
put_path(struct buf *b, const char *p, size_t n)
{
	char *tmp = xstrndup(p, n);

	remove_dot_segments(tmp);
	buf_puts(b, tmp);
	free(tmp);
}

char *
uri_resolve(const char *base, const char *ref)
{
	struct uri b, r;
	struct buf out = BUF_INIT;

	uri_split(ref, &r);
	if (base == NULL || r.has_scheme)
		return xstrdup(ref);
	uri_split(base, &b);
	if (b.has_scheme) {
		buf_append(&out, b.scheme, b.lscheme);
		buf_putc(&out, ':');
	}
	if (r.has_auth) {
		buf_puts(&out, "//");
		buf_append(&out, r.auth, r.lauth);
		put_path(&out, r.path, r.lpath);
		if (r.has_query) {
			buf_putc(&out, '?');
			buf_append(&out, r.query, r.lquery);
		}
	} else {
		if (b.has_auth) {
			buf_puts(&out, "//");
			buf_append(&out, b.auth, b.lauth);
		}
		if (r.lpath == 0) {
			buf_append(&out, b.path, b.lpath);
			if (r.has_query || b.has_query)
				buf_putc(&out, '?');
			if (r.has_query)
				buf_append(&out, r.query, r.lquery);
			else if (b.has_query)
				buf_append(&out, b.query, b.lquery);
		} else {
			if (r.path[0] == '/') {
				put_path(&out, r.path, r.lpath);
			} else {
				struct buf merged = BUF_INIT;
				const char *slash = NULL;

				if (b.has_auth && b.lpath == 0) {
					buf_putc(&merged, '/');
				} else {
					for (size_t i = 0; i < b.lpath; i++)
						if (b.path[i] == '/')
							slash = b.path + i;
					if (slash != NULL)
						buf_append(&merged, b.path,
						           (size_t)(slash - b.path) + 1);
				}
				buf_append(&merged, r.path, r.lpath);
				put_path(&out, merged.data, merged.len);
				buf_free(&merged);
			}
			if (r.has_query) {
				buf_putc(&out, '?');
				buf_append(&out, r.query, r.lquery);
			}
		}
	}
	if (r.has_frag) {
		buf_putc(&out, '#');
		buf_append(&out, r.frag, r.lfrag);
	}
	return buf_detach(&out);
}

char *
uri_strip_fragment(const char *uri)
{
	const char *h = strchr(uri, '#');

	return h ? xstrndup(uri, (size_t)(h - uri)) : xstrdup(uri);
}

char *
sch_percent_decode(const char *s)
{
	struct buf b = BUF_INIT;

	for (; *s; s++) {
		if (s[0] == '%' && str_hexval(s[1]) >= 0 && str_hexval(s[2]) >= 0) {
			buf_putc(&b, (char)(str_hexval(s[1]) * 16 + str_hexval(s[2])));
			s += 2;
		} else {
			buf_putc(&b, *s);
		}
	}
	return buf_detach(&b);
}
