/*
 * The line syntax of devflow's configuration files (keys.conf, config):
 * one command a line, words separated by blanks, blank lines and lines
 * whose first word starts with '#' skipped. Optionally a word may be quoted
 * ('single' taken as is, "double" with \" and \\), so a value may hold
 * blanks: `set notify-command 'ntfy publish mytopic'`. Each file's own
 * commands are its reader's; this reads lines and counts them, so every
 * error can name file:line.
 */
#ifndef DEVFLOW_CONF_H
#define DEVFLOW_CONF_H

#include <stdio.h>

/* The longest line read, newline included; longer ones are an error. */
#define CONF_LINE_MAX 1024

struct conf_file {
	FILE *f;
	int lineno; /* of the line last returned */
	char line[CONF_LINE_MAX];
};

/*
 * Open path. Returns 1, or 0 when there is no such file (nothing to read;
 * not an error), or -1 with errno (another reason it cannot be read).
 */
int conf_open(struct conf_file *cf, const char *path);

/*
 * The next line with words, split into w (at most maxw words kept: the
 * count returned is capped at maxw, so a caller expecting n words asks for
 * n + 1 to see extra ones). The words point into cf and live until the next
 * call. Returns the number of words (>= 1), 0 at the end of the file, or -1
 * for a bad line, why saying what is wrong ("line too long", "unbalanced
 * quote"), cf->lineno naming it; reading goes on after a bad line.
 */
int conf_next(struct conf_file *cf, char **w, int maxw, int quotes, char *why, size_t whylen);

void conf_close(struct conf_file *cf);

#endif
