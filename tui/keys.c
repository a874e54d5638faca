/*
 * Key names, default bindings and keys.conf (see keys.h). The default table
 * is the footer's and the help screen's source of truth.
 */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <wchar.h>

#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/xalloc.h"
#include "keys.h"

static const struct {
	const char *name;
	const char *help;
} requests[REQ__COUNT] = { [REQ_NONE] = { NULL, NULL },
#define TUI_X(id, nm, hl) [REQ_##id] = { nm, hl },
	                   TUI_REQUESTS(TUI_X)
#undef TUI_X
};

const char *
request_name(enum tui_request req)
{
	return req > REQ_NONE && req < REQ__COUNT ? requests[req].name : NULL;
}

const char *
request_help(enum tui_request req)
{
	return req > REQ_NONE && req < REQ__COUNT ? requests[req].help : NULL;
}

enum tui_request
request_from_name(const char *name)
{
	for (int r = REQ_NONE + 1; r < REQ__COUNT; r++)
		if (strcmp(requests[r].name, name) == 0)
			return (enum tui_request)r;
	return REQ_NONE;
}

/* Named keys, both directions; the first name of a key is the one shown. */
static const struct {
	const char *name;
	int key;
} named[] = {
	{ "Enter", '\r' },
	{ "Return", '\n' },
	{ "Tab", '\t' },
	{ "Esc", 27 },
	{ "Space", ' ' },
	{ "Backspace", 127 },
	{ "BTab", KEYS_FN | KEY_BTAB },
	{ "S-Tab", KEYS_FN | KEY_BTAB },
	{ "Up", KEYS_FN | KEY_UP },
	{ "Down", KEYS_FN | KEY_DOWN },
	{ "Left", KEYS_FN | KEY_LEFT },
	{ "Right", KEYS_FN | KEY_RIGHT },
	{ "PgUp", KEYS_FN | KEY_PPAGE },
	{ "PgDn", KEYS_FN | KEY_NPAGE },
	{ "Home", KEYS_FN | KEY_HOME },
	{ "End", KEYS_FN | KEY_END },
	{ "Del", KEYS_FN | KEY_DC },
	{ "Ins", KEYS_FN | KEY_IC },
	{ "Backspace", KEYS_FN | KEY_BACKSPACE },
	{ "Enter", KEYS_FN | KEY_ENTER },
};

int
keys_parse(const char *name)
{
	size_t len = strlen(name);
	mbstate_t st;
	wchar_t wc;
	size_t n;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (strcasecmp(named[i].name, name) == 0)
			return named[i].key;
	if ((name[0] == 'F' || name[0] == 'f') && len >= 2 && len <= 3) {
		char *end;
		long f = strtol(name + 1, &end, 10);

		if (*end == '\0' && f >= 1 && f <= 12)
			return KEYS_FN | KEY_F(f);
	}
	if ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' && len == 3) {
		int c = (unsigned char)name[2];

		if (c >= 'a' && c <= 'z')
			return c - 'a' + 1;
		if (c >= '@' && c <= '_')
			return c - '@';
		return -1;
	}
	memset(&st, 0, sizeof st);
	n = mbrtowc(&wc, name, len, &st);
	if (n == len && wc > ' ' && wc != 127)
		return (int)wc;
	if (len == 1 && (unsigned char)name[0] > ' ' && (unsigned char)name[0] < 127)
		return (unsigned char)name[0];
	return -1;
}

void
keys_name(int key, char out[KEYS_NAME_MAX])
{
	key &= ~KEYS_QUESTION;
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (named[i].key == key) {
			snprintf(out, KEYS_NAME_MAX, "%s", named[i].name);
			return;
		}
	if (key & KEYS_FN) {
		int k = key & ~KEYS_FN;

		if (k >= KEY_F(1) && k <= KEY_F(12))
			snprintf(out, KEYS_NAME_MAX, "F%d", k - KEY_F(0));
		else
			snprintf(out, KEYS_NAME_MAX, "key-%d", k);
		return;
	}
	if (key >= 1 && key < 32) {
		snprintf(out, KEYS_NAME_MAX, "C-%c",
		         key + 'a' - 1 > 'z' ? key + '@' : key + 'a' - 1);
		return;
	}
	if (key < 0) {
		snprintf(out, KEYS_NAME_MAX, "?");
		return;
	}
	{
		mbstate_t st;
		char mb[MB_LEN_MAX + 1];
		size_t n;

		memset(&st, 0, sizeof st);
		n = wcrtomb(mb, (wchar_t)key, &st);
		if (n == (size_t)-1)
			snprintf(out, KEYS_NAME_MAX, "U+%04X", (unsigned)key);
		else {
			mb[n] = '\0';
			snprintf(out, KEYS_NAME_MAX, "%s", mb);
		}
	}
}

