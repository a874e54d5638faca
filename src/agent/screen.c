/*
 * Screen model over libvterm 0.1.4's state layer. libvterm parses the bytes
 * and keeps the terminal's state (cursor, modes, pen, tab stops, scroll
 * region, charsets) and answers queries; its state callbacks drive our own
 * grid (grid.[ch]): a table of row pointers, so that a line feed at the
 * bottom moves pointers instead of the whole cell buffer, and lines leaving
 * the top go straight to a compact history (history.[ch]). This module
 * wires the two, keeps the damaged-row set, the title and the cursor
 * visibility, and turns cells into spans and text. The cell semantics are
 * those of libvterm's own screen layer (what the parity tests hold), e.g.
 * erased cells take the whole pen and a line leaves for the history whenever
 * a full-width scroll starts at the top row.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <vterm.h>

#include "grid.h"
#include "history.h"
#include "lib/buf.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"
#include "screen.h"

#define SCREEN_MAX_DIM 1000

struct screen {
	VTerm *vt;
	VTermState *state;
	int rows, cols;
	screen_output_fn *output;
	void *arg;
	struct grid *primary;
	struct grid *alternate; /* made when a program first asks for it */
	struct grid *g;         /* the one shown */
	struct history *history;
	struct grid_pen pen;
	bool reverse; /* DECSCNM: the whole screen in reverse video */
	/* damage */
	unsigned char *damage;
	int ndamaged;
	bool cursor_moved;
	bool cursor_visible;
	bool altscreen;
	char *title;
};

static const struct grid_pen plain_pen = { GRID_COLOR_DEFAULT, GRID_COLOR_DEFAULT, 0 };

/* A character for others to read: a surrogate or a value past Unicode as U+FFFD. */
static void
put_utf8(struct buf *b, uint32_t c)
{
	char o[4];

	if (c >= 0xd800 && c <= 0xdfff)
		c = 0xfffd;
	buf_append(b, o, utf8_encode(c, o));
}

static void
screen_mark_rows(struct screen *s, int start, int end)
{
	if (start < 0)
		start = 0;
	if (end > s->rows)
		end = s->rows;
	for (int r = start; r < end; r++) {
		unsigned char bit = (unsigned char)(1u << (r % 8));
		if (!(s->damage[r / 8] & bit)) {
			s->damage[r / 8] |= bit;
			s->ndamaged++;
		}
	}
}

static struct grid_rect
rect_of(VTermRect r)
{
	return (struct grid_rect){ r.start_row, r.end_row, r.start_col, r.end_col };
}

static int
cb_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
	struct screen *s = user;

	grid_put(s->g, pos.row, pos.col, info->chars, info->width, &s->pen, info->protected_cell);
	screen_mark_rows(s, pos.row, pos.row + 1);
	return 1;
}

static int
cb_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
	struct screen *s = user;

	(void)pos;
	(void)oldpos;
	(void)visible;
	s->cursor_moved = true;
	return 1;
}

/*
 * Whole rows scrolled up from the top of the primary screen go to the
 * history first, as libvterm's screen pushed them (even when the scroll
 * region ends above the bottom row).
 */
static void
scroll_rows(struct screen *s, int top, int bottom, int n)
{
	if (n > 0 && top == 0 && s->g == s->primary)
		for (int i = 0; i < n; i++)
			history_push(s->history, s->g->row[i], s->cols,
			             s->reverse ? GRID_REVERSE : 0);
	grid_scroll_rows(s->g, top, bottom, n, &s->pen);
	screen_mark_rows(s, top, bottom);
}

/*
 * The common case, a full-width vertical scroll, moves row pointers. The
 * rest (margins, sideways, a scroll past the region) is left to the state,
 * which moves cells with cb_moverect and blanks with cb_erase.
 */
static int
cb_scrollrect(VTermRect rect, int downward, int rightward, void *user)
{
	struct screen *s = user;
	int height = rect.end_row - rect.start_row;

	if (rightward != 0 || rect.start_col != 0 || rect.end_col != s->cols ||
	    abs(downward) >= height)
		return 0;
	scroll_rows(s, rect.start_row, rect.end_row, downward);
	return 1;
}

