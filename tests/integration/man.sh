#!/bin/sh
# The manual pages render without a warning (groff -ww; mandoc -T lint when
# installed; man -l), and devflow(1) cannot drift from the code: it has
# every verb, every option of every verb's table (`devflow complete`, the
# tables the parser reads) in that verb's entry, every global option and
# the exit codes of `devflow --help`; devflow-config(5) has every request a
# key can be bound to (tui/request.h).
. "$top_srcdir/tests/lib.sh"

command -v groff >/dev/null 2>&1 || skip_all "groff is not installed"
man_dir=$top_srcdir/docs/man
pages="devflow.1 devflow-config.5 devflow-template.5 devflow-backend.5"

for p in $pages; do
	ok $([ -f "$man_dir/$p" ]; echo $?) "$p exists"
	warn=$(groff -man -Tutf8 -ww -z "$man_dir/$p" 2>&1)
	is "$warn" "" "$p: groff -man -ww has no warning"
	if command -v mandoc >/dev/null 2>&1; then
		lint=$(mandoc -T lint -W warning "$man_dir/$p" 2>&1)
		is "$lint" "" "$p: mandoc -T lint has no warning"
	fi
	if command -v man >/dev/null 2>&1; then
		out=$(MANWIDTH=80 MANPAGER=cat man -l "$man_dir/$p" 2>&1); rc=$?
		is "$rc" 0 "$p: man -l renders it"
		name=$(echo "$p" | sed 's/\.[0-9]$//' | tr 'a-z' 'A-Z')
		like "$(printf '%s\n' "$out" | head -1)" "^$name\\([15]\\) " "... with its title"
	fi
done

# The page as text: the COMMANDS section, each verb's entry a tag at the
# left margin of the section (7 columns), its options indented below it.
text=$(groff -man -Tascii -P-cbou -rLL=200n "$man_dir/devflow.1" 2>/dev/null)
commands=$(printf '%s\n' "$text" | sed -n '/^COMMANDS/,/^EXIT STATUS/p')
entry() { # entry VERB: the lines of VERB's entry in COMMANDS
	printf '%s\n' "$commands" | awk -v v="$1" '
		/^       [a-z]/ { split($0, w, " "); inside = (w[1] == v) }
		inside'
}
for v in $("$DEVFLOW" complete verbs); do
	e=$(entry "$v")
	ok $([ -n "$e" ]; echo $?) "devflow(1) has an entry for $v"
	missing=
	for o in $("$DEVFLOW" complete options "$v" | cut -d' ' -f1 | grep -v '^-h$\|^--help$'); do
		printf '%s\n' "$e" | grep -q -- "$o\\b" || missing="$missing $o"
	done
	is "$missing" "" "... and it names every option of $v's table"
	missing=
	for a in $("$DEVFLOW" complete args "$v" | tr -d .); do
		printf '%s\n' "$e" | head -1 | grep -q "\\b$a\\b" || missing="$missing $a"
	done
	is "$missing" "" "... and its usage names every argument of $v's table"
done
options=$(printf '%s\n' "$text" | sed -n '/^OPTIONS/,/^COMMANDS/p')
missing=
for o in $("$DEVFLOW" complete global | cut -d' ' -f1); do
	printf '%s\n' "$options" | grep -q -- "$o\\b" || missing="$missing $o"
done
is "$missing" "" "devflow(1) OPTIONS names every global option"

# The exit codes: the numbers of `devflow --help`, each with its meaning.
status=$(printf '%s\n' "$text" | sed -n '/^EXIT STATUS/,/^ENVIRONMENT/p')
codes=$("$DEVFLOW" --help | sed -n 's/^exit codes: //p' | tr ',' '\n' | sed 's/^ *\([0-9]*\) .*/\1/')
like "$(echo $codes)" '^0 1 2 3$' "devflow --help lists the exit codes"
missing=
for c in $codes; do
	printf '%s\n' "$status" | grep -Eq "^       $c( |\$)" || missing="$missing $c"
done
is "$missing" "" "devflow(1) EXIT STATUS has every exit code"

# Every environment variable devflow reads, in ENVIRONMENT.
env=$(printf '%s\n' "$text" | sed -n '/^ENVIRONMENT/,/^FILES/p')
missing=
for var in $(cat "$top_srcdir"/src/*/*.c "$top_srcdir"/tui/*.c |
	grep -o 'getenv("[A-Z_]*")' | sed 's/getenv("\(.*\)")/\1/' | sort -u |
	grep -v '^DEVFLOW_TUI_\|^DEVFLOW_FAKE_STEP_MS$\|^PATH$'); do
	printf '%s\n' "$env" | grep -q "\\b$var\\b" || missing="$missing $var"
done
is "$missing" "" "devflow(1) ENVIRONMENT has every variable devflow reads (but the test-only ones)"

# devflow-config(5) has every request of the UI.
cfg=$(groff -man -Tascii -P-cbou "$man_dir/devflow-config.5" 2>/dev/null)
missing=
for r in $(sed -n 's/^[[:space:]]*X([A-Z_]*, "\([a-z-]*\)".*/\1/p' "$top_srcdir/tui/request.h"); do
	printf '%s\n' "$cfg" | grep -Eq "^       $r( |\$)" || missing="$missing $r"
done
is "$missing" "" "devflow-config(5) lists every request a key can be bound to"
done_testing
