#!/bin/sh
# Rendering comparison: the same program, at the same size, with the same
# keys, in a devflow session (tests/unit/session_dump) and in tmux; the
# screen text must be identical (DESIGN.md, "Terminal notes": testing layers).
. "$top_srcdir/tests/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
DUMP="$top_builddir/tests/unit/session_dump"
[ -x "$DUMP" ] || skip_all "session_dump not built"

ROWS=24
COLS=80
# tm (tests/lib.sh) reads this; each comparison runs as a tmux_case, on a
# fresh server, again if tmux itself died.
TM_CONF="$T_TMP/tmux.conf"
cat >"$TM_CONF" <<'EOF'
set -g status off
set -g default-terminal xterm-256color
set -g escape-time 0
EOF
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$T_TMP"' EXIT

# Every program runs with the same small, fixed environment.
cat >"$T_TMP/env.sh" <<EOF
exec env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=$T_TMP/home LANG=C.UTF-8 \
	TERM=xterm-256color LESSHISTFILE=- PS1='\$ ' "\$@"
EOF

# tmux_settle: wait until the pane has not changed for 0.4 s (at most ~10 s).
tmux_settle() {
	prev=
	same=0
	n=0
	while [ $n -lt 100 ]; do
		cur=$(tm capture-pane -p -t r 2>/dev/null)
		if [ "$cur" = "$prev" ]; then
			same=$((same + 1))
			[ $same -ge 4 ] && return 0
		else
			same=0
		fi
		prev=$cur
		n=$((n + 1))
		sleep 0.1
	done
}