/* clang-format off */
static const struct keymap_entry default_keys[] = {
	{ 'j', REQ_MOVE_DOWN },
	{ KEYS_FN | KEY_DOWN, REQ_MOVE_DOWN },
	{ 'k', REQ_MOVE_UP },
	{ KEYS_FN | KEY_UP, REQ_MOVE_UP },
	{ KEYS_FN | KEY_NPAGE, REQ_PAGE_DOWN },
	{ ' ', REQ_PAGE_DOWN },
	{ KEYS_FN | KEY_PPAGE, REQ_PAGE_UP },
	{ 'g', REQ_MOVE_FIRST },
	{ KEYS_FN | KEY_HOME, REQ_MOVE_FIRST },
	{ 'G', REQ_MOVE_LAST },
	{ KEYS_FN | KEY_END, REQ_MOVE_LAST },
	{ '\t', REQ_NEXT_PANE },
	{ KEYS_FN | KEY_BTAB, REQ_PREV_PANE },
	{ 'a', REQ_APPROVE },
	{ 'c', REQ_CHANGES },
	{ 'x', REQ_REJECT },
	{ 'X', REQ_ABORT },
	{ 'L', REQ_LAND },
	{ 'p', REQ_PAUSE },
	{ 's', REQ_NEW_RUN },
	{ '\r', REQ_ATTACH },
	{ '\n', REQ_ATTACH },
	{ KEYS_FN | KEY_ENTER, REQ_ATTACH },
	{ 'v', REQ_ARTIFACT },
	{ 'd', REQ_DIFF },
	{ 'r', REQ_REPORT },
	{ '/', REQ_FILTER },
	{ 'n', REQ_FIND_NEXT },
	{ 'N', REQ_FIND_PREV },
	{ 't', REQ_TERMINAL },
	{ '?', REQ_HELP },
	{ KEYS_FN | KEY_F(1), REQ_HELP },
	{ 'M', REQ_MESSAGES },
	{ 12 /* C-l */, REQ_REDRAW },
	{ 26 /* C-z */, REQ_SUSPEND },
	{ 'q', REQ_QUIT },
	/* With a question focused: the answers its backend declares (y/n, digits). */
	{ KEYS_QUESTION | 'y', REQ_ANSWER },
	{ KEYS_QUESTION | 'n', REQ_ANSWER },
	{ KEYS_QUESTION | '1', REQ_ANSWER },
	{ KEYS_QUESTION | '2', REQ_ANSWER },
	{ KEYS_QUESTION | '3', REQ_ANSWER },
	{ KEYS_QUESTION | '4', REQ_ANSWER },
	{ KEYS_QUESTION | '5', REQ_ANSWER },
	{ KEYS_QUESTION | '6', REQ_ANSWER },
	{ KEYS_QUESTION | '7', REQ_ANSWER },
	{ KEYS_QUESTION | '8', REQ_ANSWER },
	{ KEYS_QUESTION | '9', REQ_ANSWER },
	{ KEYS_QUESTION | '0', REQ_ANSWER },
	{ '[', REQ_HISTORY },
};
/* clang-format on */

void
keymap_init(struct keymap *km)
{
	memset(km, 0, sizeof *km);
	km->notify = KEYS_NOTIFY_OSC9;
	for (size_t i = 0; i < sizeof default_keys / sizeof default_keys[0]; i++)
		keymap_bind(km, default_keys[i].key, default_keys[i].req);
}

void
keymap_free(struct keymap *km)
{
	for (size_t i = 0; i < km->nerrors; i++)
		free(km->errors[i]);
	free(km->errors);
	free(km->default_backend);
	free(km->v);
	memset(km, 0, sizeof *km);
}

void
keymap_bind(struct keymap *km, int key, enum tui_request req)
{
	for (size_t i = 0; i < km->n; i++)
		if (km->v[i].key == key) {
			km->v[i].req = req;
			return;
		}
	if (km->n == km->cap) {
		km->cap = km->cap ? 2 * km->cap : 32;
		km->v = xreallocarray(km->v, km->cap, sizeof *km->v);
	}
	km->v[km->n].key = key;
	km->v[km->n].req = req;
	km->n++;
}

