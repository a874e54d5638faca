/*
 * Screen model over libvterm 0.1.4. libvterm owns the visible grid; this
 * module adds what it does not keep: the scrollback (cells copied out of
 * sb_pushline into a ring of compact lines, handed back through
 * sb_popline when the screen grows), the damaged-row set, the title and the
 * cursor visibility, and the conversions to spans and text.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <vterm.h>

#include "lib/buf.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"
#include "screen.h"

#define SCREEN_MAX_DIM 1000

/* A scrollback cell: 16 bytes instead of libvterm's 40. */
struct sb_cell {
	uint32_t ch; /* first code point; 0 blank; combining marks in the line's extras */
	uint8_t width;
	uint8_t flags;
	uint8_t fgk, bgk;
	uint8_t fg[3], bg[3];
	uint8_t pad[2];
};

enum { SB_BOLD = 1, SB_UNDERLINE = 2, SB_REVERSE = 4, SB_ITALIC = 8, SB_CONT = 16 };

struct sb_extra {
	int col;
	uint32_t chars[VTERM_MAX_CHARS_PER_CELL - 1];
};

struct sb_line {
	int n; /* cells kept; the rest of the line is blank */
	struct sb_cell *cells;
	int nextra;
	struct sb_extra *extra;
};

struct screen {
	VTerm *vt;
	VTermScreen *vs;
	VTermState *state;
	int rows, cols;
	screen_output_fn *output;
	void *arg;
	/* scrollback ring */
	struct sb_line *sb;
	size_t sb_cap, sb_start, sb_len;
	uint64_t sb_dropped; /* lines ever pushed off the ring's top */
	/* damage */
	unsigned char *damage;
	int ndamaged;
	bool cursor_moved;
	bool cursor_visible;
	bool altscreen;
	char *title;
};

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

