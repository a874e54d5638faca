#!/bin/sh
# The screen against tmux, cell by cell, colours included: one program that
# exercises every state callback the screen takes from libvterm (glyphs wide
# and combining, cursor moves, scrolls of the whole screen and of regions,
# insert and delete of lines and characters, erases in a background colour,
# pen attributes 16/256/RGB, the title, cursor visibility, the bell, the
# alternate screen, DECSC/DECRC, wrap and pending wrap) runs as an agent in
# a devflow server (a test backend in a private copy of data/ whose screen
# never looks ready) and in tmux at 80x24; `devflow capture -e` and
# `tmux capture-pane -e -p` are reduced to one token per character (the
# character, foreground, background, bold/italic/underline/reverse) and must
# be equal. (Not here: DECDWL and left/right margins, which tmux does not
# do; resizes, compared with libvterm's screen in test_screen_parity.)
. "$top_srcdir/tests/lib.sh"
command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
. "$top_srcdir/tests/integration/server-lib.sh"

TM_CONF="$T_TMP/tmux.conf"
cat >"$TM_CONF" <<'EOF'
set -g status off
set -g default-terminal xterm-256color
EOF
trap 'tm kill-server >/dev/null 2>&1; stop_server; rm -rf "$T_TMP"' EXIT

mkdir -p "$T_TMP/bin"
cat >"$T_TMP/bin/workout-agent" <<'SH'
#!/bin/sh
e() { printf "$@"; }
e '\033]2;workout title\007\a\033[?25l'
e '\033[H\033[2J'
# history: lines scrolled off the top (full-width scrolls)
i=1
while [ $i -le 30 ]; do e 'history line %d\r\n' $i; i=$((i + 1)); done
e '\033[H\033[2J'
# 1-2: the pen
e '\033[31mred\033[0m \033[1;32mbold green\033[0m \033[94mbright\033[0m \033[38;5;208m208\033[0m '
e '\033[48;5;22mbg22\033[0m \033[38;2;10;200;30mrgb\033[0m \033[48;2;90;0;90mrgbbg\033[0m\r\n'
e '\033[4munder\033[24m \033[3mitalic\033[23m \033[7mreverse\033[27m \033[1;4;7;33;44mall\033[0m '
e '\033[35;1mbold-then-\033[22mplain\033[39m\r\n'
# 3: wide and combining characters, one cut at the end of the row
e 'wide:\344\270\255\346\226\207\360\237\230\200| e\314\201 a\314\201\314\202 \033[3;79H\344\270\255\r\n'
# 4-5: wrap and pending wrap
i=0; while [ $i -lt 85 ]; do e '%d' $((i % 10)); i=$((i + 1)); done; e '\r\n'
# 6-10: a scroll region, line feeds and reverse index inside it
e '\033[6;10r\033[6;1H'
for i in 1 2 3 4 5 6 7 8; do e '\033[3%dmregion %d\033[0m\r\n' $((i % 7 + 1)) $i; done
e '\033[6;1H\033M\033M\033[r'
# 11-12: scroll up/down (SU/SD) within a region
e '\033[11;12r\033[11;1Hsu-a\033[12;1Hsu-b\033[1S\033[11;20Hsd\033[1T\033[r'
# 13-14: insert/delete lines
e '\033[13;1Hil-keep\033[14;1Hil-moved\033[14;1H\033[L\033[14;1Hil-new\033[13;1H\033[M'
# 15-16: insert/delete characters (cells moved sideways)
e '\033[15;1Hinsert:ABCDEF\033[15;8H\033[2@xy'
e '\033[16;1Hdelete:ABCDEF\033[16;8H\033[2P'
# 17-19: erases in a background colour
e '\033[17;1Hel-bg:\033[44m\033[K\033[0m\033[17;80H|'
e '\033[18;1H0123456789\033[18;3H\033[45m\033[4X\033[0m\033[18;20Hright\033[18;22H\033[43m\033[1K\033[0m'
e '\033[19;1H\033[42m\033[2K\033[0mrow-erased-green\033[19;80H|'
# 20: save, alternate screen drawn and left, restore
e '\033[20;1Hmain\0337\033[?1049h\033[H\033[41mALT SCREEN\033[0m\033[?1049l\0338-restored'
# 21-22: tabs, backspace, cursor moves
e '\033[21;1Ha\tb\tc\bC\033[22;40Hmid\033[5Dx\033[2Cy\033[A^\033[2B\033[Bv'
# 23: erase below, 24: the end
e '\033[23;1Hbelow\033[23;4H\033[0J\033[24;1H\033[1;36mEND-OF-WORKOUT\033[0m'
exec sleep 60
SH
chmod +x "$T_TMP/bin/workout-agent"
export PATH="$T_TMP/bin:$PATH"

share="$T_TMP/share"
mkdir -p "$share"
cp -R "$top_srcdir/data" "$top_srcdir/schemas" "$share/"
cat >"$share/data/backends/workout.json" <<'JSON'
{
  "name": "workout",
  "version": 1,
  "argv": ["workout-agent", "{prompt}"],
  "env": {},
  "prompt": { "mode": "argv", "submitDelayMs": 0 },
  "screen": {
    "ready": ["^this screen is never ready$"],
    "busy": [],
    "needsInput": [],
    "trust": [],
    "lastLines": 4,
    "stableMs": 100
  },
  "install": "tests/integration/screen-workout.sh writes it"
}
JSON
export DEVFLOW_SHARE_DIR="$share"