enum tui_request
keymap_lookup(const struct keymap *km, int key)
{
	for (size_t i = 0; i < km->n; i++)
		if (km->v[i].key == key)
			return km->v[i].req;
	return REQ_NONE;
}

/* Does req have all ten digits (in the same context as key) bound? */
static int
all_digits(const struct keymap *km, enum tui_request req, int ctx)
{
	for (int d = '0'; d <= '9'; d++)
		if (keymap_lookup(km, ctx | d) != req)
			return 0;
	return 1;
}

void
keymap_keys_of(const struct keymap *km, enum tui_request req, char *out, size_t n)
{
	size_t len = 0;

	if (n == 0)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < km->n; i++) {
		char name[KEYS_NAME_MAX];
		int w, key = km->v[i].key, ctx = key & KEYS_QUESTION;

		if (km->v[i].req != req)
			continue;
		keys_name(key, name);
		/* The answers' digits, all ten bound, read as one range. */
		if ((key & ~KEYS_QUESTION) >= '0' && (key & ~KEYS_QUESTION) <= '9' &&
		    all_digits(km, req, ctx))
			snprintf(name, sizeof name, "0-9");
		/* Enter is bound twice (CR and curses' KEY_ENTER): name it once. */
		if (strstr(out, name) != NULL)
			continue;
		w = snprintf(out + len, n - len, "%s%s", len ? " " : "", name);
		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
	}
}

static void add_error(struct keymap *km, const char *path, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add_error(struct keymap *km, const char *path, int line, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	buf_printf(&b, "%s:%d: %s", path, line, msg);
	km->errors = xreallocarray(km->errors, km->nerrors + 1, sizeof *km->errors);
	km->errors[km->nerrors++] = buf_detach(&b);
}

int
keymap_load(struct keymap *km, const char *path, const char *shown)
{
	struct conf_file cf;
	char *w[4] = { 0 }, why[64];
	int nw, bad = 0;

	if (shown == NULL)
		shown = path;
	switch (conf_open(&cf, path)) {
	case 0:
		return 0;
	case -1:
		add_error(km, shown, 0, "cannot read: %s", strerror(errno));
		return -1;
	}
	path = shown;
	while ((nw = conf_next(&cf, w, 4, 0, why, sizeof why)) != 0) {
		int lineno = cf.lineno;

		if (nw < 0) {
			add_error(km, path, lineno, "%s", why);
			bad++;
			continue;
		}
		if (strcmp(w[0], "bind") == 0) {
			int key;
			enum tui_request req;

			if (nw != 3) {
				add_error(km, path, lineno, "expected `bind KEY REQUEST`");
				bad++;
				continue;
			}
			key = keys_parse(w[1]);
			if (key < 0) {
				add_error(km, path, lineno, "unknown key '%s'", w[1]);
				bad++;
				continue;
			}
			req = strcmp(w[2], "none") == 0 ? REQ_NONE : request_from_name(w[2]);
			if (req == REQ_NONE && strcmp(w[2], "none") != 0) {
				add_error(km, path, lineno,
				          "unknown request '%s' (see `?` for the list)", w[2]);
				bad++;
				continue;
			}
			keymap_bind(km, key, req);
		} else if (strcmp(w[0], "set") == 0 && nw == 3 &&
		           strcmp(w[1], "default-backend") == 0) {
			/* The new-run form's backend when none was chosen before. */
			free(km->default_backend);
			km->default_backend = xstrdup(w[2]);
		} else if (strcmp(w[0], "set") == 0) {
			static const char *modes[] = { "off", "osc9", "bell", "both" };
			int m = -1;

			if (nw != 3 || strcmp(w[1], "notify") != 0) {
				add_error(km, path, lineno,
				          "expected `set notify osc9|bell|both|off` or `set "
				          "default-backend NAME`");
				bad++;
				continue;
			}
			for (int i = 0; i < 4; i++)
				if (strcmp(w[2], modes[i]) == 0)
					m = i;
			if (m < 0) {
				add_error(km, path, lineno,
				          "unknown notify mode '%s' (osc9, bell, both or off)",
				          w[2]);
				bad++;
				continue;
			}
			km->notify = (enum keys_notify)m;
		} else {
			add_error(km, path, lineno, "unknown command '%s' (bind or set)", w[0]);
			bad++;
		}
	}
	conf_close(&cf);
	return bad;
}
