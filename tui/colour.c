/*
 * Colour mapping and pair allocation (see colour.h). The palette arithmetic
 * is pure and unit-tested; the pair table tracks which colours each pair was
 * handed out for, so a recycled pair (alloc_pair evicts the least recently
 * used one when the table is full) is noticed and everything is redrawn.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>

#include "lib/xalloc.h"
#include "colour.h"

static const uint32_t ansi16[16] = {
	0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
	0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
};
static const int cube[6] = { 0, 95, 135, 175, 215, 255 };

uint32_t
colour_palette_rgb(int i)
{
	if (i < 0 || i > 255)
		return 0;
	if (i < 16)
		return ansi16[i];
	if (i < 232) {
		i -= 16;
		return (uint32_t)cube[i / 36] << 16 | (uint32_t)cube[i / 6 % 6] << 8 |
		       (uint32_t)cube[i % 6];
	}
	{
		uint32_t g = (uint32_t)(8 + 10 * (i - 232));

		return g << 16 | g << 8 | g;
	}
}

static long
dist(uint32_t a, int r, int g, int b)
{
	long dr = (long)(a >> 16 & 0xff) - r, dg = (long)(a >> 8 & 0xff) - g,
	     db = (long)(a & 0xff) - b;

	/* Weighted towards green, as the eye is. */
	return 3 * dr * dr + 4 * dg * dg + 2 * db * db;
}

/* Nearest palette index in [lo, hi) to r, g, b. */
static int
nearest(int r, int g, int b, int lo, int hi)
{
	int best = lo;
	long bd = -1;

	for (int i = lo; i < hi; i++) {
		long d = dist(colour_palette_rgb(i), r, g, b);

		if (bd < 0 || d < bd) {
			bd = d;
			best = i;
		}
	}
	return best;
}

int
colour_rgb_to_256(int r, int g, int b)
{
	return nearest(r, g, b, 16, 256);
}

int
colour_map(int32_t c, int ncolors, int *bold)
{
	int i;
	uint32_t rgb;

	*bold = 0;
	if (c < 0 || ncolors < 8)
		return -1;
	if (c & 0x1000000)
		i = colour_rgb_to_256(c >> 16 & 0xff, c >> 8 & 0xff, c & 0xff);
	else
		i = c & 0xff;
	if (i < ncolors && (ncolors >= 256 || i < 16))
		return i;
	if (i < 16) { /* an 8-colour terminal: bright is bold */
		*bold = i >= 8;
		return i & 7;
	}
	rgb = colour_palette_rgb(i);
	i = nearest((int)(rgb >> 16), (int)(rgb >> 8 & 0xff), (int)(rgb & 0xff), 0,
	            ncolors >= 16 ? 16 : 8);
	return i;
}

static int enabled;
static int evicted;
static int *pair_key; /* pair -> (fg + 1) * 1024 + (bg + 1), 0 unused */
static int npairs;

int
colour_start(void)
{
	const char *nc = getenv("NO_COLOR");

	enabled = 0;
	if ((nc != NULL && nc[0] != '\0') || !has_colors())
		return 0;
	if (start_color() == ERR)
		return 0;
	use_default_colors();
	enabled = COLORS >= 8;
	return enabled;
}

int
colour_enabled(void)
{
	return enabled;
}

int
colour_pair(int fg, int bg)
{
	int p, key;

	if (!enabled || (fg < 0 && bg < 0))
		return 0;
	p = find_pair(fg, bg);
	if (p > 0)
		return p;
	p = alloc_pair(fg, bg);
	if (p <= 0)
		return 0;
	key = (fg + 1) * 1024 + (bg + 1);
	if (p >= npairs) {
		int n = p + 64;

		pair_key = xreallocarray(pair_key, (size_t)n, sizeof *pair_key);
		for (int i = npairs; i < n; i++)
			pair_key[i] = 0;
		npairs = n;
	}
	if (pair_key[p] != 0 && pair_key[p] != key)
		evicted = 1;
	pair_key[p] = key;
	return p;
}

int
colour_evicted(void)
{
	int e = evicted;

	evicted = 0;
	return e;
}

void
colour_done(void)
{
	free(pair_key);
	pair_key = NULL;
	npairs = 0;
	enabled = 0;
}
