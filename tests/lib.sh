# Shared TAP helpers for the shell tests. Source it, call plan N (or
# done_testing at the end), then ok/is/like.
#
# The suite is hermetic: what it finds and what it leaves do not depend on
# the machine, the user or the shell that runs it. Every test keeps to these
# rules (.ci/run checks them on a reduced PATH with a decoy workspace):
#  - All state lives in $T_TMP, removed at exit: HOME, the XDG directories
#    and TMPDIR point inside it, so devflow's default workspace, catalog
#    and keys.conf, the agents' configuration files and git's and tmux's
#    own are the test's. Nothing is read or written under the real $HOME,
#    the XDG directories or the workspace of the person running the tests.
#    $T_TMP is always /tmp/devflow-test.XXXXXX, whatever the caller's
#    TMPDIR: the TUI's screens show paths in it, so its length is fixed.
#  - None of the caller's variables that point devflow, git, tmux or curses
#    at their state is kept: every DEVFLOW_*, XDG_*, GIT_*, TMUX* and LC_*
#    variable is unset; locale (C.UTF-8), TERM (xterm-256color), TZ (UTC)
#    are fixed; git ignores /etc/gitconfig. A test sets what it needs
#    itself (server-lib.sh: DEVFLOW_WORKSPACE inside $T_TMP).
#  - No test depends on which agent CLIs (claude, codex, gemini, aider) are
#    installed: every role of every run is pinned to a backend (the fake
#    agent, or a test backend in a private DEVFLOW_SHARE_DIR), and a test of
#    the PATH lookup sets PATH itself.
#  - tmux only through tm and tmux_case below: a private server with no
#    configuration file, and a case during which tmux itself died (3.3a
#    crashes now and then under load) runs once more on a new server.
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
unlike() { # unlike GOT GREP-ERE DESCRIPTION
	if ! printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
		ok 1 "$3"; printf '%s\n' "$1" | grep -E -- "$2" | sed 's/^/#   got: /'; echo "#   want no match: $2"
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
T_TMP=$(mktemp -d /tmp/devflow-test.XXXXXX)
trap 'rm -rf "$T_TMP"' EXIT
export HOME="$T_TMP/home" XDG_CONFIG_HOME="$T_TMP/home/.config" \
	XDG_DATA_HOME="$T_TMP/home/.local/share" XDG_STATE_HOME="$T_TMP/home/.local/state" \
	XDG_CACHE_HOME="$T_TMP/home/.cache" TMUX_TMPDIR="$T_TMP" TMPDIR="$T_TMP"
mkdir -p "$HOME"

# --- tmux ----------------------------------------------------------------
# tm ARGS...: tmux on the test's own server ($T_TMP/tmux.sock), which reads
# TM_CONF when set and no configuration file otherwise.
TM_SOCK="$T_TMP/tmux.sock"
_tm_pid=
tm() { tmux -S "$TM_SOCK" -f "${TM_CONF:-/dev/null}" "$@"; }

# tm_server_start: a fresh server, run in the foreground of a background job
# (-D) so that how it ended is known; 0 once it answers (5 s at most).
tm_server_start() {
	tm_server_stop
	rm -f "$TM_SOCK"
	# Not through tm: $! must be tmux itself, not a subshell.
	tmux -S "$TM_SOCK" -f "${TM_CONF:-/dev/null}" -D </dev/null >/dev/null 2>>"$T_TMP/tmux-server.err" &
	_tm_pid=$!
	_tm_i=0
	until tm list-sessions >/dev/null 2>&1; do
		_tm_i=$((_tm_i + 1))
		[ $_tm_i -ge 100 ] && return 1
		sleep 0.05
	done
	return 0
}

# tm_server_stop: stop the server; 0 when it was still running (or none was
# started), else the status it died with (128 + signal when it crashed).
tm_server_stop() {
	[ -n "$_tm_pid" ] || return 0
	tm kill-server >/dev/null 2>&1
	wait "$_tm_pid"
	_tm_st=$?
	_tm_pid=
	return $_tm_st
}

# tmux_case DESCRIPTION COMMAND [ARGS...]: run COMMAND, checks (ok, is,
# like) that drive programs in tmux through tm, on a fresh tmux server. A
# test must not fail because the tool it looks through did: if tmux died
# during the case, its results are dropped (shown as comments) and it runs
# once more on a new server; a second death is one failure naming tmux.
# COMMAND must be able to run twice (start its own runs and sessions).
tmux_case() {
	_tc_desc=$1
	shift
	_tc_n=$_t_n _tc_failed=$_t_failed _tc_try=1
	while :; do
		tm_server_start
		_tc_up=$?
		"$@" >"$T_TMP/tmux-case.tap"
		tm_server_stop
		_tc_st=$?
		[ $_tc_up -ne 0 ] && [ $_tc_st -eq 0 ] && _tc_st=255
		if [ $_tc_st -eq 0 ]; then
			cat "$T_TMP/tmux-case.tap"
			return 0
		fi
		echo "# tmux died (status $_tc_st) during: $_tc_desc (try $_tc_try)"
		sed 's/^/# dropped: /' "$T_TMP/tmux-case.tap"
		sed 's/^/# tmux: /' "$T_TMP/tmux-server.err" 2>/dev/null
		_t_n=$_tc_n _t_failed=$_tc_failed
		if [ $_tc_try -ge 2 ]; then
			ok 1 "$_tc_desc: tmux itself died twice (status $_tc_st)"
			return 1
		fi
		_tc_try=2
	done
}
