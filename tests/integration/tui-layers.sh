#!/bin/sh
# The TUI's layer (DESIGN.md): curses only in tui/, and tui/ reaches the
# server only through the protocol client: of src/ it includes the client,
# the protocol and generic helpers, never the store, engine, sessions,
# catalog or worktrees.
. "$top_srcdir/tests/lib.sh"
cd "$top_srcdir"

hits=$(grep -lE '#include[[:space:]]*[<"](n?curses|ncursesw/)' src/*.c src/*.h 2>/dev/null)
is "$hits" "" "no curses outside tui/"

allowed='^(app|colour|keys|model|request|tui|client|proto|buf|xalloc|error|paths)\.h$'
bad=$(grep -hoE '#include[[:space:]]*"[^"]+"' tui/*.c tui/*.h | sed 's/.*"\(.*\)"/\1/' |
	grep -v '^config\.h$' | grep -vE "$allowed" | sort -u)
is "$bad" "" "tui/ includes only its own headers, the protocol client and generic helpers"

hits=$(grep -lE 'sqlite3|git_repository|vterm_' tui/*.c tui/*.h 2>/dev/null)
is "$hits" "" "tui/ runs no SQL, no libgit2, no libvterm"
done_testing
