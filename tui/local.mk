# The ncurses client (the TUI issue). The only directory that includes curses.
EXTRA_DIST += tui/README
