/*
 * What the terminal can do, asked of terminfo before curses takes it: kept
 * apart because <term.h> defines macros (lines, columns, ...) that the rest
 * of the TUI must not see.
 */
#ifndef DEVFLOW_TUI_TTY_H
#define DEVFLOW_TUI_TTY_H

/*
 * Can the terminal named term (on fd) move the cursor (terminfo's cup)?
 * 1 yes, 0 no (TERM=dumb), -1 when terminfo does not know it.
 */
int tty_can_address(const char *term, int fd);

#endif
