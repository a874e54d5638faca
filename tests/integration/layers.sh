#!/bin/sh
# The layering rules of DESIGN.md and STYLE.md rule 2, checked on the
# sources as path rules: src/ has one folder a layer (README, Layout), an
# include across folders names the folder ("engine/engine.h") and one within
# a folder does not, and each layer includes only the layers below it.
. "$top_srcdir/tests/lib.sh"
cd "$top_srcdir"

# includes FOLDER...: "file: header" for every project include of the
# sources in the folders.
includes() {
	for d; do
		grep -HoE '^#include "[^"]+"' "$d"/*.c "$d"/*.h 2>/dev/null
	done | sed 's/:#include "\(.*\)"/: \1/' | grep -v ': config\.h$'
}
# outside FOLDER ALLOWED-ERE: the includes of FOLDER that reach a folder
# not matched by ALLOWED-ERE (a bare name is FOLDER's own).
outside() {
	includes "$1" | grep ': [^ ]*/' | grep -vE ": ($2)/" || true
}

is "$(ls -d src/*/ | tr '\n' ' ')" \
	"src/agent/ src/cli/ src/engine/ src/fake/ src/lib/ src/proto/ src/schema/ src/server/ src/store/ " \
	"src/ holds the layer folders"
is "$(find src -maxdepth 1 -name '*.[ch]')" "" "and no source outside them"

bad=$(for f in src/*/*.[ch]; do
	d=$(dirname "$f")
	grep -oE '^#include "[^"/]+"' "$f" | sed 's/#include "\(.*\)"/\1/' | grep -v '^config\.h$' |
		while read -r h; do [ -e "$d/$h" ] || echo "$f: $h"; done
	grep -oE "^#include \"${d#src/}/[^\"]+\"" "$f" | sed "s|^|$f: |"
done)
is "$bad" "" "a bare include is of the same folder, and one of the same folder is bare"

hits=$(grep -HoE '^#include "[^"]+/[^"/]+-int\.h"' src/*/*.[ch] tui/*.[ch] tests/unit/*.[ch] \
	bench/*.c 2>/dev/null)
is "$hits" "" "a folder's internal header (*-int.h) is included only inside the folder"

is "$(outside src/lib 'NONE')" "" "lib/ includes nothing of ours"
is "$(outside src/schema 'lib')" "" "schema/ includes only lib/"
is "$(outside src/store 'lib')" "" "store/ includes only lib/"
is "$(outside src/agent 'lib')" "" "agent/ (the agent terminal) includes only lib/: never engine/"
is "$(outside src/proto 'lib')" "" "proto/ includes only lib/"
is "$(outside src/engine 'lib|schema|store|agent')" "" \
	"engine/ includes no proto/, server/, cli/ or tui/"
is "$(outside src/server 'lib|schema|store|agent|engine|proto')" "" "server/ includes no cli/ or tui/"
is "$(outside src/fake 'lib')" "" "the fake agent includes only lib/"
is "$(outside tui 'lib|proto')" "" "tui/ includes only proto/ and lib/"

# Each folder's README names each of its files (a cmd-*.c by the pattern).
missing=$(for d in src/*/ tui/; do
	for f in "$d"*.[ch]; do
		b=$(basename "$f")
		case $b in cmd-*.c) b='cmd-\*\.c' ;; *) b=$(printf '%s' "$b" | sed 's/\./\\./') ;; esac
		stem=$(basename "$f" | sed 's/\.[ch]$//')
		grep -qE "(^|[^a-z-])($b|$stem\.\[ch\])([^a-z]|$)" "${d}README" 2>/dev/null || echo "$f"
	done
done)
is "$missing" "" "each folder's README lists its files"

hits=$(grep -lE '#include[[:space:]]*[<"](n?curses|ncursesw/)' src/*/*.[ch] 2>/dev/null)
is "$hits" "" "src/ never includes curses"

hits=$(grep -lE 'sqlite3' src/*/*.[ch] tui/*.[ch] 2>/dev/null | grep -v '^src/store/')
is "$hits" "" "SQL and sqlite3 only in src/store/"

hits=$(grep -lE 'sqlite3|git_repository|vterm_' tui/*.[ch] 2>/dev/null)
is "$hits" "" "tui/ runs no SQL, no libvterm and no libgit2 of its own (lib/gitrepo reads a branch)"

hits=$(grep -LE '^#include "config.h"' src/*/*.c tui/*.c 2>/dev/null)
is "$hits" "" "every .c file includes config.h"

hits=$(grep -lE 'config\.h' src/*/*.h tui/*.h 2>/dev/null)
is "$hits" "" "no header includes config.h"
done_testing
