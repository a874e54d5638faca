# Helpers of tests/agents/e2e.sh (sourced after tests/lib.sh and
# tests/integration/server-lib.sh): the scripted model endpoint, the agent
# CLIs' private configuration, and one backend's run through the
# development template.
AG=$top_srcdir/tests/agents
MS_LOG=$T_TMP/requests.jsonl
MS_SCENARIO=$T_TMP/scenario.json
MS_PID=
E2E_RESULTS=
# E2E_KEEP=1 keeps the scratch directory (requests.jsonl, the workspace) to look at.
trap 'stop_server; [ -n "$MS_PID" ] && kill "$MS_PID" 2>/dev/null
	if [ -n "${E2E_KEEP:-}" ]; then echo "# kept $T_TMP"; else rm -rf "$T_TMP"; fi' EXIT
# A signal ends the test through its EXIT trap too: the servers and CLIs go.
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for SECONDS COMMAND...: poll COMMAND every 0.2 s for SECONDS of wall
# time (server-lib's wait_until counts polls, and these commands take a while).
wait_for() {
	_end=$(($(date +%s) + $1)); shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.2
	done
}

# requests ARGS...: tests/agents/requests.js over the request log.
requests() { node "$AG/requests.js" "$MS_LOG" "$@"; }

# ms_start: the model endpoint on a free port of 127.0.0.1 (sets MS_PORT).
ms_start() {
	echo '{}' >"$MS_SCENARIO"
	node "$AG/model-server.js" --log "$MS_LOG" --scenario "$MS_SCENARIO" \
		>"$T_TMP/ms.out" 2>"$T_TMP/ms.err" &
	MS_PID=$!
	wait_until 10 grep -q '^port ' "$T_TMP/ms.out" || return 1
	MS_PORT=$(sed -n 's/^port //p' "$T_TMP/ms.out")
}

# scenario JSON: what the model does from now on (model-server.js).
scenario() { printf '%s\n' "$1" >"$MS_SCENARIO.tmp" && mv "$MS_SCENARIO.tmp" "$MS_SCENARIO"; }

# tested_version BACKEND: its testedVersion in data/backends.
tested_version() {
	sed -n 's/^ *"testedVersion": *"\([^"]*\)".*/\1/p' "$top_srcdir/data/backends/$1.json"
}

# e2e_env: the CLIs on PATH, pointed at the endpoint with dummy keys, CI set
# (as CI machines have it), and the first-run answers a person gives once
# (onboarding, the key, the auth method, the model provider) in the private
# HOME. Folder trust and hooks are devflow's own (the backends' configFiles
# and hooks).
e2e_env() {
	for b in claude codex gemini; do
		PATH=$AGENTS_CACHE/$b-$(tested_version "$b")/node_modules/.bin:$PATH
	done
	export PATH
	base=http://127.0.0.1:$MS_PORT
	key=dummy-key-for-devflow-tests-0123456789
	export ANTHROPIC_BASE_URL=$base ANTHROPIC_API_KEY=$key
	export OPENAI_API_KEY=$key OPENAI_API_BASE=$base/v1 OPENAI_BASE_URL=$base/v1
	export GOOGLE_GEMINI_BASE_URL=$base GEMINI_API_KEY=$key
	# As on a CI machine, whatever this one is: the server's environment says
	# CI, which turns some CLIs headless (Gemini CLI exits 42 for want of a
	# prompt): a backend must keep such variables from its agent (env null).
	export CI=true GITHUB_ACTIONS=true
	# Claude Code asks once whether to use a key from the environment: the
	# answer is kept as the key's last 20 characters.
	cat >"$HOME/.claude.json" <<-EOF
	{"hasCompletedOnboarding": true,
	 "customApiKeyResponses": {"approved": ["$(printf %s "$key" | tail -c 20)"], "rejected": []}}
	EOF
	mkdir -p "$HOME/.codex" "$HOME/.gemini"
	cat >"$HOME/.codex/config.toml" <<-EOF
	model = "gpt-5-codex"
	model_provider = "devflowtest"
	[model_providers.devflowtest]
	name = "devflow test model"
	base_url = "$base/v1"
	env_key = "OPENAI_API_KEY"
	wire_api = "responses"
	EOF
	cat >"$HOME/.gemini/settings.json" <<-EOF
	{"security": {"auth": {"selectedType": "gemini-api-key"}},
	 "general": {"enableAutoUpdate": false, "enableAutoUpdateNotification": false},
	 "privacy": {"usageStatisticsEnabled": false}}
	EOF
}

# phase_seen PHASE TEXT: the model got a request of the phase holding TEXT.
phase_seen() {
	[ "$(requests --protocol "$PROTO" --has "devflow phase: $1" --has "$2")" -gt 0 ]
}