static int
cb_moverect(VTermRect dest, VTermRect src, void *user)
{
	struct screen *s = user;

	grid_move(s->g, rect_of(dest), rect_of(src));
	screen_mark_rows(s, dest.start_row, dest.end_row);
	return 1;
}

static int
cb_erase(VTermRect rect, int selective, void *user)
{
	struct screen *s = user;

	grid_erase(s->g, rect_of(rect), selective != 0, &s->pen);
	screen_mark_rows(s, rect.start_row, rect.end_row);
	return 1;
}

static int
cb_initpen(void *user)
{
	struct screen *s = user;

	s->pen = plain_pen;
	return 1;
}

static uint32_t
color_from_vterm(const VTermColor *c, bool fg)
{
	if (fg ? VTERM_COLOR_IS_DEFAULT_FG(c) : VTERM_COLOR_IS_DEFAULT_BG(c))
		return GRID_COLOR_DEFAULT;
	if (VTERM_COLOR_IS_INDEXED(c))
		return GRID_COLOR_INDEX | c->indexed.idx;
	return GRID_COLOR_RGB | (uint32_t)c->rgb.red << 16 | (uint32_t)c->rgb.green << 8 |
	       c->rgb.blue;
}

static void
pen_flag(struct screen *s, uint16_t bit, bool on)
{
	s->pen.attrs = (uint16_t)(on ? s->pen.attrs | bit : s->pen.attrs & ~bit);
}

static int
cb_setpenattr(VTermAttr attr, VTermValue *val, void *user)
{
	struct screen *s = user;
	uint16_t a = s->pen.attrs;

	switch (attr) {
	case VTERM_ATTR_BOLD:
		pen_flag(s, GRID_BOLD, val->boolean);
		break;
	case VTERM_ATTR_UNDERLINE:
		a &= (uint16_t)~GRID_UNDERLINE;
		s->pen.attrs = (uint16_t)(a | ((val->number & 3) << GRID_UNDERLINE_SHIFT));
		break;
	case VTERM_ATTR_ITALIC:
		pen_flag(s, GRID_ITALIC, val->boolean);
		break;
	case VTERM_ATTR_BLINK:
		pen_flag(s, GRID_BLINK, val->boolean);
		break;
	case VTERM_ATTR_REVERSE:
		pen_flag(s, GRID_REVERSE, val->boolean);
		break;
	case VTERM_ATTR_STRIKE:
		pen_flag(s, GRID_STRIKE, val->boolean);
		break;
	case VTERM_ATTR_FONT:
		a &= (uint16_t)~GRID_FONT;
		s->pen.attrs = (uint16_t)(a | ((val->number & 15) << GRID_FONT_SHIFT));
		break;
	case VTERM_ATTR_FOREGROUND:
		s->pen.fg = color_from_vterm(&val->color, true);
		break;
	case VTERM_ATTR_BACKGROUND:
		s->pen.bg = color_from_vterm(&val->color, false);
		break;
	default:
		return 0;
	}
	return 1;
}

static int
cb_settermprop(VTermProp prop, VTermValue *val, void *user)
{
	struct screen *s = user;

	switch (prop) {
	case VTERM_PROP_CURSORVISIBLE:
		s->cursor_visible = val->boolean;
		s->cursor_moved = true;
		break;
	case VTERM_PROP_ALTSCREEN:
		/* Entering, the state erases the alternate screen (damage enough). */
		if (val->boolean && s->alternate == NULL)
			s->alternate = grid_new(s->rows, s->cols, &s->pen);
		s->g = val->boolean ? s->alternate : s->primary;
		s->altscreen = val->boolean;
		if (!val->boolean)
			screen_mark_rows(s, 0, s->rows);
		break;
	case VTERM_PROP_REVERSE:
		s->reverse = val->boolean;
		screen_mark_rows(s, 0, s->rows);
		break;
	case VTERM_PROP_TITLE:
		free(s->title);
		s->title = xstrdup(val->string != NULL ? val->string : "");
		break;
	default:
		break;
	}
	return 1;
}

static int
cb_bell(void *user)
{
	(void)user;
	return 1;
}

