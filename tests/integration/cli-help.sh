#!/bin/sh
# Every verb's help comes from the table its options are parsed with:
# `devflow VERB --help`, `-h` and `devflow help VERB` print the same usage,
# summary and every option and argument with its help, and exit 0; the one
# parser names what is wrong with a command line (unknown, missing value,
# given twice, a flag given a value, a missing or extra argument).
. "$top_srcdir/tests/lib.sh"

out=$("$DEVFLOW" -V); rc=$?
is "$rc" 0 "-V exits 0"
is "$out" "$("$DEVFLOW" --version)" "-V prints the version, as --version"

verbs=$("$DEVFLOW" --help | sed -n '/^verbs/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p')
like "$(echo $verbs)" '^demo start ls .* help$' "devflow --help lists the verbs"
for v in $verbs; do
	out=$("$DEVFLOW" "$v" --help); rc=$?
	is "$rc" 0 "$v --help exits 0"
	like "$(printf '%s\n' "$out" | head -1)" "^usage: devflow $v( |\$)" "... and starts with its usage"
	long=$(printf '%s\n' "$out" | awk 'length($0) > 80')
	is "$long" "" "... in 80 columns"
	is "$("$DEVFLOW" "$v" -h)" "$out" "... $v -h prints the same"
	is "$("$DEVFLOW" help "$v")" "$out" "... devflow help $v prints the same"
	like "$out" '^  -h, --help  +print this help and exit$' "... and lists -h, --help"
	# Each option of the usage line is explained, with its help.
	usage=$(printf '%s\n' "$out" | sed '/^$/q' | sed "s/^usage: devflow $v//")
	missing=
	for o in $(printf '%s\n' "$usage" | grep -oE -- '(^| |\[)(--[a-z-]+|-[a-zA-Z])' | tr -d ' [' | sort -u); do
		printf '%s\n' "$out" | grep -A1 -E -- "^ +(-[a-zA-Z], )?$o( [A-Z|=_-]+)?( |$)" |
			grep -Eq '^ +(-[a-zA-Z], )?-[^ ]*( [^ ]+)?  +[a-z]|^ {20,}[a-z]' ||
			missing="$missing $o"
	done
	is "$missing" "" "... every option in its usage has a line of help"
done

# The options of a verb whose help is long enough to matter.
out=$("$DEVFLOW" start --help)
like "$(printf '%s\n' "$out" | grep -A1 -e '--persona ROLE=PERSONA$')" \
	'^ {28}the persona that plays a role \(may be repeated\)$' "start --help: a repeatable option says so"
like "$(printf '%s\n' "$out" | sed -n 2p)" '^ {21}\[--template TEMPLATE\] ' \
	"start --help: the usage wraps under its first argument"
like "$(printf '%s\n' "$out" | grep -A2 -e '--requirements FILE|-$')" '^ {28}.*\(required\)$' \
	"start --help: a required option says so (under it: too long for the column)"
like "$("$DEVFLOW" logs --help)" '^  -f, --follow +' "logs --help: a short option beside its long one"

err=$("$DEVFLOW" help nosuchverb 2>&1); rc=$?
is "$rc" 2 "help of an unknown verb is a usage error"
like "$err" "unknown verb 'nosuchverb'" "... that names it"

# One parser, one set of messages, every one naming what was wrong.
usage_err() { # usage_err DESCRIPTION ERE ARGS...: exit 2 and a message matching ERE
	d=$1 want=$2; shift 2
	err=$("$DEVFLOW" "$@" 2>&1 </dev/null); rc=$?
	is "$rc" 2 "$d: exit 2"
	like "$err" "$want" "... says so"
}
usage_err "an unknown long option" "^devflow: unknown option '--frob' \(invalid_argument\)" ls --frob
usage_err "an unknown option with a value" "unknown option '--frob'" ls --frob=1
usage_err "an unknown short option" "unknown option '-z'" capture s1 -z
usage_err "an unknown short option in a cluster" "unknown option '-z' \(in '-ez'\)" capture s1 -ez
usage_err "a value option without its value" "^devflow: --comment needs a value \(TEXT\)" \
	approve r1 --comment
usage_err "a short value option without its value" "-m needs a value \(TEXT\)" approve r1 -m
usage_err "an option given twice" "--approval given more than once" \
	approve r1 --approval a --approval b
usage_err "a short and a long spelling of one option" "--comment given more than once" \
	approve r1 -m a --comment b
usage_err "a flag given a value" "--active takes no value \(given 'yes'\)" ls --active=yes
usage_err "a required option missing" "--requirements FILE\|- is required" start
usage_err "a required argument missing" "which run\? \(RUN is missing\)" status
usage_err "an argument too many" "unexpected argument 'two'" status one two
usage_err "a malformed pair" "--persona planner: expected KEY=VALUE" \
	start --requirements - --persona planner
usage_err "a bad number" "--after 'soon': expected an event number" logs r1 --after soon
usage_err "a bad timeout" "--timeout '0': expected a number of seconds" demo --timeout 0
usage_err "a bad --max-runs" "--max-runs 'many': expected a number" server --max-runs many
err=$("$DEVFLOW" status one two 2>&1)
like "$err" '^  hint: usage: devflow status RUN \(see devflow status --help\)$' \
	"a usage error's hint is the verb's usage"

# What the parser accepts: --name=VALUE, -xVALUE, options after arguments, --.
make_ws() { DEVFLOW_WORKSPACE=$T_TMP/ws; export DEVFLOW_WORKSPACE; }
make_ws
printf '{"$schema":"devflow/backend@1"}\n' >"$T_TMP/-b.json"
out=$(cd "$T_TMP" && "$DEVFLOW" validate --schema=devflow/backend@1 -- -b.json 2>&1); rc=$?
is "$rc" 1 "-- ends the options: a file named -b.json is validated (invalid: exit 1)"
like "$out" '^-b.json: invalid$' "... and named"
"$DEVFLOW" kill-server >/dev/null 2>&1
done_testing
