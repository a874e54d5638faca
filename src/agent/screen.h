/*
 * The screen model of one agent terminal: the bytes the agent prints go
 * through libvterm's parser and state layer into our own grid of cells and
 * compact history (grid.h, history.h), read back as rows of styled spans
 * (what the server sends to clients), as a plain-text dump (like `tmux
 * capture-pane -p`), and as the set of rows damaged since the last read.
 * It encodes keys and pastes against the terminal's modes (cursor-key mode,
 * bracketed paste), handing the resulting bytes to an output callback. No
 * curses, no I/O of its own.
 */
#ifndef DEVFLOW_SCREEN_H
#define DEVFLOW_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"

struct screen;

enum screen_color_kind {
	SCREEN_COLOR_DEFAULT,
	SCREEN_COLOR_INDEX, /* palette index 0-255 */
	SCREEN_COLOR_RGB,
};

struct screen_color {
	enum screen_color_kind kind;
	uint8_t index;
	uint8_t r, g, b;
};

struct screen_attrs {
	struct screen_color fg, bg;
	bool bold, underline, reverse, italic;
};

/* A run of cells with one style. */
struct screen_span {
	int col;    /* first cell */
	int width;  /* cells covered (a wide character counts 2) */
	char *text; /* UTF-8; blank cells are spaces */
	struct screen_attrs attrs;
};

struct screen_row {
	struct screen_span *spans;
	size_t n;
};

/* One cell, as libvterm holds it. width is 1 or 2; 0 for a wide character's continuation. */
struct screen_cell {
	uint32_t chars[6]; /* NUL-terminated unless all six are used */
	int width;
	struct screen_attrs attrs;
};

/* Receives bytes to send to the program (query replies, encoded keys, pastes). */
typedef void screen_output_fn(const char *bytes, size_t len, void *arg);

/* Modifier bits for screen_key() and screen_char(). */
enum {
	SCREEN_MOD_SHIFT = 1,
	SCREEN_MOD_ALT = 2,
	SCREEN_MOD_CTRL = 4,
};

/*
 * A blank rows x cols screen (each at least 1, at most 1000) keeping up to
 * scrollback lines above the top (at least 10000 is asked of the session).
 * output may be NULL (replies are dropped). Free with screen_free().
 */
struct screen *screen_new(int rows, int cols, size_t scrollback, screen_output_fn *output,
                          void *arg);
void screen_free(struct screen *s);

/* Feed program output; damage is collected when the batch is flushed. */
void screen_feed(struct screen *s, const char *bytes, size_t len);

/* End of a batch of input. Damage is recorded as it happens: nothing waits for this. */
void screen_flush(struct screen *s);

/* Resize (rows and cols clamped to 1..1000). Every row becomes damaged. */
void screen_resize(struct screen *s, int rows, int cols);

void screen_size(const struct screen *s, int *rows, int *cols);

/* Cursor position (0-based) and visibility. */
void screen_cursor(const struct screen *s, int *row, int *col, bool *visible);

/* The title the program set (OSC 0/2), "" when none. Owned by the screen. */
const char *screen_title(const struct screen *s);

/* True while the program uses the alternate screen. */
bool screen_altscreen(const struct screen *s);

/* One cell; out-of-range positions give a blank cell. */
void screen_cell(const struct screen *s, int row, int col, struct screen_cell *out);

/*
 * Row of the visible screen (0..rows-1) as styled spans; trailing blank
 * cells with default colours and no attributes are left out. The caller
 * frees with screen_row_free().
 */
void screen_row_spans(const struct screen *s, int row, struct screen_row *out);

/*
 * Bound the memory of the scrollback in bytes (4 MiB unless set), besides
 * its line count: the oldest lines are dropped to stay within it, at once
 * if it is already over. Lines are kept compactly (about 100 bytes for 80
 * columns of one colour), so the line count usually binds first.
 */
void screen_set_scrollback_bytes(struct screen *s, size_t bytes);

/* Bytes the scrollback holds now. */
size_t screen_scrollback_bytes(const struct screen *s);

/* Scrollback: lines above the screen, index 0 = oldest kept. */
size_t screen_scrollback_count(const struct screen *s);
/*
 * How many lines have fallen off the scrollback's top since the screen was
 * made (the oldest discarded to make room): dropped + index numbers a line
 * for good, so a reader of the history keeps its place while lines arrive.
 */
uint64_t screen_scrollback_dropped(const struct screen *s);
void screen_scrollback_spans(const struct screen *s, size_t index, struct screen_row *out);
/* The plain text of a scrollback line, right-trimmed; the caller frees. */
char *screen_scrollback_text(const struct screen *s, size_t index);

void screen_row_free(struct screen_row *row);

/* Plain text of one visible row, right-trimmed; the caller frees. */
char *screen_row_text(const struct screen *s, int row);

/*
 * The whole visible screen as text: each row right-trimmed and followed by
 * '\n', like `tmux capture-pane -p`. The caller frees.
 */
char *screen_dump_text(const struct screen *s);

/*
 * Rows damaged since the last call, then cleared: bits must hold (rows+7)/8
 * bytes; bit r%8 of bits[r/8] is set for each damaged row r. Returns how
 * many rows were damaged.
 */
int screen_damage_take(struct screen *s, unsigned char *bits, size_t nbytes);

/* True when any row is damaged (not cleared). */
bool screen_damaged(const struct screen *s);

/*
 * Encode a named key ("Enter", "Tab", "BSpace", "Escape", "Up", "Down",
 * "Left", "Right", "Home", "End", "PageUp", "PageDown", "Insert", "Delete",
 * "F1".."F12", "Space") with modifiers through the output callback. Returns 0,
 * or -1 with DF_E_INVALID_ARGUMENT for an unknown name.
 */
int screen_key(struct screen *s, const char *name, unsigned mods, struct df_error *err);

/* Encode one Unicode character with modifiers (C-c is 'c' + SCREEN_MOD_CTRL). */
void screen_char(struct screen *s, uint32_t codepoint, unsigned mods);

/*
 * Paste UTF-8 text: bracketed when the program asked for it, ESC bytes (and
 * C1 CSI) stripped so the paste cannot end itself early, newlines sent as CR
 * like xterm and tmux do, invalid UTF-8 dropped.
 */
void screen_paste(struct screen *s, const char *text, size_t len);

/*
 * Send a tmux send-keys style list separated by spaces: each token is a key
 * name (see screen_key), optionally prefixed by C-, M- or S- (e.g. "C-c",
 * "M-Enter"), or else literal text typed character by character. Returns 0,
 * or -1 with DF_E_INVALID_ARGUMENT naming a malformed token.
 */
int screen_send_keys(struct screen *s, const char *spec, struct df_error *err);

/* Validate a send-keys spec without sending anything. */
int screen_keys_valid(const char *spec, struct df_error *err);

#endif
