#!/bin/sh
# devflow clean: the worktrees and branches of ended runs go, a branch with
# work neither landed nor pushed stays (unless --force), a running run is
# never touched, and nothing else of the user's repository is.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

wt_of() { dj status "$1" && jv result.run.worktreeRoot; }
has_branch() { git -C "$T_TMP/repo" rev-parse -q --verify "refs/heads/devflow/$1/main" >/dev/null; }

make_repo "$T_TMP/repo"
git -C "$T_TMP/repo" branch keep-me
git init -q --bare "$T_TMP/remote.git"
git -C "$T_TMP/repo" remote add origin "$T_TMP/remote.git"

landed=$(finish_run "$T_TMP/repo") && "$DEVFLOW" land "$landed" >/dev/null
ok $? "a landed run ($landed)"
unlanded=$(finish_run "$T_TMP/repo")
ok $? "an unlanded run ($unlanded)"
pushed=$(finish_run "$T_TMP/repo") && "$DEVFLOW" land "$pushed" --push origin >/dev/null
ok $? "a pushed run ($pushed)"
aborted=$(start_run "$T_TMP/repo") && wait_until 30 state_is "$aborted" awaiting_approval &&
	"$DEVFLOW" abort "$aborted" >/dev/null
ok $? "an aborted run that changed nothing ($aborted)"
make_repo "$T_TMP/repo2"
running=$(start_run "$T_TMP/repo2") && wait_until 30 state_is "$running" awaiting_approval
ok $? "a run waiting at its gate in another repository ($running)"
wt_landed=$(wt_of "$landed"); wt_unlanded=$(wt_of "$unlanded"); wt_running=$(wt_of "$running")

echo "by hand" >"$(wt_of "$pushed")/HANDMADE"
out=$("$DEVFLOW" clean "$pushed")
like "$out" "kept $pushed: its worktree has 1 change not committed: HANDMADE" \
	"a worktree with uncommitted work is kept, saying what"
rm "$(wt_of "$pushed")/HANDMADE"

err=$("$DEVFLOW" clean "$running" 2>&1)
is $? 3 "cleaning a run that has not ended is refused"
like "$err" "is awaiting_approval: only an ended run is cleaned" "... saying why"
ok $([ -d "$wt_running" ]; echo $?) "... and its worktree stays"
"$DEVFLOW" clean >/dev/null 2>&1
is $? 2 "clean without RUN or --finished is a usage error"

out=$("$DEVFLOW" clean --finished)
ok $? "clean --finished"
like "$out" "removed $landed: worktree .*, branch devflow/$landed/main" "the landed run's worktree and branch go"
like "$out" "removed $pushed:" "the pushed run's go"
like "$out" "removed $aborted:" "the aborted run's (its branch holds nothing) go"
like "$out" "kept $unlanded: devflow/$unlanded/main is neither merged into 'main' nor pushed" \
	"the unlanded run is kept, saying why"
unlike "$out" "$running" "the running run is not even listed"
ok $([ ! -d "$wt_landed" ] && ! has_branch "$landed" && ! has_branch "$pushed"; echo $?) \
	"the worktrees and branches are gone"
ok $([ -d "$wt_unlanded" ] && has_branch "$unlanded"; echo $?) "the unlanded run's stay"
ok $([ -d "$wt_running" ]; echo $?) "the running run's worktree stays"
ok $(git -C "$T_TMP/repo" rev-parse -q --verify keep-me >/dev/null; echo $?) "the user's own branch stays"
is "$(git -C "$T_TMP/repo" status --porcelain)" "" "the user's checkout is untouched"

out=$("$DEVFLOW" clean "$unlanded" --force)
like "$out" "removed $unlanded:" "--force removes the unlanded run's"
ok $([ ! -d "$wt_unlanded" ] && ! has_branch "$unlanded"; echo $?) "... both"
out=$("$DEVFLOW" clean "$landed")
like "$out" "$landed: nothing left to remove" "cleaning again removes nothing, and says so"
is "$(git -C "$T_TMP/repo" worktree list | wc -l)" 1 "only the user's own worktree is left"

done_testing