static int
cb_damage(VTermRect rect, void *user)
{
	screen_mark_rows(user, rect.start_row, rect.end_row);
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
		s->altscreen = val->boolean;
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

static void
sb_line_free(struct sb_line *l)
{
	free(l->cells);
	free(l->extra);
	memset(l, 0, sizeof *l);
}

static void
color_to_sb(const VTermColor *c, bool fg, uint8_t *kind, uint8_t v[3])
{
	v[0] = v[1] = v[2] = 0;
	if (fg ? VTERM_COLOR_IS_DEFAULT_FG(c) : VTERM_COLOR_IS_DEFAULT_BG(c)) {
		*kind = SCREEN_COLOR_DEFAULT;
	} else if (VTERM_COLOR_IS_INDEXED(c)) {
		*kind = SCREEN_COLOR_INDEX;
		v[0] = c->indexed.idx;
	} else {
		*kind = SCREEN_COLOR_RGB;
		v[0] = c->rgb.red;
		v[1] = c->rgb.green;
		v[2] = c->rgb.blue;
	}
}

static bool
sb_cell_blank(const struct sb_cell *c)
{
	return (c->ch == 0 || c->ch == ' ') && c->flags == 0 && c->fgk == SCREEN_COLOR_DEFAULT &&
	       c->bgk == SCREEN_COLOR_DEFAULT;
}

static int
cb_sb_pushline(int cols, const VTermScreenCell *cells, void *user)
{
	struct screen *s = user;
	struct sb_line line = { 0, NULL, 0, NULL };
	int n = cols;

	if (s->sb_cap == 0) {
		s->sb_dropped++;
		return 0;
	}
	/* A full ring recycles its oldest line's storage: no allocation per scrolled line. */
	struct sb_line *slot = &s->sb[(s->sb_start + s->sb_len) % s->sb_cap];
	if (s->sb_len == s->sb_cap) {
		free(slot->extra);
		line.cells = slot->cells;
	}
	line.cells = xreallocarray(line.cells, (size_t)(cols > 0 ? cols : 1), sizeof *line.cells);
	memset(line.cells, 0, (size_t)(cols > 0 ? cols : 1) * sizeof *line.cells);
	for (int i = 0; i < cols; i++) {
		const VTermScreenCell *v = &cells[i];
		struct sb_cell *c = &line.cells[i];
		if (v->chars[0] == (uint32_t)-1) {
			c->flags |= SB_CONT;
			c->width = 0;
		} else {
			c->ch = v->chars[0];
			c->width = (uint8_t)(v->width > 0 ? v->width : 1);
		}
		if (v->attrs.bold)
			c->flags |= SB_BOLD;
		if (v->attrs.underline)
			c->flags |= SB_UNDERLINE;
		if (v->attrs.reverse)
			c->flags |= SB_REVERSE;
		if (v->attrs.italic)
			c->flags |= SB_ITALIC;
		color_to_sb(&v->fg, true, &c->fgk, c->fg);
		color_to_sb(&v->bg, false, &c->bgk, c->bg);
		if (c->ch != 0 && c->ch != (uint32_t)-1 && v->chars[1] != 0) {
			line.extra =
			    xreallocarray(line.extra, (size_t)line.nextra + 1, sizeof *line.extra);
			struct sb_extra *e = &line.extra[line.nextra++];
			memset(e, 0, sizeof *e);
			e->col = i;
			for (int k = 1; k < VTERM_MAX_CHARS_PER_CELL && v->chars[k]; k++)
				e->chars[k - 1] = v->chars[k];
		}
	}
	while (n > 0 && sb_cell_blank(&line.cells[n - 1]))
		n--;
	line.n = n;
	*slot = line;
	if (s->sb_len == s->sb_cap) {
		s->sb_start = (s->sb_start + 1) % s->sb_cap;
		s->sb_dropped++;
	} else {
		s->sb_len++;
	}
	return 1;
}

static void
sb_to_color(struct screen *s, uint8_t kind, const uint8_t v[3], bool fg, VTermColor *out)
{
	if (kind == SCREEN_COLOR_INDEX) {
		vterm_color_indexed(out, v[0]);
	} else if (kind == SCREEN_COLOR_RGB) {
		vterm_color_rgb(out, v[0], v[1], v[2]);
	} else {
		VTermColor dfg, dbg;
		vterm_state_get_default_colors(s->state, &dfg, &dbg);
		*out = fg ? dfg : dbg;
	}
}

static int
cb_sb_popline(int cols, VTermScreenCell *cells, void *user)
{
	struct screen *s = user;

	if (s->sb_len == 0)
		return 0;
	size_t idx = (s->sb_start + s->sb_len - 1) % s->sb_cap;
	struct sb_line *l = &s->sb[idx];
	for (int i = 0; i < cols; i++) {
		VTermScreenCell *v = &cells[i];
		memset(v, 0, sizeof *v);
		v->width = 1;
		if (i < l->n) {
			const struct sb_cell *c = &l->cells[i];
			if (!(c->flags & SB_CONT)) {
				v->chars[0] = c->ch;
				v->width = (char)c->width;
			}
			v->attrs.bold = !!(c->flags & SB_BOLD);
			v->attrs.underline = !!(c->flags & SB_UNDERLINE);
			v->attrs.reverse = !!(c->flags & SB_REVERSE);
			v->attrs.italic = !!(c->flags & SB_ITALIC);
			sb_to_color(s, c->fgk, c->fg, true, &v->fg);
			sb_to_color(s, c->bgk, c->bg, false, &v->bg);
		} else {
			sb_to_color(s, SCREEN_COLOR_DEFAULT, NULL, true, &v->fg);
			sb_to_color(s, SCREEN_COLOR_DEFAULT, NULL, false, &v->bg);
		}
	}
	for (int k = 0; k < l->nextra; k++) {
		int col = l->extra[k].col;
		if (col < cols)
			for (int j = 0; j < VTERM_MAX_CHARS_PER_CELL - 1; j++)
				cells[col].chars[j + 1] = l->extra[k].chars[j];
	}
	sb_line_free(l);
	s->sb_len--;
	return 1;
}

static const VTermScreenCallbacks screen_callbacks = {
	.damage = cb_damage,
	.movecursor = cb_movecursor,
	.settermprop = cb_settermprop,
	.sb_pushline = cb_sb_pushline,
	.sb_popline = cb_sb_popline,
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
	s->sb_cap = scrollback;
	s->sb = scrollback ? xcalloc(scrollback, sizeof *s->sb) : NULL;
	s->damage = xcalloc((size_t)(SCREEN_MAX_DIM + 7) / 8, 1);
	s->cursor_visible = true;
	s->title = xstrdup("");
	s->vt = vterm_new(s->rows, s->cols);
	if (s->vt == NULL)
		abort(); /* only fails on out-of-memory */
	vterm_set_utf8(s->vt, 1);
	vterm_output_set_callback(s->vt, screen_vterm_output, s);
	s->state = vterm_obtain_state(s->vt);
	s->vs = vterm_obtain_screen(s->vt);
	vterm_screen_set_callbacks(s->vs, &screen_callbacks, s);
	vterm_screen_enable_altscreen(s->vs, 1);
	vterm_screen_set_damage_merge(s->vs, VTERM_DAMAGE_SCROLL);
	vterm_screen_reset(s->vs, 1);
	vterm_screen_flush_damage(s->vs);
	memset(s->damage, 0, (size_t)(SCREEN_MAX_DIM + 7) / 8);
	s->ndamaged = 0;
	s->cursor_moved = false;
	return s;
}

void
screen_free(struct screen *s)
{
	if (s == NULL)
		return;
	vterm_free(s->vt);
	for (size_t i = 0; i < s->sb_len; i++)
		sb_line_free(&s->sb[(s->sb_start + i) % s->sb_cap]);
	free(s->sb);
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
	vterm_screen_flush_damage(s->vs);
}

void
screen_resize(struct screen *s, int rows, int cols)
{
	rows = clamp_dim(rows);
	cols = clamp_dim(cols);
	vterm_set_size(s->vt, rows, cols);
	s->rows = rows;
	s->cols = cols;
	vterm_screen_flush_damage(s->vs);
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

static void
attrs_from_vterm(const VTermScreenCell *v, struct screen_attrs *a)
{
	uint8_t kind, val[3];

	memset(a, 0, sizeof *a);
	color_to_sb(&v->fg, true, &kind, val);
	a->fg =
	    (struct screen_color){ .kind = kind, .index = kind == SCREEN_COLOR_INDEX ? val[0] : 0 };
	if (kind == SCREEN_COLOR_RGB)
		a->fg.r = val[0], a->fg.g = val[1], a->fg.b = val[2];
	color_to_sb(&v->bg, false, &kind, val);
	a->bg =
	    (struct screen_color){ .kind = kind, .index = kind == SCREEN_COLOR_INDEX ? val[0] : 0 };
	if (kind == SCREEN_COLOR_RGB)
		a->bg.r = val[0], a->bg.g = val[1], a->bg.b = val[2];
	a->bold = v->attrs.bold;
	a->underline = v->attrs.underline != 0;
	a->reverse = v->attrs.reverse;
	a->italic = v->attrs.italic;
}

static void
attrs_from_sb(const struct sb_cell *c, struct screen_attrs *a)
{
	memset(a, 0, sizeof *a);
	a->fg.kind = c->fgk;
	a->bg.kind = c->bgk;
	if (c->fgk == SCREEN_COLOR_INDEX)
		a->fg.index = c->fg[0];
	else if (c->fgk == SCREEN_COLOR_RGB)
		a->fg.r = c->fg[0], a->fg.g = c->fg[1], a->fg.b = c->fg[2];
	if (c->bgk == SCREEN_COLOR_INDEX)
		a->bg.index = c->bg[0];
	else if (c->bgk == SCREEN_COLOR_RGB)
		a->bg.r = c->bg[0], a->bg.g = c->bg[1], a->bg.b = c->bg[2];
	a->bold = c->flags & SB_BOLD;
	a->underline = c->flags & SB_UNDERLINE;
	a->reverse = c->flags & SB_REVERSE;
	a->italic = c->flags & SB_ITALIC;
}

void
screen_cell(const struct screen *s, int row, int col, struct screen_cell *out)
{
	VTermScreenCell v;

	memset(out, 0, sizeof *out);
	out->width = 1;
	if (row < 0 || row >= s->rows || col < 0 || col >= s->cols)
		return;
	vterm_screen_get_cell(s->vs, (VTermPos){ .row = row, .col = col }, &v);
	attrs_from_vterm(&v, &out->attrs);
	if (v.chars[0] == (uint32_t)-1) {
		out->width = 0;
		return;
	}
	for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && v.chars[i]; i++)
		out->chars[i] = v.chars[i];
	out->width = v.width > 0 ? v.width : 1;
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

static void
sb_finish(struct span_builder *b, struct screen_row *out)
{
	sb_close(b);
	out->spans = b->all;
	out->n = b->n;
}

void
screen_row_spans(const struct screen *s, int row, struct screen_row *out)
{
	struct span_builder b;
	int end = 0;

	memset(&b, 0, sizeof b);
	memset(out, 0, sizeof *out);
	if (row < 0 || row >= s->rows)
		return;
	/* Find the last cell worth sending. */
	for (int col = 0; col < s->cols; col++) {
		struct screen_cell c;
		screen_cell(s, row, col, &c);
		if (c.width == 0)
			continue;
		if ((c.chars[0] != 0 && c.chars[0] != ' ') || !attrs_plain(&c.attrs))
			end = col + c.width;
	}
	for (int col = 0; col < end;) {
		struct screen_cell c;
		screen_cell(s, row, col, &c);
		if (c.width == 0) {
			col++;
			continue;
		}
		sb_add(&b, col, c.chars, VTERM_MAX_CHARS_PER_CELL, c.width, &c.attrs);
		col += c.width;
	}
	sb_finish(&b, out);
}

static const struct sb_line *
sb_at(const struct screen *s, size_t index)
{
	if (index >= s->sb_len)
		return NULL;
	return &s->sb[(s->sb_start + index) % s->sb_cap];
}

size_t
screen_scrollback_count(const struct screen *s)
{
	return s->sb_len;
}

uint64_t
screen_scrollback_dropped(const struct screen *s)
{
	return s->sb_dropped;
}

static void
sb_line_chars(const struct sb_line *l, int col, uint32_t chars[VTERM_MAX_CHARS_PER_CELL])
{
	memset(chars, 0, sizeof(uint32_t) * VTERM_MAX_CHARS_PER_CELL);
	chars[0] = l->cells[col].ch;
	for (int k = 0; k < l->nextra; k++)
		if (l->extra[k].col == col)
			memcpy(chars + 1, l->extra[k].chars, sizeof l->extra[k].chars);
}

void
screen_scrollback_spans(const struct screen *s, size_t index, struct screen_row *out)
{
	const struct sb_line *l = sb_at(s, index);
	struct span_builder b;

	memset(&b, 0, sizeof b);
	memset(out, 0, sizeof *out);
	if (l == NULL)
		return;
	for (int col = 0; col < l->n; col++) {
		const struct sb_cell *c = &l->cells[col];
		struct screen_attrs a;
		uint32_t chars[VTERM_MAX_CHARS_PER_CELL];
		if (c->flags & SB_CONT)
			continue;
		attrs_from_sb(c, &a);
		sb_line_chars(l, col, chars);
		sb_add(&b, col, chars, VTERM_MAX_CHARS_PER_CELL, c->width ? c->width : 1, &a);
	}
	sb_finish(&b, out);
}

static char *
rtrim_detach(struct buf *b)
{
	while (b->len > 0 && b->data[b->len - 1] == ' ')
		b->data[--b->len] = 0;
	return buf_detach(b);
}

char *
screen_scrollback_text(const struct screen *s, size_t index)
{
	const struct sb_line *l = sb_at(s, index);
	struct buf b = BUF_INIT;

	for (int col = 0; l != NULL && col < l->n; col++) {
		uint32_t chars[VTERM_MAX_CHARS_PER_CELL];
		if (l->cells[col].flags & SB_CONT)
			continue;
		sb_line_chars(l, col, chars);
		if (chars[0] == 0)
			buf_putc(&b, ' ');
		for (int k = 0; k < VTERM_MAX_CHARS_PER_CELL && chars[k]; k++)
			put_utf8(&b, chars[k]);
	}
	return rtrim_detach(&b);
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

static void
row_text(const struct screen *s, int row, struct buf *b)
{
	for (int col = 0; col < s->cols; col++) {
		VTermScreenCell v;
		vterm_screen_get_cell(s->vs, (VTermPos){ .row = row, .col = col }, &v);
		if (v.chars[0] == (uint32_t)-1)
			continue;
		if (v.chars[0] == 0)
			buf_putc(b, ' ');
		for (int k = 0; k < VTERM_MAX_CHARS_PER_CELL && v.chars[k]; k++)
			put_utf8(b, v.chars[k]);
	}
	while (b->len > 0 && b->data[b->len - 1] == ' ')
		b->data[--b->len] = 0;
}

char *
screen_row_text(const struct screen *s, int row)
{
	struct buf b = BUF_INIT;

	if (row >= 0 && row < s->rows)
		row_text(s, row, &b);
	return buf_detach(&b);
}

char *
screen_dump_text(const struct screen *s)
{
	struct buf b = BUF_INIT;

	for (int r = 0; r < s->rows; r++) {
		row_text(s, r, &b);
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
