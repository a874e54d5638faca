/*
 * The verbs' one command-line parser and the usage and help made from the
 * same tables (see args.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "args.h"

/* Options and arguments whose names and help would not fit get the help on the next line. */
#define HELP_COLUMN 26

static size_t
count_opts(const struct args_opt *opts)
{
	size_t n = 0;

	while (opts != NULL && (opts[n].name != NULL || opts[n].short_name != 0))
		n++;
	if (n > ARGS_MAX_OPTS) {
		/* A table this long is a programming error, caught by any test of the verb. */
		fprintf(stderr, "devflow: bug: more than %d options in a table\n", ARGS_MAX_OPTS);
		abort();
	}
	return n;
}

const char *
args_opt_spelling(const struct args_opt *o)
{
	static char s[64];

	if (o->name != NULL)
		snprintf(s, sizeof(s), "--%s", o->name);
	else
		snprintf(s, sizeof(s), "-%c", o->short_name);
	return s;
}

static int
find_long(const struct args *a, const char *name, size_t len)
{
	for (size_t i = 0; i < a->nopts; i++)
		if (a->opts[i].name != NULL && strlen(a->opts[i].name) == len &&
		    strncmp(a->opts[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static int
find_short(const struct args *a, char c)
{
	for (size_t i = 0; i < a->nopts; i++)
		if (a->opts[i].short_name == c)
			return (int)i;
	return -1;
}

/* Record option k given as spelt, with value v (NULL for a flag). */
static int
set_opt(struct args *a, int k, const char *spelt, const char *v, struct df_error *err)
{
	const struct args_opt *o = &a->opts[k];

	if (o->kind != ARGS_REPEAT && a->count[k] > 0)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "%s given more than once",
		                    spelt);
	a->count[k]++;
	if (o->kind == ARGS_VALUE) {
		a->value[k] = v;
	} else if (o->kind == ARGS_REPEAT) {
		a->values[k] = xreallocarray(a->values[k], (size_t)a->count[k] + 1, sizeof(char *));
		a->values[k][a->count[k] - 1] = v;
		a->values[k][a->count[k]] = NULL;
	}
	return 0;
}

static int
missing_value(const struct args_opt *o, const char *spelt, struct df_error *err)
{
	return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "%s needs a value (%s)", spelt,
	                    o->arg != NULL ? o->arg : "VALUE");
}

/* --name, --name=VALUE or --name VALUE at argv[*i]. */
static int
parse_long(struct args *a, int argc, char **argv, int *i, struct df_error *err)
{
	const char *s = argv[*i], *eq = strchr(s, '=');
	size_t len = eq != NULL ? (size_t)(eq - s - 2) : strlen(s + 2);
	int k = find_long(a, s + 2, len);
	char spelt[64];

	snprintf(spelt, sizeof(spelt), "%.*s", (int)(len + 2), s);
	if (k < 0)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "unknown option '%s'",
		                    spelt);
	if (a->opts[k].kind == ARGS_FLAG) {
		if (eq != NULL)
			return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
			                    "%s takes no value (given '%s')", spelt, eq + 1);
		return set_opt(a, k, spelt, NULL, err);
	}
	if (eq != NULL)
		return set_opt(a, k, spelt, eq + 1, err);
	if (*i + 1 >= argc)
		return missing_value(&a->opts[k], spelt, err);
	return set_opt(a, k, spelt, argv[++*i], err);
}

/* -x, -xy (flags), -xVALUE or -x VALUE at argv[*i]. */
static int
parse_short(struct args *a, int argc, char **argv, int *i, struct df_error *err)
{
	const char *s = argv[*i];

	for (size_t c = 1; s[c] != '\0'; c++) {
		int k = find_short(a, s[c]);
		char spelt[3] = { '-', s[c], '\0' };

		if (k < 0)
			return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
			                    c == 1 && s[2] == '\0'
			                        ? "unknown option '%s'"
			                        : "unknown option '%s' (in '%s')",
			                    spelt, s);
		if (a->opts[k].kind == ARGS_FLAG) {
			if (set_opt(a, k, spelt, NULL, err) != 0)
				return -1;
			continue;
		}
		if (s[c + 1] != '\0')
			return set_opt(a, k, spelt, s + c + 1, err);
		if (*i + 1 >= argc)
			return missing_value(&a->opts[k], spelt, err);
		return set_opt(a, k, spelt, argv[++*i], err);
	}
	return 0;
}

/* After all of argv: required options there, and as many positional arguments as pos allows. */
static int
check_counts(const struct args *a, const struct args_pos *pos, struct df_error *err)
{
	int nreq = 0, nmax = 0, rest = 0;

	for (size_t k = 0; k < a->nopts; k++)
		if (a->opts[k].required && a->count[k] == 0)
			return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
			                    "%s %s is required", args_opt_spelling(&a->opts[k]),
			                    a->opts[k].arg != NULL ? a->opts[k].arg : "");
	for (size_t p = 0; pos != NULL && pos[p].name != NULL; p++) {
		nreq += pos[p].kind == ARGS_REQUIRED;
		nmax++;
		rest |= pos[p].kind == ARGS_REST;
	}
	if (a->npos < nreq) {
		const char *name = pos[a->npos].name;
		char lower[32];
		size_t n;

		for (n = 0; name[n] != '\0' && n + 1 < sizeof(lower); n++)
			lower[n] = (char)tolower((unsigned char)name[n]);
		lower[n] = '\0';
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "which %s? (%s is missing)", lower, name);
	}
	if (!rest && a->npos > nmax)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "unexpected argument '%s'", a->pos[nmax]);
	return 0;
}