# events RUN TYPE: the payloads of the run's events of TYPE, one a line
# (`devflow --json logs` prints one event a line).
events() {
	"$DEVFLOW" --json logs "$1" 2>/dev/null | node -e '
		const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
		for (const e of lines.map((l) => JSON.parse(l)))
			if (e.type === process.argv[1]) console.log(JSON.stringify(e.payload));
	' "$2"
}

# phase_session RUN PHASE_KEY: the id of the newest session of a phase.
phase_session() {
	"$DEVFLOW" --json status "$1" | node -e '
		const j = JSON.parse(require("fs").readFileSync(0, "utf8")).result;
		const ph = j.phases.filter((p) => p.phaseKey === process.argv[1]).map((p) => p.id);
		const s = j.sessions.filter((s) => ph.includes(s.phaseId));
		if (s.length) console.log(s[s.length - 1].id);
	' "$2"
}

# hook_then_screen RUN: the sessions that reported from the screen after a hook.
hook_then_screen() {
	"$DEVFLOW" --json logs "$1" 2>/dev/null | node -e '
		const lines = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
		const hooked = new Set(), bad = new Set();
		for (const e of lines.map((l) => JSON.parse(l))) {
			const p = e.payload || {};
			if (p.source === "hook") hooked.add(p.sessionId);
			if (p.source === "screen" && hooked.has(p.sessionId)) bad.add(e.type + "@" + e.seq);
		}
		console.log([...bad].join(" "));
	'
}

# hook_kinds RUN: how many of each hook the server heard from the run's
# sessions ("busy 3, idle 2").
hook_kinds() {
	"$DEVFLOW" --json sessions "$1" | node -e '
		const s = JSON.parse(require("fs").readFileSync(0, "utf8")).result.sessions.map((x) => x.id);
		const n = {};
		for (const l of require("fs").readFileSync(process.argv[1], "utf8").split("\n")) {
			const m = l.match(/hook ([a-z-]+) for session ([0-9a-f-]+)/);
			if (m && s.includes(m[2])) n[m[1]] = (n[m[1]] || 0) + 1;
		}
		console.log(Object.keys(n).sort().map((k) => k + " " + n[k]).join(", ") || "none");
	' "$DEVFLOW_WORKSPACE/server.log"
}