/*
 * A double-width line shows half its cells: the right half is blanked. A
 * row past the screen (the state restores a cursor saved before a shrink
 * as it was) is refused: the state then leaves its line table alone instead
 * of writing past its end.
 */
static int
cb_setlineinfo(int row, const VTermLineInfo *newinfo, const VTermLineInfo *oldinfo, void *user)
{
	struct screen *s = user;

	if (row < 0 || row >= s->rows)
		return 0;
	if (newinfo->doublewidth == oldinfo->doublewidth &&
	    newinfo->doubleheight == oldinfo->doubleheight)
		return 1;
	if (newinfo->doublewidth)
		grid_erase(s->g, (struct grid_rect){ row, row + 1, s->cols / 2, s->cols }, false,
		           &s->pen);
	screen_mark_rows(s, row, row + 1);
	return 1;
}

/*
 * libvterm's screen semantics: shrinking the primary screen first scrolls
 * into the history the rows that would fall off below, down to the cursor or
 * the last non-blank row; growing it pulls lines back from the history.
 * Cells are kept top-left, not reflowed. delta moves the cursor with them.
 */
static int
cb_resize(int rows, int cols, VTermPos *delta, void *user)
{
	struct screen *s = user;
	bool primary = s->g == s->primary;
	int old_rows = s->rows;

	if (primary && rows < old_rows) {
		VTermPos cursor;
		int r;

		vterm_state_get_cursorpos(s->state, &cursor);
		for (r = old_rows - 1; r >= rows; r--)
			if (!grid_row_erased(s->primary->row[r], s->cols) || cursor.row == r)
				break;
		/*
		 * Never past the cursor: libvterm's screen scrolled the cursor off
		 * the top (a negative row its next erase crashed on) when text
		 * stood far below it; what does not fit then is cut at the bottom.
		 */
		int n = r + 1 - rows;
		if (n > cursor.row)
			n = cursor.row;
		if (n > 0) {
			scroll_rows(s, 0, old_rows, n);
			delta->row -= n;
		}
	}
	grid_resize(s->primary, rows, cols, &s->pen);
	if (s->alternate != NULL)
		grid_resize(s->alternate, rows, cols, &s->pen);
	s->rows = rows;
	s->cols = cols;
	if (primary)
		for (int n = rows - old_rows; n > 0 && history_count(s->history) > 0; n--) {
			grid_scroll_rows(s->primary, 0, rows, -1, &s->pen);
			history_pop(s->history, s->primary->row[0], cols,
			            s->reverse ? GRID_REVERSE : 0);
			delta->row++;
		}
	screen_mark_rows(s, 0, rows);
	return 1;
}

static const VTermStateCallbacks state_callbacks = {
	.putglyph = cb_putglyph,
	.movecursor = cb_movecursor,
	.scrollrect = cb_scrollrect,
	.moverect = cb_moverect,
	.erase = cb_erase,
	.initpen = cb_initpen,
	.setpenattr = cb_setpenattr,
	.settermprop = cb_settermprop,
	.bell = cb_bell,
	.resize = cb_resize,
	.setlineinfo = cb_setlineinfo,
};

static void
screen_vterm_output(const char *bytes, size_t len, void *user)
{
	struct screen *s = user;

	if (s->output != NULL)
		s->output(bytes, len, s->arg);
}

static int
clamp_dim(int v)
{
	return v < 1 ? 1 : v > SCREEN_MAX_DIM ? SCREEN_MAX_DIM : v;
}

struct screen *
screen_new(int rows, int cols, size_t scrollback, screen_output_fn *output, void *arg)
{
	struct screen *s = xcalloc(1, sizeof *s);

	s->rows = clamp_dim(rows);
	s->cols = clamp_dim(cols);
	s->output = output;
	s->arg = arg;
	s->history = history_new(scrollback);
	s->damage = xcalloc((size_t)(SCREEN_MAX_DIM + 7) / 8, 1);
	s->cursor_visible = true;
	s->title = xstrdup("");
	s->pen = plain_pen;
	s->primary = s->g = grid_new(s->rows, s->cols, &s->pen);
	s->vt = vterm_new(s->rows, s->cols);
	if (s->vt == NULL)
		abort(); /* only fails on out-of-memory */
	vterm_set_utf8(s->vt, 1);
	vterm_output_set_callback(s->vt, screen_vterm_output, s);
	s->state = vterm_obtain_state(s->vt);
	vterm_state_set_callbacks(s->state, &state_callbacks, s);
	vterm_state_reset(s->state, 1);
	memset(s->damage, 0, (size_t)(SCREEN_MAX_DIM + 7) / 8);
	s->ndamaged = 0;
	s->cursor_moved = false;
	return s;
}

