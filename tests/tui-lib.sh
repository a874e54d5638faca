# Helpers for the TUI's headless tests (tests/integration/tui-*.sh): a git
# repository to run on, runs on the fake agent, the TUI driven by a key
# script (DEVFLOW_TUI_SCRIPT) and screens normalised for comparison. The
# server is the real one, started by the first client and stopped at exit.
. "$top_srcdir/tests/lib.sh"
command -v git >/dev/null 2>&1 || skip_all "git is not installed"

REPO="$T_TMP/repo"
tui_cleanup() {
	"$DEVFLOW" kill-server >/dev/null 2>&1
	rm -rf "$T_TMP"
}
trap tui_cleanup EXIT

git init -q -b main "$REPO"
printf '# calc\n\nA tiny calculator.\n' >"$REPO/README.md"
git -C "$REPO" add README.md
git -C "$REPO" -c user.email=t@example.com -c user.name=t commit -q -m init
printf '# Requirements\n\nAdd a calculator.\n' >"$T_TMP/req.md"

# tui_start [ARGS...]: start a run on the fake agent; prints its id.
tui_start() {
	"$DEVFLOW" start --requirements "$T_TMP/req.md" --repo "$REPO" --base main \
		--backend planner=fake --backend implementer=fake --backend reviewer=fake "$@" |
		sed -n 's/^started run \([^ ]*\).*/\1/p'
}

# tui_wait_state RUN STATE: wait (up to 30 s) until the run is in STATE.
tui_wait_state() {
	i=0
	while [ $i -lt 300 ]; do
		"$DEVFLOW" ls | grep -q "^$1 *$2 " && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "# run $1 did not reach $2: $("$DEVFLOW" ls)"
	return 1
}

# tui_wait_idle RUN ROLE: wait (up to 30 s) until the run's ROLE agent went
# idle after its turn (session.idle), so that a screen of the events is
# the same whether or not the test was slow.
tui_wait_idle() {
	i=0
	while [ $i -lt 300 ]; do
		"$DEVFLOW" logs "$1" | grep session.idle | grep -q "\"roleId\":\"$2\"" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "# run $1: no session.idle for $2"
	return 1
}

# tui_plan_waiting_80x24: the 80x24 screen (stacked lists) of the one run
# RUN1 whose plan waits for approval, as tui-flow.sh and tui-layouts.sh see it.
tui_plan_waiting_80x24() {
	cat <<'EOS'
 devflow  1 run · 1 waiting                                               ? help
┌ Runs ────────────────────────────────────────────────────────────────── 1/1 ─┐
│▶ RUN1xxxx repo main development awaiting_approval plan                   ⚑AGE│
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
├ Phases · RUN1xxxx ───────────────────────────────────────────────────── 1/1 ─┤
│ 1 plan      Plan the work awaiting_approval planner → planner/fake           │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
├ Waiting for you ─────────────────────────────────────────────────────── 1/1 ─┤
│⚑ RUN1xxxx plan_review   plan.json valid                                   AGE│
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
│                                                                              │
└──────────────────────────────────────────────────────────────────────────────┘
 a approve  c changes  x reject  ⏎ attach  t terminal  ? help  q detach
EOS
}

# tui_run SIZE SCRIPT-FILE: the TUI, headless, at SIZE (COLSxROWS).
# TUI_WRAP runs it under a tool, e.g. TUI_WRAP="valgrind --error-exitcode=9".
tui_run() {
	DEVFLOW_TUI_SIZE="$1" DEVFLOW_TUI_SCRIPT="$2" ${TUI_WRAP:-} "$DEVFLOW"
}

# tui_norm FILE [RUN-ID...]: the screen with what changes between runs
# replaced by placeholders of the same width (ids, times, hashes, ages, user).
tui_norm() {
	f=$1
	shift
	script=""
	n=1
	for id in "$@"; do
		short=$(printf %s "$id" | cut -c1-8)
		script="$script;s/$id/RUN${n}xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx/g;s/$short/RUN${n}xxxx/g"
		n=$((n + 1))
	done
	sed -E "${script#;}" "$f" | sed -E -e "s|$T_TMP|@TMP@|g" \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z/YYYY-MM-DDTHH:MM:SS.mmmZ/g' \
		-e 's/[0-9]{2}:[0-9]{2}:[0-9]{2}/HH:MM:SS/g' \
		-e 's/Done in [0-9]\.[0-9]s/Done in #.#s/g' \
		-e "s/ by $(id -un) / by USER /g" | tui_ages
}

# Ages ("4s", "12m", "2h14m") right-aligned before a frame or the line's
# end become "AGE", keeping the width so the columns stay where they are.
tui_ages() {
	LC_ALL=C awk '{
		# Hex digests (40 hex digits or more, maybe cut by a frame): one mark each.
		while (match($0, /[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]+/)) {
			h = ""
			for (i = 0; i < RLENGTH; i++)
				h = h "#"
			$0 = substr($0, 1, RSTART - 1) h substr($0, RSTART + RLENGTH)
		}
		out = ""
		while (match($0, / +[0-9]+[smhd]([0-9][0-9]m)?(│|$)/)) {
			m = substr($0, RSTART, RLENGTH)
			bar = (substr(m, length(m) - 2) == "│") ? "│" : ""
			w = length(m) - (bar == "" ? 0 : 3)
			pad = ""
			for (i = 0; i < w - 3; i++)
				pad = pad " "
			out = out substr($0, 1, RSTART - 1) pad "AGE" bar
			$0 = substr($0, RSTART + RLENGTH)
		}
		print out $0
	}'
}

# tui_is FILE EXPECTED DESCRIPTION [RUN-ID...]: compare a normalised screen.
tui_is() {
	got=$(tui_norm "$1" ${4:-} ${5:-})
	# TUI_RECORD=DIR keeps each screen (to write or review expected screens).
	if [ -n "${TUI_RECORD:-}" ]; then
		printf '%s\n' "$got" >"$TUI_RECORD/$(basename "$0" .sh).$((_t_n + 1))"
		cp "$1" "$TUI_RECORD/$(basename "$0" .sh).$((_t_n + 1)).raw"
	fi
	if [ "$got" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '%s\n' "$got" >"$1.got"
		printf '%s\n' "$2" >"$1.want"
		diff -u "$1.want" "$1.got" | sed 's/^/# /'
	fi
}