# phase_state_is RUN PHASE_KEY STATE: the newest phase of that key is in STATE.
phase_state_is() {
	[ "$("$DEVFLOW" --json status "$1" | node -e '
		const j = JSON.parse(require("fs").readFileSync(0, "utf8")).result;
		const ph = j.phases.filter((p) => p.phaseKey === process.argv[1]);
		console.log(ph.length ? ph[ph.length - 1].state : "");
	' "$2")" = "$3" ]
}

result() { E2E_RESULTS="$E2E_RESULTS# $B: $*
"; }

# e2e_backend NAME: the development template with NAME as every role.
e2e_backend() {
	B=$1
	case $B in
	claude) PROTO=anthropic ;;
	codex) PROTO=responses ;;
	gemini) PROTO=gemini ;;
	aider) PROTO=chat ;;
	esac
	if ! command -v "$B" >/dev/null 2>&1; then
		ok 0 "# SKIP $B: '$B' is not installed (not on PATH)"
		result "skipped (not installed)"
		return 0
	fi
	echo "# --- $B ($("$B" --version 2>&1 | head -1))"
	t0=$(date +%s)
	repo=$T_TMP/repo-$B
	make_repo "$repo"
	comment="Say bonjour too, $B"
	scenario '{"plan#1": "ok", "plan#2": "echo-comment", "implement#1": "invalid-then-slow",
		"implement": "ok", "review": "permission", "slowSeconds": 600}'
	printf '# Add a greeting\n\nWrite GREETING.md with a greeting.\n' >"$T_TMP/req-$B.md"
	dj start --repo "$repo" --requirements "$T_TMP/req-$B.md" --backend "planner=$B" \
		--backend "implementer=$B" --backend "reviewer=$B"
	ok $? "$B: a run with $B as planner, implementer and reviewer starts"
	run=$(jv result.runId)
	phases=0

	# The plan, to its gate.
	wait_for 120 state_is "$run" awaiting_approval
	ok $? "$B: the plan reaches its gate"
	wt=$(dj status "$run" && jv result.run.worktreeRoot)
	"$DEVFLOW" validate "$wt/plan.json" --schema dev/phase-plan@1 >/dev/null 2>&1
	st=$?
	ok $st "$B: the plan the CLI wrote is a valid dev/phase-plan@1"
	[ $st -eq 0 ] && phases=1
	before=$(requests --protocol "$PROTO" --has "$comment" --count)
	is "$before" 0 "$B: no request held the comment before the change request"

	# A change request: its comment in the model's next request.
	last=$(requests --last-n)
	dj changes "$run" --comment "$comment"
	ok $? "$B: request changes on the plan with a comment"
	wait_for 120 sh -c "[ \$(node '$AG/requests.js' '$MS_LOG' --protocol $PROTO --after $last --has 'Reviewer comment:' --has '$comment') -gt 0 ]"
	st=$?
	ok $st "$B: the comment reached the model's next request body"
	round=no
	[ $st -eq 0 ] && round=yes
	wait_for 120 state_is "$run" awaiting_approval
	ok $? "$B: the plan is at its gate again"
	like "$(cat "$wt/plan.json" 2>/dev/null)" "Reviewer said: $comment" \
		"$B: the new plan quotes the comment (the model's answer reached the file)"

	# Implement: an invalid artifact, then the server dies during the repair.
	dj approve "$run"
	ok $? "$B: approve the plan"
	wait_for 120 phase_seen implement "Validation errors:"
	ok $? "$B: the implementer wrote an invalid artifact and got the repair prompt"
	isess=$(phase_session "$run" implement)
	# The conversation id arrives by hook (Claude Code at once, Codex at the
	# end of a turn, Gemini CLI's hooks): give it a moment.
	wait_for 10 sh -c "[ -n \"\$('$DEVFLOW' --json sessions '$run' | tr -d ' \\t\\n' | grep -o '\"conversationId\":\"[^\"]*\"' | tail -1)\" ]"
	conv=$(dj sessions "$run" && "$DEVFLOW" --json sessions "$run" |
		node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")).result.sessions; const x = s[s.length - 1]; console.log(x.conversationId || "")')
	echo "# the implement session of $B: $isess, conversation '${conv}'"
	pid=$(server_pid)
	kill -9 "$pid"
	wait_until 10 dead "$pid"
	ok $? "$B: the server was killed (SIGKILL) mid-phase"
	last=$(requests --last-n)
	"$DEVFLOW" ls >/dev/null 2>&1
	ok $? "$B: the next client starts a new server"
	wait_for 180 phase_state_is "$run" implement completed
	ok $? "$B: the restarted implement phase completed"
	started=$(events "$run" phase.started | grep process_restart)
	like "$started" '"cause":"process_restart"' "$B: implement restarted for the dead server"
	failed=$(events "$run" session.resume_failed)
	resumed=$(requests --protocol "$PROTO" --after "$last" --has "devflow phase: implement" \
		--has "Attempt: 2" --has "Attempt: 1" --has "Validation errors:")
	if grep -q '"resume"' "$top_srcdir/data/backends/$B.json"; then
		# The backend can resume: it must, with the conversation its hook told.
		like "$started" "\"resumedConversation\":\"$conv\"" \
			"$B: the restarted phase resumed the conversation the CLI's hook reported"
		is "$failed" "" "$B: ... and the CLI took it (no session.resume_failed)"
		ok $([ "$resumed" -gt 0 ]; echo $?) \
			"$B: the resumed CLI's request carries the earlier turns (attempt 1 and its repair prompt)"
		resume="resumed its conversation ($conv)"
		[ -n "$failed" ] && resume="resume failed, started over (session.resume_failed $failed)"
		[ "$resumed" -gt 0 ] || resume="$resume, but the earlier turns were not in its request"
	else
		fresh=$(requests --protocol "$PROTO" --after "$last" --has "devflow phase: implement" \
			--has "Attempt: 2" --not "Attempt: 1")
		ok $([ "$fresh" -gt 0 ]; echo $?) "$B: the backend has no resume: the phase started over (a fresh conversation)"
		resume="started over (the backend has no resume)"
	fi
	out=$("$DEVFLOW" validate "$wt/change-summary.json" --schema dev/change-summary@1 2>&1)
	st=$?
	ok $st "$B: the change summary is a valid dev/change-summary@1"
	[ $st -eq 0 ] && phases=$((phases + 1))
	[ $st -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
	ok $([ -s "$wt/GREETING.md" ]; echo $?) "$B: the implementer's code change is in the worktree"

	# Review: first a shell command the CLI asks a person about, reported by
	# the CLI's needs-input hook where the backend has one, else by the screen.
	wait_for 120 sh -c "'$DEVFLOW' logs '$run' | grep session.needs_input | grep -q reviewer"
	ok $? "$B: the reviewer's shell command is a question for a person (session.needs_input)"
	# A hook may tell before the dialog is drawn: its answers come with the
	# question asked again once the screen shows it.
	wait_for 30 sh -c "'$DEVFLOW' --json logs '$run' | grep session.needs_input | grep reviewer | grep -q choices"
	q=$(events "$run" session.needs_input | grep reviewer | tail -1)
	src=screen
	grep -q 'hook needs-input' "$top_srcdir/data/backends/$B.json" && src=hook
	like "$q" "\"source\":\"$src\"" "$B: ... reported by the $src"
	echo "# $B asked: $(printf '%s' "$q" | sed -n 's/.*"question":"\([^"]*\)".*/\1/p' | cut -c1-160)"
	like "$q" '"choices":\[\{"key":"1","label":"(Yes|Once)"' \
		"$B: ... with the answers its backend declares (the queue offers them)"
	rsess=$(phase_session "$run" review)
	out=$("$DEVFLOW" answer "$rsess" 1 2>&1)
	st=$?
	ok $st "$B: answered 1 from the queue (devflow answer, as the TUI's queue does)"
	[ $st -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
	like "$(events "$run" session.answered | tail -1)" '"choice":"1"' \
		"$B: ... recorded as session.answered with the choice"
	wait_for 60 test -e "$wt/permission-granted.txt"
	st=$?
	ok $st "$B: the CLI ran the command once allowed"
	perm=no
	[ $st -eq 0 ] && perm="yes (asked by $src, answered 1 from the queue)"

	# Review, approved: the run completes with a valid report.
	wait_for 120 state_is "$run" awaiting_approval
	ok $? "$B: the review reaches its gate"
	"$DEVFLOW" validate "$wt/review.json" --schema dev/review-findings@1 >/dev/null 2>&1
	st=$?
	ok $st "$B: the review is a valid dev/review-findings@1"
	[ $st -eq 0 ] && phases=$((phases + 1))
	dj approve "$run" --comment "ship it"
	ok $? "$B: approve the review"
	wait_for 30 state_is "$run" completed
	ok $? "$B: the run completed"
	dj report "$run"
	rpt=$(jv result.jsonPath)
	"$DEVFLOW" validate "$rpt" --schema common/final-report@1 >/dev/null 2>&1
	ok $? "$B: its JSON report is a valid common/final-report@1"

	# Once a CLI's hook has spoken, every idle and needs-input the engine
	# heard came from a hook (a session's first idle, before its first
	# prompt, is the screen's: that is when the prompt is pasted).
	events "$run" session.idle >"$T_TMP/states"
	events "$run" session.needs_input >>"$T_TMP/states"
	hooked=$(grep -c '"source":"hook"' "$T_TMP/states")
	late=$(hook_then_screen "$run")
	ok $([ "$hooked" -gt 0 ] && [ -z "$late" ]; echo $?) \
		"$B: idle and needs-input came from the CLI's hooks ($hooked by hook; by screen after a hook: ${late:-none})"
	result "phases completed $phases/3; comment round trip $round; permission $perm; resume: $resume; hooks heard: $(hook_kinds "$run"); events from a hook $hooked, from the screen after a hook: ${late:-none}; $(($(date +%s) - t0)) s"
}

# e2e_crash NAME: the CLI killed (SIGKILL) while it waits for its model:
# the session's exit fails the phase and the run, with a report.
e2e_crash() {
	B=$1
	command -v "$B" >/dev/null 2>&1 || return 0
	repo=$T_TMP/repo-crash-$B
	make_repo "$repo"
	scenario '{"plan": "crash"}'
	kills=$(grep -c '"crash":[1-9]' "$MS_LOG")
	dj start --repo "$repo" --requirements "$T_TMP/req-$B.md" --backend "planner=$B" \
		--backend "implementer=$B" --backend "reviewer=$B"
	ok $? "$B: a run whose planner CLI will be killed starts"
	run=$(jv result.runId)
	wait_for 120 state_is "$run" failed
	st=$?
	# Killed by the endpoint while it asked its model, not gone on its own.
	[ "$(grep -c '"crash":[1-9]' "$MS_LOG")" -gt "$kills" ] || st=1
	ok $st "$B: the CLI was killed mid-turn and the run failed"
	ex=$(events "$run" session.exited | tail -1)
	like "$ex" '"status":[1-9]' "$B: session.exited with the CLI's status ($ex)"
	like "$(events "$run" phase.failed)" '"phaseKey":"plan"' "$B: the plan phase failed"
	dj report "$run"
	is "$(jv result.report.status)" failed "$B: its report says failed"
	crash=no
	[ $st -eq 0 ] && crash="yes (the run failed, $(printf '%s' "$ex" | sed -n 's/.*"status":\([0-9]*\).*/status \1/p'))"
	E2E_RESULTS="$E2E_RESULTS# $B: crash: $crash
"
}

e2e_summary() {
	printf '%s' "$E2E_RESULTS"
}
