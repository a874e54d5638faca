/*
 * Terminfo questions asked before curses starts (tty.h).
 */
#include "config.h"

#include <curses.h>
#include <term.h>

#include "tty.h"

int
tty_can_address(const char *term, int fd)
{
	TERMINAL *saved = cur_term;
	int err = 0, ok;
	char *cup;

	if (term == NULL || term[0] == '\0' || setupterm(term, fd, &err) != OK)
		return -1;
	cup = tigetstr("cup");
	ok = cup != NULL && cup != (char *)-1;
	/* Leave no terminal set behind: newterm sets up its own. */
	del_curterm(cur_term);
	set_curterm(saved);
	return ok;
}
