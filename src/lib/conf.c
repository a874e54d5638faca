/*
 * Configuration lines (see conf.h): fgets with a long-line check, then an
 * in-place split that removes the quotes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"

int
conf_open(struct conf_file *cf, const char *path)
{
	memset(cf, 0, sizeof(*cf));
	cf->f = fopen(path, "r");
	if (cf->f != NULL)
		return 1;
	return errno == ENOENT ? 0 : -1;
}

/* One word at *p, unquoted in place; NULL with why for an unbalanced quote. */
static char *
word(char **p, int quotes, char *why, size_t whylen)
{
	char *s = *p, *out = *p, *start = *p;
	char q = 0;

	for (; *s != '\0'; s++) {
		if (q == 0 && strchr(" \t\r\n", *s) != NULL)
			break;
		if (quotes && q == 0 && (*s == '\'' || *s == '"')) {
			q = *s;
		} else if (q != 0 && *s == q) {
			q = 0;
		} else if (q == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\')) {
			*out++ = *++s;
		} else {
			*out++ = *s;
		}
	}
	if (q != 0) {
		snprintf(why, whylen, "unbalanced %s quote", q == '\'' ? "single" : "double");
		return NULL;
	}
	*p = *s != '\0' ? s + 1 : s;
	*out = '\0';
	return start;
}

/* Split cf->line; the number of words (capped at maxw), or -1 with why. */
static int
split(struct conf_file *cf, char **w, int maxw, int quotes, char *why, size_t whylen)
{
	char *p = cf->line;
	int n = 0;

	for (;;) {
		char *t;

		p += strspn(p, " \t\r\n");
		if (*p == '\0' || n == maxw)
			return n;
		if ((t = word(&p, quotes, why, whylen)) == NULL)
			return -1;
		if (n == 0 && t[0] == '#')
			return 0;
		w[n++] = t;
	}
}

int
conf_next(struct conf_file *cf, char **w, int maxw, int quotes, char *why, size_t whylen)
{
	while (cf->f != NULL && fgets(cf->line, sizeof(cf->line), cf->f) != NULL) {
		int n;

		cf->lineno++;
		if (strchr(cf->line, '\n') == NULL && !feof(cf->f)) {
			int c;

			while ((c = fgetc(cf->f)) != EOF && c != '\n')
				;
			snprintf(why, whylen, "line too long");
			return -1;
		}
		if ((n = split(cf, w, maxw, quotes, why, whylen)) != 0)
			return n;
	}
	return 0;
}

void
conf_close(struct conf_file *cf)
{
	if (cf->f != NULL)
		fclose(cf->f);
	cf->f = NULL;
}