# cells FILE: one line per row, one token per character: char|fg|bg|attrs
# (SGR state carried from row to row, as capture-pane -e writes it);
# trailing plain blanks and blank rows at the end left out.
cells() {
	LC_ALL=C awk '
	BEGIN { esc = sprintf("%c", 27); fg = "d"; bg = "d"; b = i = u = r = 0 }
	function sgr(s,   n, p, k, v) {
		gsub(":", ";", s)
		n = split(s, p, ";")
		if (n == 0) { n = 1; p[1] = 0 }
		for (k = 1; k <= n; k++) {
			v = p[k] + 0
			if (v == 0) { fg = "d"; bg = "d"; b = i = u = r = 0 }
			else if (v == 1) b = 1; else if (v == 3) i = 1
			else if (v == 4) u = 1; else if (v == 7) r = 1
			else if (v == 22) b = 0; else if (v == 23) i = 0
			else if (v == 24) u = 0; else if (v == 27) r = 0
			else if (v >= 30 && v <= 37) fg = v - 30
			else if (v >= 90 && v <= 97) fg = v - 90 + 8
			else if (v >= 40 && v <= 47) bg = v - 40
			else if (v >= 100 && v <= 107) bg = v - 100 + 8
			else if (v == 39) fg = "d"; else if (v == 49) bg = "d"
			else if (v == 38 || v == 48) {
				if (p[k + 1] == 5) { c = p[k + 2] + 0; k += 2 }
				else { c = "#" p[k + 2] "," p[k + 3] "," p[k + 4]; k += 4 }
				if (v == 38) fg = c; else bg = c
			}
		}
	}
	{
		line = $0; out = ""; keep = ""
		while (length(line) > 0) {
			if (substr(line, 1, 2) == esc "[") {
				end = index(line, "m")
				sgr(substr(line, 3, end - 3))
				line = substr(line, end + 1)
				continue
			}
			ch = substr(line, 1, 1); line = substr(line, 2)
			tok = ch "|" fg "|" bg "|" (b ? "b" : "") (i ? "i" : "") (u ? "u" : "") (r ? "r" : "")
			out = out tok " "
			if (tok != " |d|d|") keep = out
		}
		rows[NR] = keep
		if (keep != "") last = NR
	}
	END { for (n = 1; n <= last; n++) print rows[n] }
	' "$1"
}

make_repo "$T_TMP/repo"
printf '# Workout\n' >"$T_TMP/req.md"
dj start --repo "$T_TMP/repo" --requirements "$T_TMP/req.md" --backend planner=workout \
	--backend implementer=fake --backend reviewer=fake
ok $? "start a run whose planner is the workout"
run=$(jv result.runId)
have_session() { sess=$(last_session "$run") && [ -n "$sess" ]; }
wait_until 20 have_session
ok $? "its session is live"
sess=$(last_session "$run")
drawn() { "$DEVFLOW" capture "$sess" | grep -q END-OF-WORKOUT; }
wait_until 20 drawn
ok $? "the workout drew its screen in the session"
"$DEVFLOW" capture -e "$sess" >"$T_TMP/devflow.e"
"$DEVFLOW" capture "$sess" >"$T_TMP/devflow.p"

case_workout() {
	tm -u new-session -d -x 80 -y 24 -s w "$T_TMP/bin/workout-agent"
	shown() { tm capture-pane -p -t w | grep -q END-OF-WORKOUT; }
	wait_until 10 shown
	ok $? "the workout drew its screen in tmux"
	tm capture-pane -e -p -t w >"$T_TMP/tmux.e"
	tm capture-pane -p -t w >"$T_TMP/tmux.p"
	sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$T_TMP/devflow.p" >"$T_TMP/d.p"
	sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$T_TMP/tmux.p" >"$T_TMP/t.p"
	cmp -s "$T_TMP/d.p" "$T_TMP/t.p"
	st=$?
	ok $st "the text equals tmux capture-pane -p"
	[ $st -ne 0 ] && diff -u "$T_TMP/t.p" "$T_TMP/d.p" | sed 's/^/# /'
	cells "$T_TMP/devflow.e" >"$T_TMP/d.cells"
	cells "$T_TMP/tmux.e" >"$T_TMP/t.cells"
	cmp -s "$T_TMP/d.cells" "$T_TMP/t.cells"
	st=$?
	ok $st "every character, colour and attribute equals tmux capture-pane -e"
	if [ $st -ne 0 ]; then
		diff "$T_TMP/t.cells" "$T_TMP/d.cells" | tr ' ' '\n' | head -40 | sed 's/^/# /'
	fi
	# Not vacuous: colours of each kind are there.
	grep -q '|208|' "$T_TMP/d.cells" && grep -q '|#10,200,30|' "$T_TMP/d.cells" &&
		grep -q '|d|4|' "$T_TMP/d.cells" && grep -q '|bur' "$T_TMP/d.cells"
	ok $? "256-colour, RGB, background erase and bold+underline+reverse cells were compared"
}
tmux_case "workout" case_workout

dj capture -e "$sess"
is "$(jv result.screen.title)" "workout title" "the title (OSC 2) is in the screen"
is "$(jv result.screen.cursor.visible)" "false" "and the cursor is hidden (DECTCEM)"
done_testing
