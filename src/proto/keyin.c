/*
 * Terminal keyboard decoding for `devflow attach` (see keyin.h).
 */
#include "config.h"

#include <string.h>

#include "keyin.h"

#define MOD_SHIFT 1u
#define MOD_ALT 2u
#define MOD_CTRL 4u

void
keyin_init(struct keyin *k, int detach_byte, const struct keyin_ops *ops, void *arg)
{
	memset(k, 0, sizeof(*k));
	k->ops = ops;
	k->arg = arg;
	k->detach_byte = detach_byte;
}

void
keyin_free(struct keyin *k)
{
	buf_free(&k->pending);
	buf_free(&k->text);
	buf_free(&k->paste);
}

int
keyin_control_byte(const char *spec)
{
	size_t at;
	char c;

	if (spec[0] == 'C' && spec[1] == '-')
		at = 2;
	else if (spec[0] == '^')
		at = 1;
	else
		return -1;
	c = spec[at];
	if (c == '\0' || spec[at + 1] != '\0')
		return -1;
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c < '@' || c > '_')
		return -1;
	return c - '@';
}

static void
flush_text(struct keyin *k)
{
	if (k->text.len > 0 && k->ops->text != NULL)
		k->ops->text(k->arg, k->text.data, k->text.len);
	buf_reset(&k->text);
}

static void
key(struct keyin *k, const char *name, uint32_t ch, unsigned mods)
{
	flush_text(k);
	if (k->ops->key != NULL)
		k->ops->key(k->arg, name, ch, mods);
}

/* xterm's modifier parameter is 1 + bits (shift 1, alt 2, ctrl 4). */
static unsigned
xterm_mods(int m)
{
	return m > 1 ? (unsigned)(m - 1) & 7u : 0;
}

/* One escape sequence at s (s[0] == ESC): bytes used, 0 when incomplete. */
static size_t
decode_escape(struct keyin *k, const unsigned char *s, size_t len)
{
	static const struct {
		char intro, final;
		const char *name;
	} letters[] = {
		{ '[', 'A', "Up" },    { '[', 'B', "Down" }, { '[', 'C', "Right" },
		{ '[', 'D', "Left" },  { 'O', 'A', "Up" },   { 'O', 'B', "Down" },
		{ 'O', 'C', "Right" }, { 'O', 'D', "Left" }, { '[', 'H', "Home" },
		{ '[', 'F', "End" },   { 'O', 'H', "Home" }, { 'O', 'F', "End" },
		{ 'O', 'P', "F1" },    { 'O', 'Q', "F2" },   { 'O', 'R', "F3" },
		{ 'O', 'S', "F4" },    { '[', 'P', "F1" },   { '[', 'Q', "F2" },
		{ '[', 'R', "F3" },    { '[', 'S', "F4" },   { '[', 'Z', "Tab" },
		{ 'O', 'M', "Enter" },
	};
	static const struct {
		int n;
		const char *name;
	} tilde[] = {
		{ 1, "Home" },     { 2, "Insert" }, { 3, "Delete" }, { 4, "End" },  { 5, "PageUp" },
		{ 6, "PageDown" }, { 7, "Home" },   { 8, "End" },    { 11, "F1" },  { 12, "F2" },
		{ 13, "F3" },      { 14, "F4" },    { 15, "F5" },    { 17, "F6" },  { 18, "F7" },
		{ 19, "F8" },      { 20, "F9" },    { 21, "F10" },   { 23, "F11" }, { 24, "F12" },
	};
	size_t i;

	if (len < 2)
		return 0;
	if (s[1] == '[' || s[1] == 'O') {
		int p1 = 0, p2 = 0, *p = &p1;

		for (i = 2; i < len; i++) {
			if (s[i] >= '0' && s[i] <= '9')
				*p = *p * 10 + (s[i] - '0');
			else if (s[i] == ';')
				p = &p2;
			else
				break;
		}
		if (i >= len)
			return 0;
		if (s[i] == '~') {
			if (p1 == 200) {
				flush_text(k);
				k->in_paste = 1;
				return i + 1;
			}
			for (size_t t = 0; t < sizeof(tilde) / sizeof(tilde[0]); t++)
				if (tilde[t].n == p1) {
					key(k, tilde[t].name, 0, xterm_mods(p2));
					return i + 1;
				}
			return i + 1; /* an unknown sequence is dropped whole */
		}
		for (size_t t = 0; t < sizeof(letters) / sizeof(letters[0]); t++) {
			if (letters[t].intro == (char)s[1] && letters[t].final == (char)s[i]) {
				/* "ESC [ 1 ; 5 A": the modifier is the second parameter */
				unsigned mods = xterm_mods(p2 != 0 ? p2 : (s[1] == 'O' ? p1 : 0));

				if (s[i] == 'Z')
					mods |= MOD_SHIFT;
				key(k, letters[t].name, 0, mods);
				return i + 1;
			}
		}
		return i + 1;
	}
	if (s[1] >= 0x20 && s[1] < 0x7f) { /* meta: ESC + a character */
		key(k, NULL, s[1], MOD_ALT);
		return 2;
	}
	if (s[1] == 0x7f) {
		key(k, "Backspace", 0, MOD_ALT);
		return 2;
	}
	key(k, "Escape", 0, 0);
	return 1;
}