void
screen_set_scrollback_bytes(struct screen *s, size_t bytes)
{
	history_set_budget(s->history, bytes);
}

size_t
screen_scrollback_bytes(const struct screen *s)
{
	return history_bytes(s->history);
}

void
screen_free(struct screen *s)
{
	if (s == NULL)
		return;
	vterm_free(s->vt);
	grid_free(s->primary);
	grid_free(s->alternate);
	history_free(s->history);
	free(s->damage);
	free(s->title);
	free(s);
}

void
screen_feed(struct screen *s, const char *bytes, size_t len)
{
	vterm_input_write(s->vt, bytes, len);
}

void
screen_flush(struct screen *s)
{
	/* Damage is recorded as it happens; nothing is held back any more. */
	(void)s;
}

void
screen_resize(struct screen *s, int rows, int cols)
{
	rows = clamp_dim(rows);
	cols = clamp_dim(cols);
	vterm_set_size(s->vt, rows, cols);
	s->rows = rows;
	s->cols = cols;
	screen_mark_rows(s, 0, rows);
	s->cursor_moved = true;
}

void
screen_size(const struct screen *s, int *rows, int *cols)
{
	if (rows != NULL)
		*rows = s->rows;
	if (cols != NULL)
		*cols = s->cols;
}

void
screen_cursor(const struct screen *s, int *row, int *col, bool *visible)
{
	VTermPos pos;

	vterm_state_get_cursorpos(s->state, &pos);
	if (row != NULL)
		*row = pos.row;
	if (col != NULL)
		*col = pos.col;
	if (visible != NULL)
		*visible = s->cursor_visible;
}

const char *
screen_title(const struct screen *s)
{
	return s->title;
}

bool
screen_altscreen(const struct screen *s)
{
	return s->altscreen;
}

static struct screen_color
color_out(uint32_t c)
{
	struct screen_color o = { SCREEN_COLOR_DEFAULT, 0, 0, 0, 0 };

	if (GRID_COLOR_KIND(c) == GRID_COLOR_INDEX) {
		o.kind = SCREEN_COLOR_INDEX;
		o.index = (uint8_t)c;
	} else if (GRID_COLOR_KIND(c) == GRID_COLOR_RGB) {
		o.kind = SCREEN_COLOR_RGB;
		o.r = (uint8_t)(c >> 16);
		o.g = (uint8_t)(c >> 8);
		o.b = (uint8_t)c;
	}
	return o;
}

/* The attributes clients see of a cell; reverse is flipped by DECSCNM (rev). */
static void
attrs_out(const struct grid_cell *c, bool rev, struct screen_attrs *a)
{
	a->fg = color_out(c->fg);
	a->bg = color_out(c->bg);
	a->bold = c->attrs & GRID_BOLD;
	a->underline = (c->attrs & GRID_UNDERLINE) != 0;
	a->reverse = ((c->attrs & GRID_REVERSE) != 0) != rev;
	a->italic = c->attrs & GRID_ITALIC;
}

/* Cells a character covers: 2 when the next cell is its right part. */
static int
cell_width(const struct grid_row *r, int col, int ncells)
{
	return col + 1 < ncells && r->cells[col + 1].ch == GRID_CONT ? 2 : 1;
}

void
screen_cell(const struct screen *s, int row, int col, struct screen_cell *out)
{
	memset(out, 0, sizeof *out);
	out->width = 1;
	if (row < 0 || row >= s->rows || col < 0 || col >= s->cols)
		return;
	const struct grid_row *r = s->g->row[row];
	attrs_out(&r->cells[col], s->reverse, &out->attrs);
	if (r->cells[col].ch == GRID_CONT) {
		out->width = 0;
		return;
	}
	grid_row_chars(r, col, out->chars);
	out->width = cell_width(r, col, s->cols);
}