/* The index of pos's REST entry, or -1. */
static int
rest_index(const struct args_pos *pos)
{
	for (int p = 0; pos != NULL && pos[p].name != NULL; p++)
		if (pos[p].kind == ARGS_REST)
			return p;
	return -1;
}

int
args_parse(const struct args_opt *opts, const struct args_pos *pos, int argc, char **argv,
           int stop_at_pos, struct args *a, struct df_error *err)
{
	int verbatim = 0, rest = rest_index(pos);

	memset(a, 0, sizeof(*a));
	a->opts = opts;
	a->nopts = count_opts(opts);
	a->pos = xcalloc((size_t)argc + 1, sizeof(*a->pos));
	for (int i = 1; i < argc; i++) {
		char *s = argv[i];
		int rc;

		if (!verbatim && strcmp(s, "--") == 0) {
			verbatim = 1;
			continue;
		}
		if (verbatim || s[0] != '-' || s[1] == '\0') {
			a->pos[a->npos++] = s;
			/* Once the REST argument is reached, the rest is taken as it is. */
			if (stop_at_pos || (rest >= 0 && a->npos >= rest))
				verbatim = 1;
			continue;
		}
		if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			a->help = 1;
			return 0;
		}
		rc = s[1] == '-' ? parse_long(a, argc, argv, &i, err)
		                 : parse_short(a, argc, argv, &i, err);
		if (rc != 0)
			return -1;
	}
	return stop_at_pos ? 0 : check_counts(a, pos, err);
}

void
args_free(struct args *a)
{
	for (size_t k = 0; k < ARGS_MAX_OPTS; k++)
		free(a->values[k]);
	free(a->pos);
	memset(a, 0, sizeof(*a));
}

static int
lookup(const struct args *a, const char *name)
{
	int k = find_long(a, name, strlen(name));

	if (k < 0 && name[0] != '\0' && name[1] == '\0')
		k = find_short(a, name[0]);
	if (k < 0) {
		/* A verb asking for an option its table lacks: a bug any test of it finds. */
		fprintf(stderr, "devflow: bug: no option '%s' in the verb's table\n", name);
		abort();
	}
	return k;
}

int
args_has(const struct args *a, const char *name)
{
	return a->count[lookup(a, name)];
}

const char *
args_get(const struct args *a, const char *name)
{
	return a->value[lookup(a, name)];
}

const char *const *
args_get_all(const struct args *a, const char *name)
{
	static const char *const none[] = { NULL };
	int k = lookup(a, name);

	return a->values[k] != NULL ? (const char *const *)a->values[k] : none;
}

void
args_usage(struct buf *b, const struct args_opt *opts, const struct args_pos *pos)
{
	const char *sep = "";

	for (size_t p = 0; pos != NULL && pos[p].name != NULL; p++, sep = " ")
		buf_printf(b,
		           pos[p].kind == ARGS_REQUIRED   ? "%s%s"
		           : pos[p].kind == ARGS_OPTIONAL ? "%s[%s]"
		                                          : "%s[%s...]",
		           sep, pos[p].name);
	for (size_t k = 0; k < count_opts(opts); k++, sep = " ") {
		const struct args_opt *o = &opts[k];

		buf_printf(b, "%s%s%s%s%s%s%s", sep, o->required ? "" : "[", args_opt_spelling(o),
		           o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "",
		           o->required ? "" : "]", o->kind == ARGS_REPEAT ? "..." : "");
	}
}

/*
 * One entry: left (padded to the help column, or alone on its line when
 * longer), then help, wrapped at spaces to fit 80 columns, each further
 * line at the help column.
 */
static void
help_line(struct buf *b, const char *left, const char *help)
{
	const int width = 80 - 2 - HELP_COLUMN;

	if (strlen(left) + 2 > HELP_COLUMN)
		buf_printf(b, "  %s\n  %-*s", left, HELP_COLUMN, "");
	else
		buf_printf(b, "  %-*s", HELP_COLUMN, left);
	while ((int)strlen(help) > width) {
		int cut = width;

		while (cut > 0 && help[cut] != ' ')
			cut--;
		if (cut == 0) /* one word longer than the line: let it be */
			break;
		buf_printf(b, "%.*s\n  %-*s", cut, help, HELP_COLUMN, "");
		help += cut + 1;
	}
	buf_printf(b, "%s\n", help);
}

void
args_help(struct buf *b, const struct args_opt *opts, const struct args_pos *pos)
{
	char left[96], help[512];

	if (pos != NULL && pos[0].name != NULL)
		buf_puts(b, "arguments:\n");
	for (size_t p = 0; pos != NULL && pos[p].name != NULL; p++) {
		snprintf(left, sizeof(left), pos[p].kind == ARGS_REST ? "%s..." : "%s",
		         pos[p].name);
		help_line(b, left, pos[p].help);
	}
	buf_puts(b, pos != NULL && pos[0].name != NULL ? "\noptions:\n" : "options:\n");
	for (size_t k = 0; k < count_opts(opts); k++) {
		const struct args_opt *o = &opts[k];
		char sh[5] = "    ";

		if (o->short_name != 0)
			snprintf(sh, sizeof(sh), o->name != NULL ? "-%c, " : "-%c", o->short_name);
		snprintf(left, sizeof(left), "%s%s%s%s", sh, o->name != NULL ? "--" : "",
		         o->name != NULL ? o->name : "", o->arg != NULL ? " " : "");
		if (o->arg != NULL)
			snprintf(left + strlen(left), sizeof(left) - strlen(left), "%s", o->arg);
		snprintf(help, sizeof(help), "%s%s", o->help,
		         o->required              ? " (required)"
		         : o->kind == ARGS_REPEAT ? " (may be repeated)"
		                                  : "");
		help_line(b, left, help);
	}
	help_line(b, "-h, --help", "print this help and exit");
}