# compare NAME KEY... -- COMMAND...: each KEY is sent once output settles.
compare() {
	tmux_case "$1" compare_once "$@"
}
compare_once() {
	name=$1
	shift
	keys=
	dump_args=
	while [ "$1" != -- ]; do
		dump_args="$dump_args -k $(printf '%s' "$1" | sed "s/'/'\\\\''/g; s/^/'/; s/\$/'/")"
		shift
	done
	shift
	cmd=
	for a; do
		cmd="$cmd '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
	done

	eval "\"\$DUMP\" -r $ROWS -c $COLS -s 400 -t 20000 $dump_args -- sh \"\$T_TMP/env.sh\" $cmd" \
		>"$T_TMP/$name.session" 2>"$T_TMP/$name.err"
	ok $? "$name: session_dump ran"

	tm -u new-session -d -x $COLS -y $ROWS -s r "sh $T_TMP/env.sh $cmd"
	tmux_settle
	eval "set -- $dump_args"
	while [ $# -gt 0 ]; do
		tm send-keys -t r "$2"
		tmux_settle
		shift 2
	done
	tm capture-pane -p -t r >"$T_TMP/$name.tmux"

	# capture-pane stops at the last non-empty row; the dump has all rows.
	sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$T_TMP/$name.session" >"$T_TMP/$name.s"
	sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$T_TMP/$name.tmux" >"$T_TMP/$name.t"
	if cmp -s "$T_TMP/$name.s" "$T_TMP/$name.t"; then
		ok 0 "$name: session screen equals tmux capture-pane"
	else
		ok 1 "$name: session screen equals tmux capture-pane"
		diff -u "$T_TMP/$name.t" "$T_TMP/$name.s" | sed 's/^/# /'
		sed 's/^/# err: /' "$T_TMP/$name.err"
	fi
	lines=$(grep -c . "$T_TMP/$name.s")
	[ "$lines" -ge 3 ]
	ok $? "$name: the screen is not empty ($lines rows)"
}

mkdir -p "$T_TMP/home"

# 1. bash with a fixed prompt: echo, colours, wide characters, scrolling.
compare bash \
	'echo hello' Enter \
	'printf "\033[1;32mgreen\033[0m \344\270\255\346\226\207 \360\237\230\200|\n"' Enter \
	'seq 1 30' Enter \
	'printf "%s\n" "$((6 * 7))"' Enter \
	-- bash --norc --noprofile

# 2. less on a file with long (wrapping) lines and wide characters; page and search.
i=1
while [ $i -le 120 ]; do
	if [ $((i % 17)) -eq 0 ]; then
		printf 'line %d: %s\n' $i "$(printf 'long-%d ' $(seq 1 25))"
	elif [ $((i % 11)) -eq 0 ]; then
		printf 'line %d: 中文字符 wide text\n' $i
	else
		printf 'line %d\n' $i
	fi
	i=$((i + 1))
done >"$T_TMP/file.txt"
compare less Space Space '/line 77' Enter -- less "$T_TMP/file.txt"

# 3. vi (vim or nvi: whatever `vi` is) editing the same file.
if command -v vi >/dev/null 2>&1; then
	cp "$T_TMP/file.txt" "$T_TMP/edit.txt"
	compare vi 5G dd o 'inserted 中文 line' Escape 40G gg -- vi -u NONE -i NONE -n "$T_TMP/edit.txt"
else
	ok 0 "# SKIP vi is not installed"
fi

# 4. A deterministic full-screen program: scroll regions, insert/delete, erase, wrap.
cat >"$T_TMP/paint.sh" <<'EOF'
printf '\033[H\033[2J'
printf 'wrap:'; i=0; while [ $i -lt 30 ]; do printf 'abc'; i=$((i + 1)); done; printf '\r\n'
printf 'tab\tstop\tx\r\n'
printf '\033[5;10r\033[5;1H'
for i in 1 2 3 4 5 6 7 8 9; do printf 'region %d\r\n' $i; done
printf '\033[r'
printf '\033[12;1Hinsert:ABCDEF\033[12;8H\033[2@xy'
printf '\033[13;1Hdelete:ABCDEF\033[13;8H\033[2P'
printf '\033[14;1Herase:ABCDEFGH\033[14;7H\033[3X'
printf '\033[15;1Hline-to-delete\033[16;1Hkeep\033[15;1H\033[M'
printf '\033[18;1Hwide:中文😀|\033[19;78H中文'
printf '\033[21;1H\033[1;31mred\033[0m \033[7mrev\033[0m\033[K'
printf '\033[22;1H0123456789\033[22;5H\033[1Kleft'
printf '\033[24;1Hend\033[3;1H\033[2L\033[3;1Hinserted'
exec sleep 30
EOF
compare paint -- sh "$T_TMP/paint.sh"

# 5. Interactive top (procps), made as deterministic as top allows: it shows
# only one process, a `sleep` this test starts (-p), draws once (-d 60), reads
# no toprc (an empty HOME), and shows memory in KiB (-E k, -e k). The screen
# is taken while top runs (session_dump -d; tmux capture-pane), then top is
# quit with `q` in both, and must exit.
#
# Normalisation, and nothing else: on rows 1-5 only (the summary area: clock,
# uptime, users, load averages, task counts, CPU and memory figures, which
# change between two runs), every number (a digit followed by digits, `.` or
# `:`) together with the spaces before it becomes " #", so "ni,100.0 id" and
# "ni,  99.5 id" both read "ni, # id". The labels of those rows, the line
# count, the empty row 6, the column header and the process row (PID, user,
# memory sizes, state, %CPU, %MEM and TIME+ of an idle sleep, which do not
# change) and the empty rows below are compared exactly.
top_norm() {
	sed -e '1,5s/ *[0-9][0-9.:]*/ #/g' "$1"
}
if command -v top >/dev/null 2>&1; then
	mkdir -p "$T_TMP/tophome"
	sleep 1000 &
	sleep_pid=$!
	trap 'kill $sleep_pid 2>/dev/null; tm kill-server >/dev/null 2>&1; rm -rf "$T_TMP"' EXIT
	topcmd="env HOME=$T_TMP/tophome top -p $sleep_pid -d 60 -E k -e k"

	case_top() {
	# shellcheck disable=SC2086 # topcmd is split into words on purpose
	"$DUMP" -r $ROWS -c $COLS -s 400 -t 20000 -d -k q -x -- sh "$T_TMP/env.sh" $topcmd \
		>"$T_TMP/top.out" 2>"$T_TMP/top.err"
	ok $? "top: session_dump ran"
	head -n $ROWS "$T_TMP/top.out" >"$T_TMP/top.session"
	is "$(sed -n "$((ROWS + 1)),\$p" "$T_TMP/top.out")" "exit: exited with status 0" \
		"top: q quits top in the session"

	tm -u new-session -d -x $COLS -y $ROWS -s r "sh $T_TMP/env.sh $topcmd"
	tmux_settle
	tm capture-pane -p -t r >"$T_TMP/top.tmux"
	tm send-keys -t r q
	n=0
	while tm has-session -t r >/dev/null 2>&1 && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	quit=0
	tm has-session -t r >/dev/null 2>&1 && quit=1
	ok $quit "top: q quits top in tmux"

	sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$T_TMP/top.session" >"$T_TMP/top.s"
	sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$T_TMP/top.tmux" >"$T_TMP/top.t"
	top_norm "$T_TMP/top.s" >"$T_TMP/top.sn"
	top_norm "$T_TMP/top.t" >"$T_TMP/top.tn"
	if cmp -s "$T_TMP/top.sn" "$T_TMP/top.tn"; then
		ok 0 "top: session screen equals tmux capture-pane (summary numbers masked)"
	else
		ok 1 "top: session screen equals tmux capture-pane (summary numbers masked)"
		diff -u "$T_TMP/top.tn" "$T_TMP/top.sn" | sed 's/^/# /'
		sed 's/^/# err: /' "$T_TMP/top.err"
	fi
	# Not vacuous: the summary, the column header and the pinned process are there.
	like "$(cat "$T_TMP/top.sn")" '^top - # up ' "top: the summary row is shown"
	like "$(sed -n 7p "$T_TMP/top.s")" '^ +PID +USER .* COMMAND *$' "top: the column header is row 7"
	like "$(sed -n 8p "$T_TMP/top.s")" "^ *$sleep_pid .* sleep *\$" "top: row 8 is the pinned sleep"
	}
	tmux_case "top" case_top

	kill "$sleep_pid"
	wait "$sleep_pid" 2>/dev/null
	left=$(pgrep -c -f "^top -p $sleep_pid ")
	is "$left" 0 "top: no top is left running"
else
	ok 0 "# SKIP top is not installed"
fi

done_testing