static bool
color_eq(const struct screen_color *a, const struct screen_color *b)
{
	return a->kind == b->kind && a->index == b->index && a->r == b->r && a->g == b->g &&
	       a->b == b->b;
}

static bool
attrs_eq(const struct screen_attrs *a, const struct screen_attrs *b)
{
	return color_eq(&a->fg, &b->fg) && color_eq(&a->bg, &b->bg) && a->bold == b->bold &&
	       a->underline == b->underline && a->reverse == b->reverse && a->italic == b->italic;
}

static bool
attrs_plain(const struct screen_attrs *a)
{
	return a->fg.kind == SCREEN_COLOR_DEFAULT && a->bg.kind == SCREEN_COLOR_DEFAULT &&
	       !a->bold && !a->underline && !a->reverse && !a->italic;
}

/* Builds spans from a sequence of cells; shared by the screen and the scrollback. */
struct span_builder {
	struct buf text;
	struct screen_span cur;
	bool open;
	struct screen_span *all;
	size_t n, cap;
};

static void
sb_close(struct span_builder *b)
{
	if (!b->open)
		return;
	b->cur.text = buf_detach(&b->text);
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 8;
		b->all = xreallocarray(b->all, b->cap, sizeof *b->all);
	}
	b->all[b->n++] = b->cur;
	b->open = false;
}

static void
sb_add(struct span_builder *b, int col, const uint32_t *chars, int nchars, int width,
       const struct screen_attrs *a)
{
	if (b->open && !attrs_eq(&b->cur.attrs, a))
		sb_close(b);
	if (!b->open) {
		memset(&b->cur, 0, sizeof b->cur);
		b->cur.col = col;
		b->cur.attrs = *a;
		b->open = true;
	}
	if (nchars == 0 || chars[0] == 0)
		buf_putc(&b->text, ' ');
	else
		for (int i = 0; i < nchars && chars[i]; i++)
			put_utf8(&b->text, chars[i]);
	b->cur.width = col + width - b->cur.col;
}

/* Spans of the first ncells cells of r, up to the last cell worth sending. */
static void
row_spans(const struct grid_row *r, int ncells, bool rev, struct screen_row *out)
{
	struct span_builder b;
	struct screen_attrs a;
	int end = 0;

	memset(&b, 0, sizeof b);
	for (int col = 0; col < ncells; col++) {
		const struct grid_cell *c = &r->cells[col];
		if (c->ch == GRID_CONT)
			continue;
		attrs_out(c, rev, &a);
		if ((c->ch != 0 && c->ch != ' ') || !attrs_plain(&a))
			end = col + cell_width(r, col, ncells);
	}
	for (int col = 0; col < end;) {
		uint32_t chars[GRID_MAX_CHARS];
		if (r->cells[col].ch == GRID_CONT) {
			col++;
			continue;
		}
		int w = cell_width(r, col, ncells);
		attrs_out(&r->cells[col], rev, &a);
		grid_row_chars(r, col, chars);
		sb_add(&b, col, chars, GRID_MAX_CHARS, w, &a);
		col += w;
	}
	sb_close(&b);
	out->spans = b.all;
	out->n = b.n;
}

void
screen_row_spans(const struct screen *s, int row, struct screen_row *out)
{
	memset(out, 0, sizeof *out);
	if (row < 0 || row >= s->rows)
		return;
	row_spans(s->g->row[row], s->cols, s->reverse, out);
}

size_t
screen_scrollback_count(const struct screen *s)
{
	return history_count(s->history);
}

uint64_t
screen_scrollback_dropped(const struct screen *s)
{
	return history_dropped(s->history);
}

void
screen_scrollback_spans(const struct screen *s, size_t index, struct screen_row *out)
{
	int n;
	struct grid_row *r = history_row(s->history, index, &n);

	memset(out, 0, sizeof *out);
	if (r == NULL)
		return;
	row_spans(r, n, false, out);
	grid_row_free(r);
}

