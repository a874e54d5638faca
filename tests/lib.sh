# Shared TAP helpers for the shell tests. Source it, call plan N (or
# done_testing at the end), then ok/is/like.
#
# The suite is hermetic: what it finds and what it leaves do not depend on
# the machine, the user or the shell that runs it. Every test keeps to these
# rules (.ci/run checks them on a reduced PATH with a decoy workspace):
#  - All state lives in $T_TMP, removed at exit: HOME and the XDG
#    directories point inside it, so devflow's default workspace, catalog
#    and keys.conf, the agents' configuration files and git's and tmux's
#    own are the test's. Nothing is read or written under the real $HOME,
#    the XDG directories or the workspace of the person running the tests.
#  - None of the caller's variables that point devflow, git, tmux or curses
#    at their state is kept: every DEVFLOW_*, XDG_*, GIT_*, TMUX* and LC_*
#    variable is unset; locale (C.UTF-8), TERM (xterm-256color), TZ (UTC)
#    are fixed; git ignores /etc/gitconfig. A test sets what it needs
#    itself (server-lib.sh: DEVFLOW_WORKSPACE inside $T_TMP).
#  - No test depends on which agent CLIs (claude, codex, gemini, aider) are
#    installed: every role of every run is pinned to a backend (the fake
#    agent, or a test backend in a private DEVFLOW_SHARE_DIR), and a test of
#    the PATH lookup sets PATH itself.
#  - The test programs (cmocka, the schema suite) get the same environment
#    through tests/hermetic-run, which sources this file.
set -u
: "${top_srcdir:?run through make check}" "${top_builddir:?}" "${DEVFLOW:=$top_builddir/devflow}"
_t_n=0
_t_failed=0
plan() { echo "1..$1"; }
ok() { # ok STATUS DESCRIPTION — STATUS 0 is a pass
	_t_n=$((_t_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_t_n - $2"; else echo "not ok $_t_n - $2"; _t_failed=$((_t_failed + 1)); fi
}
is() { # is GOT EXPECTED DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"; printf '# got:      %s\n# expected: %s\n' "$1" "$2" | sed 's/^/# /'
	fi
}
like() { # like GOT GREP-ERE DESCRIPTION
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
		ok 1 "$3"; printf '%s\n' "$1" | sed 's/^/#   got: /'; echo "#   want match: $2"
	fi
}
done_testing() { echo "1..$_t_n"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# The caller's environment, minus everything that could point a test at
# someone's state or change what it sees (names from `env`, so that any
# future DEVFLOW_* variable is covered too).
for _v in $(env | sed -n 's/^\(\(DEVFLOW_\|XDG_\|GIT_\|TMUX\|LC_\|TERMINFO\|NCURSES\)[A-Za-z0-9_]*\)=.*/\1/p'); do
	unset "$_v"
done
unset LANGUAGE NO_COLOR ESCDELAY LINES COLUMNS TABSIZE TERMCAP CMOCKA_XML_FILE CMOCKA_TEST_ABORT
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color TZ=UTC GIT_CONFIG_NOSYSTEM=1

# A scratch directory removed at exit, holding the test's home.
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/devflow-test.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT
export HOME="$T_TMP/home" XDG_CONFIG_HOME="$T_TMP/home/.config" \
	XDG_DATA_HOME="$T_TMP/home/.local/share" XDG_STATE_HOME="$T_TMP/home/.local/state" \
	XDG_CACHE_HOME="$T_TMP/home/.cache" TMUX_TMPDIR="$T_TMP"
mkdir -p "$HOME"
