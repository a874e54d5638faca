#!/bin/sh
# The layering rules of DESIGN.md and STYLE.md rule 2, checked on the sources.
. "$top_srcdir/tests/lib.sh"
cd "$top_srcdir"

hits=$(grep -lE '#include[[:space:]]*[<"](n?curses|ncursesw/)' src/*.c src/*.h 2>/dev/null)
is "$hits" "" "src/ never includes curses"

hits=$(grep -lE 'sqlite3' src/*.c src/*.h tui/*.c tui/*.h 2>/dev/null | grep -v '^src/store\.[ch]$')
is "$hits" "" "SQL and sqlite3 only in src/store.c"

hits=$(grep -lE '#include[[:space:]]*"(store|engine|session|catalog|worktree)\.h"' tui/*.c tui/*.h 2>/dev/null)
is "$hits" "" "tui/ includes no store, engine, session, catalog or worktree header"

hits=$(grep -lE '#include[[:space:]]*"engine\.h"' src/session*.c src/session*.h 2>/dev/null)
is "$hits" "" "the session module includes no engine header"

hits=$(grep -LE '^#include "config.h"' src/*.c tui/*.c 2>/dev/null)
is "$hits" "" "every .c file includes config.h"

hits=$(grep -lE 'config\.h' src/*.h tui/*.h 2>/dev/null)
is "$hits" "" "no header includes config.h"
done_testing