/* The text of the first ncells cells of r, right-trimmed, appended to b. */
static void
row_text(const struct grid_row *r, int ncells, struct buf *b)
{
	size_t start = b->len;

	for (int col = 0; col < ncells; col++) {
		uint32_t ch = r->cells[col].ch;
		if (ch == GRID_CONT)
			continue;
		if (ch == 0)
			buf_putc(b, ' ');
		else if (ch < 0x80 && !(r->cells[col].flags & GRID_COMBINED))
			buf_putc(b, (char)ch);
		else {
			uint32_t chars[GRID_MAX_CHARS];
			int n = grid_row_chars(r, col, chars);
			for (int k = 0; k < n; k++)
				put_utf8(b, chars[k]);
		}
	}
	while (b->len > start && b->data[b->len - 1] == ' ')
		b->data[--b->len] = 0;
}

char *
screen_scrollback_text(const struct screen *s, size_t index)
{
	struct buf b = BUF_INIT;
	int n;
	struct grid_row *r = history_row(s->history, index, &n);

	if (r != NULL)
		row_text(r, n, &b);
	grid_row_free(r);
	return buf_detach(&b);
}

void
screen_row_free(struct screen_row *row)
{
	for (size_t i = 0; i < row->n; i++)
		free(row->spans[i].text);
	free(row->spans);
	row->spans = NULL;
	row->n = 0;
}

char *
screen_row_text(const struct screen *s, int row)
{
	struct buf b = BUF_INIT;

	if (row >= 0 && row < s->rows)
		row_text(s->g->row[row], s->cols, &b);
	return buf_detach(&b);
}

char *
screen_dump_text(const struct screen *s)
{
	struct buf b = BUF_INIT;

	for (int r = 0; r < s->rows; r++) {
		row_text(s->g->row[r], s->cols, &b);
		buf_putc(&b, '\n');
	}
	return buf_detach(&b);
}

int
screen_damage_take(struct screen *s, unsigned char *bits, size_t nbytes)
{
	size_t need = (size_t)(s->rows + 7) / 8;
	int n = s->ndamaged;

	if (bits != NULL) {
		memset(bits, 0, nbytes);
		memcpy(bits, s->damage, need < nbytes ? need : nbytes);
	}
	memset(s->damage, 0, (size_t)(SCREEN_MAX_DIM + 7) / 8);
	s->ndamaged = 0;
	s->cursor_moved = false;
	return n;
}

bool
screen_damaged(const struct screen *s)
{
	return s->ndamaged > 0 || s->cursor_moved;
}

/* Keys */

static const struct {
	const char *name;
	VTermKey key;
} screen_keys[] = {
	{ "Enter", VTERM_KEY_ENTER },
	{ "Tab", VTERM_KEY_TAB },
	{ "BSpace", VTERM_KEY_BACKSPACE },
	{ "Escape", VTERM_KEY_ESCAPE },
	{ "Up", VTERM_KEY_UP },
	{ "Down", VTERM_KEY_DOWN },
	{ "Left", VTERM_KEY_LEFT },
	{ "Right", VTERM_KEY_RIGHT },
	{ "Insert", VTERM_KEY_INS },
	{ "Delete", VTERM_KEY_DEL },
	{ "Home", VTERM_KEY_HOME },
	{ "End", VTERM_KEY_END },
	{ "PageUp", VTERM_KEY_PAGEUP },
	{ "PageDown", VTERM_KEY_PAGEDOWN },
};

/* 0 when the name is not a key; "Space" maps to ' ' through *ch. */
static VTermKey
key_by_name(const char *name, size_t len, uint32_t *ch)
{
	*ch = 0;
	for (size_t i = 0; i < sizeof screen_keys / sizeof screen_keys[0]; i++)
		if (strlen(screen_keys[i].name) == len &&
		    memcmp(screen_keys[i].name, name, len) == 0)
			return screen_keys[i].key;
	if (len == 5 && memcmp(name, "Space", 5) == 0) {
		*ch = ' ';
		return VTERM_KEY_NONE;
	}
	if ((len == 2 || len == 3) && name[0] == 'F' && name[1] >= '1' && name[1] <= '9') {
		int n = name[1] - '0';
		if (len == 3) {
			if (name[2] < '0' || name[2] > '9')
				return VTERM_KEY_NONE;
			n = n * 10 + (name[2] - '0');
		}
		if (n >= 1 && n <= 12)
			return VTERM_KEY_FUNCTION(n);
	}
	return VTERM_KEY_NONE;
}

