/*
 * Keys as data: the names keys have in keys.conf and on the help screen, the
 * default bindings (a table), and the loader of
 * $XDG_CONFIG_HOME/devflow/keys.conf, whose lines are
 *
 *     bind KEY REQUEST      e.g. `bind J move-down`, `bind C-a approve`
 *     set notify MODE       osc9 (default), bell, both or off
 *     set default-backend NAME   the new-run form's agent backend, when none
 *                           was chosen before
 *     # a comment
 *
 * A bad line is reported as "file:line: what" and ignored; the others apply.
 * No curses here beyond the KEY_* codes, so the module is unit-tested.
 */
#ifndef DEVFLOW_TUI_KEYS_H
#define DEVFLOW_TUI_KEYS_H

#include <stddef.h>

#include "request.h"

/*
 * A key is a Unicode character (control characters included: Tab is 9,
 * Escape 27, C-] 29) or a curses function key KEY_x as KEYS_FN | KEY_x.
 */
#define KEYS_FN 0x40000000
/* Curses key codes defined for the bracketed-paste markers (ESC [200~, ESC [201~). */
#define KEYS_PASTE_START (KEY_MAX + 1)
#define KEYS_PASTE_END (KEY_MAX + 2)
#define KEYS_NAME_MAX 24
/*
 * A binding for the key while a question with declared answers is focused
 * in the queue (y, n and digits answer it): looked up before the key's own
 * binding, named as the key itself.
 */
#define KEYS_QUESTION 0x20000000

/* The key named name ("j", "Tab", "C-s", "PgDn", "F5", "é"), or -1. */
int keys_parse(const char *name);

/* The name of key into out ("?" style for unknown function keys). */
void keys_name(int key, char out[KEYS_NAME_MAX]);

enum keys_notify {
	KEYS_NOTIFY_OFF = 0,
	KEYS_NOTIFY_OSC9 = 1,
	KEYS_NOTIFY_BELL = 2,
	KEYS_NOTIFY_BOTH = 3,
};

struct keymap_entry {
	int key;
	enum tui_request req;
};

struct keymap {
	struct keymap_entry *v;
	size_t n, cap;
	enum keys_notify notify;
	char *default_backend; /* `set default-backend NAME`, or NULL */
	char **errors;         /* "file:line: message" for each bad line */
	size_t nerrors;
};

/* The default bindings and settings (notify osc9). keymap_free releases. */
void keymap_init(struct keymap *km);
void keymap_free(struct keymap *km);

/* Bind key to req (REQ_NONE unbinds), replacing the key's binding. */
void keymap_bind(struct keymap *km, int key, enum tui_request req);

/* The request bound to key, REQ_NONE when none. */
enum tui_request keymap_lookup(const struct keymap *km, int key);

/*
 * The keys bound to req, as names joined by " " into out (size n); "" when
 * none.
 */
void keymap_keys_of(const struct keymap *km, enum tui_request req, char *out, size_t n);

/*
 * Apply the configuration file at path. A missing file is fine (returns 0).
 * Each bad line adds "shown:line: message" to km->errors and is skipped
 * (shown: how to name the file, e.g. with ~ for the home directory; NULL:
 * path).
 * Returns the number of bad lines, or -1 when the file exists but cannot be
 * read (also recorded in km->errors).
 */
int keymap_load(struct keymap *km, const char *path, const char *shown);

#endif
