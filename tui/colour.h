/*
 * Colours of agent screens mapped onto what the terminal has (DESIGN.md,
 * terminal notes): the default colour stays -1 (use_default_colors), a
 * palette index is kept when the terminal has it, an RGB colour goes to the
 * nearest of the 256-colour palette, and from there to the nearest colour
 * the terminal has; on 8-colour terminals the bright colours 8–15 become
 * their base colour plus bold. Pairs come from alloc_pair; when a pair in
 * use is recycled the caller must redraw everything (colour_evicted).
 */
#ifndef DEVFLOW_TUI_COLOUR_H
#define DEVFLOW_TUI_COLOUR_H

#include <stdint.h>

/* The nearest xterm-256 palette index (16..255) to an RGB colour. */
int colour_rgb_to_256(int r, int g, int b);

/* The RGB of palette index i (0..255) as 0xRRGGBB. */
uint32_t colour_palette_rgb(int i);

/*
 * A protocol colour (PROTO_COLOR_DEFAULT, 0..255, or RGB) as a colour
 * number of a terminal with ncolors colours: -1 for the default. *bold is
 * set to 1 when the colour's brightness must be shown as bold.
 */
int colour_map(int32_t c, int ncolors, int *bold);

/* Start colour (unless NO_COLOR is set or the terminal has none). 1 when on. */
int colour_start(void);

/* 1 when colours are in use. */
int colour_enabled(void);

/* The pair for curses colours fg/bg (-1 default); 0 when colours are off. */
int colour_pair(int fg, int bg);

/* 1 (once) when a pair that was handed out was recycled since the last call. */
int colour_evicted(void);

/* Forget the pairs (at the end of the session). */
void colour_done(void);

#endif
