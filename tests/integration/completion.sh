#!/bin/sh
# The bash completion (data/completions/bash/devflow), driven as bash drives
# it (COMP_WORDS, COMP_CWORD, the function): verbs, a verb's options, the
# global options, a backend, persona or template name after its option
# (also as ROLE=NAME, split at "=" or not), directories, run and session
# ids (from the running server; with none, nothing, and none is started).
# The zsh completion asks the same `devflow complete`.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

command -v bash >/dev/null 2>&1 || skip_all "bash is not installed"
comp() { # comp WORD...: what completes the last word, sorted, one a line
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _devflow
		printf "%s\n" "${COMPREPLY[@]}"' _ "$top_srcdir/data/completions/bash/devflow" \
		"$DEVFLOW" "$@" | sort
}
words() { echo $*; }

verbs=$("$DEVFLOW" complete verbs | sort)
is "$(comp '')" "$verbs" "no verb yet: every verb"
unlike "$verbs" '^complete$' "... but not the hidden helper"
is "$(words $(comp a))" "abort answer approve attach" "a verb's first letters"
is "$(words $(comp --w))" "--workspace" "a global option"
is "$(words $(comp --workspace "$T_TMP/ws" ca))" "capture" "a verb after a global option and its value"
is "$(words $(comp approve r1 --))" "--approval --comment --help" "a verb's options"
is "$(words $(comp logs -))" "--after --follow --help -f -h" "... short ones too"
is "$(words $(comp land r1 --r))" "--rebase" "land's --rebase (the follow-up of a landing that conflicts)"
is "$(words $(comp start --backend implementer = f))" "fake" \
	"a backend name after --backend ROLE= (split at =, as bash does)"
is "$(words $(comp start --backend implementer =))" "aider claude codex fake gemini" \
	"... right after the = (the word bash completes is the = itself)"
is "$(words $(comp start --backend implementer=cl))" "implementer=claude" \
	"... and in one word"
is "$(words $(comp start --persona planner = pl))" "planner" "a persona name after --persona ROLE="
is "$(words $(comp start --template ''))" "development rebase" "a template name after --template"
is "$(words $(comp start --template = d))" "development" "... and after --template="
mkdir "$T_TMP/repo-dir"
is "$(words $(comp start --repo "$T_TMP/repo-d"))" "$T_TMP/repo-dir" "a directory after --repo"
is "$(comp status '')" "" "no server: no run ids"
ok $([ ! -e "$DEVFLOW_WORKSPACE/server.lock" ] || [ -z "$(server_pid)" ]; echo $?) \
	"... and no server was started to find them"

make_repo "$T_TMP/repo"
run=$(start_run "$T_TMP/repo")
ok $([ -n "$run" ]; echo $?) "a run started"
wait_until 20 state_is "$run" awaiting_approval
is "$(comp status '')" "$run" "a run id for status"
is "$(comp approve "$(echo "$run" | cut -c1-4)")" "$run" "... completed from its prefix"
is "$(comp logs -f --after 3 '')" "$run" "... after options and their values"
is "$(comp status "$run" '')" "" "nothing after the one RUN"
sess=$(last_session "$run")
is "$(comp capture '')" "$sess" "a session id for capture"
is "$(comp attach --detach-key C-b '')" "$sess" "... and for attach, after an option"
is "$(words $(comp help st))" "start status" "a verb for help"
done_testing