int
screen_key(struct screen *s, const char *name, unsigned mods, struct df_error *err)
{
	uint32_t ch;
	VTermKey k = key_by_name(name, strlen(name), &ch);

	if (k == VTERM_KEY_NONE && ch == 0)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT, "unknown key name '%s'",
		                    name);
	if (ch != 0)
		vterm_keyboard_unichar(s->vt, ch, (VTermModifier)mods);
	else
		vterm_keyboard_key(s->vt, k, (VTermModifier)mods);
	return 0;
}

void
screen_char(struct screen *s, uint32_t codepoint, unsigned mods)
{
	vterm_keyboard_unichar(s->vt, codepoint, (VTermModifier)mods);
}

void
screen_paste(struct screen *s, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;

	vterm_keyboard_start_paste(s->vt);
	for (size_t i = 0; i < len;) {
		uint32_t c;
		size_t n = utf8_decode(p + i, len - i, &c);
		if (n == 0) {
			i++;
			continue;
		}
		i += n;
		if (c == 0x1b || c == 0x9b || c == 0)
			continue;
		if (c == '\r' && i < len && p[i] == '\n')
			continue; /* CR LF becomes one CR */
		if (c == '\n')
			c = '\r';
		vterm_keyboard_unichar(s->vt, c, VTERM_MOD_NONE);
	}
	vterm_keyboard_end_paste(s->vt);
}

/* Parse one send-keys token; with s NULL only validate. */
static int
send_token(struct screen *s, const char *tok, size_t len, struct df_error *err)
{
	unsigned mods = 0;
	const char *p = tok;
	size_t n = len;
	uint32_t ch;

	while (n > 2 && p[1] == '-' && (p[0] == 'C' || p[0] == 'M' || p[0] == 'S')) {
		mods |= p[0] == 'C'   ? SCREEN_MOD_CTRL
		        : p[0] == 'M' ? SCREEN_MOD_ALT
		                      : SCREEN_MOD_SHIFT;
		p += 2;
		n -= 2;
	}
	VTermKey k = key_by_name(p, n, &ch);
	if (k != VTERM_KEY_NONE || ch != 0) {
		if (s != NULL) {
			if (ch != 0)
				vterm_keyboard_unichar(s->vt, ch, (VTermModifier)mods);
			else
				vterm_keyboard_key(s->vt, k, (VTermModifier)mods);
		}
		return 0;
	}
	if (mods != 0) {
		/* A modifier applies to exactly one character: C-c, M-x. */
		uint32_t c;
		size_t used = utf8_decode(p, n, &c);
		if (used == 0 || used != n)
			return df_error_set(
			    err, DF_FATAL, DF_E_INVALID_ARGUMENT,
			    "key '%.*s': a modifier needs one character or a key name", (int)len,
			    tok);
		if (s != NULL)
			vterm_keyboard_unichar(s->vt, c, (VTermModifier)mods);
		return 0;
	}
	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t used = utf8_decode(p + i, n - i, &c);
		if (used == 0)
			return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
			                    "key '%.*s': invalid UTF-8", (int)len, tok);
		if (s != NULL)
			vterm_keyboard_unichar(s->vt, c, VTERM_MOD_NONE);
		i += used;
	}
	return 0;
}

static int
send_keys(struct screen *s, const char *spec, struct df_error *err)
{
	const char *p = spec;

	while (*p) {
		while (*p == ' ')
			p++;
		const char *start = p;
		while (*p && *p != ' ')
			p++;
		if (p > start && send_token(s, start, (size_t)(p - start), err) < 0)
			return -1;
	}
	return 0;
}

int
screen_keys_valid(const char *spec, struct df_error *err)
{
	return send_keys(NULL, spec, err);
}

int
screen_send_keys(struct screen *s, const char *spec, struct df_error *err)
{
	/* Validate first: nothing partial is sent. */
	if (send_keys(NULL, spec, err) < 0)
		return -1;
	return send_keys(s, spec, err);
}