/* Decode from s; returns the bytes used (the rest waits for more). */
static size_t
decode(struct keyin *k, const unsigned char *s, size_t len, int final)
{
	static const char end[] = "\033[201~";
	size_t i = 0;

	while (i < len && !k->detached) {
		unsigned char ch = s[i];

		if (k->in_paste) {
			const unsigned char *e = NULL;
			size_t take;

			for (size_t j = i; j + 6 <= len; j++)
				if (memcmp(s + j, end, 6) == 0) {
					e = s + j;
					break;
				}
			if (e == NULL) {
				/* keep what could be the start of the end marker */
				take = len - i;
				if (!final)
					take = take > 5 ? take - 5 : 0;
				buf_append(&k->paste, s + i, take);
				return i + take;
			}
			buf_append(&k->paste, s + i, (size_t)(e - (s + i)));
			if (k->ops->paste != NULL)
				k->ops->paste(k->arg, k->paste.data != NULL ? k->paste.data : "",
				              k->paste.len);
			buf_reset(&k->paste);
			k->in_paste = 0;
			i = (size_t)(e - s) + 6;
			continue;
		}
		if ((int)ch == k->detach_byte) {
			flush_text(k);
			k->detached = 1;
			if (k->ops->detach != NULL)
				k->ops->detach(k->arg);
			return i + 1;
		}
		if (ch == 0x1b) {
			size_t n = decode_escape(k, s + i, len - i);

			if (n == 0) {
				if (!final)
					return i;
				key(k, "Escape", 0, 0);
				n = 1;
			}
			i += n;
			continue;
		}
		if (ch == '\r' || ch == '\n')
			key(k, "Enter", 0, 0);
		else if (ch == '\t')
			key(k, "Tab", 0, 0);
		else if (ch == 0x7f || ch == 0x08)
			key(k, "Backspace", 0, 0);
		else if (ch == 0)
			key(k, NULL, ' ', MOD_CTRL);
		else if (ch < 0x20)
			key(k, NULL, (uint32_t)(ch + 'a' - 1), MOD_CTRL);
		else {
			size_t n = ch < 0x80    ? 1
			           : ch >= 0xf0 ? 4
			           : ch >= 0xe0 ? 3
			           : ch >= 0xc0 ? 2
			                        : 1;

			if (i + n > len) {
				if (!final)
					return i;
				n = len - i;
			}
			buf_append(&k->text, s + i, n);
			i += n;
			continue;
		}
		i++;
	}
	return i;
}

static void
run(struct keyin *k, int final)
{
	size_t used;

	if (k->detached) {
		buf_reset(&k->pending);
		return;
	}
	used = decode(k, (const unsigned char *)k->pending.data, k->pending.len, final);
	memmove(k->pending.data, k->pending.data + used, k->pending.len - used);
	k->pending.len -= used;
	if (k->pending.data != NULL)
		k->pending.data[k->pending.len] = '\0';
	flush_text(k);
}

void
keyin_feed(struct keyin *k, const void *bytes, size_t len)
{
	buf_append(&k->pending, bytes, len);
	run(k, 0);
}

void
keyin_timeout(struct keyin *k)
{
	if (k->pending.len > 0)
		run(k, 1);
}

int
keyin_pending(const struct keyin *k)
{
	return k->pending.len > 0;
}
