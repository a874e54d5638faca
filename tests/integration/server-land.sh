#!/bin/sh
# Landing a run's work: the per-phase commits on the run's branch, then
# devflow land (fast-forward, merge commit, squash), its refusals (a
# conflicting base, a dirty checkout, a missing base), idempotence (twice,
# and after a crash between the merge and its event), and --push.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

G="git -c user.name=t -c user.email=t@t"

# ---- per-phase commits ------------------------------------------------------
make_repo "$T_TMP/repo"
run=$(finish_run "$T_TMP/repo")
ok $? "a run completes ($run)"
br="devflow/$run/main"
log=$(git -C "$T_TMP/repo" log --format=%s "main..$br")
like "$log" "run $run, phase implement, attempt 1" "the implement phase's work is a commit of its own"
is "$(git -C "$T_TMP/repo" log --format=%s "main..$br" | wc -l)" 1 \
	"one commit: the plan and the review changed nothing but their artifacts"
is "$(git -C "$T_TMP/repo" show --name-only --format= "$br")" NOTES.md \
	"the commit holds the agent's change, not devflow's artifact files"
like "$(git -C "$T_TMP/repo" log -1 --format=%B "$br")" "Devflow-Step: " "... with its step trailer"
dj status "$run"
wt=$(jv result.run.worktreeRoot)
is "$(git -C "$wt" status --porcelain -- NOTES.md)" "" "the worktree has nothing of the agent's left uncommitted"
dj logs "$run"
like "$(cat "$T_TMP/out.json")" '"phase.committed"' "phase.committed is an event"
like "$(cat "$T_TMP/out.json")" "\"commit\":\"$(git -C "$T_TMP/repo" rev-parse "$br")\"" \
	"... with the commit id"
is "$(git -C "$T_TMP/repo" status --porcelain)" "" "the user's checkout is untouched"
is "$(git -C "$T_TMP/repo" rev-list --count main)" 1 "... and so is its branch"


# ---- land: fast-forward, into the checked-out base --------------------------
tip=$(git -C "$T_TMP/repo" rev-parse "$br")
dj land "$run"
ok $? "land a completed run"
is "$(jv result.how)" fast-forward "the base had not moved: a fast-forward"
is "$(git -C "$T_TMP/repo" rev-parse main)" "$tip" "main is the run's branch tip"
is "$(git -C "$T_TMP/repo" status --porcelain)" "" "the checkout of main follows its branch (clean)"
ok $([ -f "$T_TMP/repo/NOTES.md" ]; echo $?) "... with the run's file in it"
is "$(jv result.checkout)" "$T_TMP/repo/" "the reply names the checkout it updated"
out=$("$DEVFLOW" land "$run")
is $? 0 "landing again succeeds"
like "$out" "already landed" "... and says it is already landed"
is "$(git -C "$T_TMP/repo" rev-parse main)" "$tip" "... merging nothing"
dj logs "$run"
is "$(grep -o '"run.landed"' "$T_TMP/out.json" | wc -l)" 1 "one run.landed event"
like "$(cat "$T_TMP/out.json")" "\"actor\":\"$(id -un)\"" "... with the actor"

# ---- a merge commit when the base moved ------------------------------------
run2=$(finish_run "$T_TMP/repo")
echo other >"$T_TMP/repo/OTHER"
$G -C "$T_TMP/repo" add OTHER && $G -C "$T_TMP/repo" commit -qm "other work"
dj land "$run2"
ok $? "land after the base moved"
is "$(jv result.how)" merge "... is a merge commit"
is "$(git -C "$T_TMP/repo" rev-parse main^2)" "$(git -C "$T_TMP/repo" rev-parse "devflow/$run2/main")" \
	"its second parent is the run's branch"
like "$(git -C "$T_TMP/repo" log -1 --format=%B main)" "^Add a greeting" "its message is the run's summary"
is "$(git -C "$T_TMP/repo" status --porcelain)" "" "the checkout follows"

# ---- squash -----------------------------------------------------------------
run3=$(finish_run "$T_TMP/repo")
dj land "$run3" --squash
ok $? "land --squash"
is "$(jv result.how)" squash "... squashes"
is "$(git -C "$T_TMP/repo" rev-list --parents -1 main | wc -w)" 2 "one parent: a squash commit"
like "$(git -C "$T_TMP/repo" log -1 --format=%B main)" "Devflow-Run: $run3" "... naming the run"
is "$(tail -1 "$T_TMP/repo/NOTES.md")" "$(tail -1 "$(dj status "$run3" && jv result.run.worktreeRoot)/NOTES.md")" \
	"... with the run's change"

# ---- refusals ---------------------------------------------------------------
run4=$(finish_run "$T_TMP/repo")
main_before=$(git -C "$T_TMP/repo" rev-parse main)
"$DEVFLOW" land "$run4" --ff-only >/dev/null 2>&1
is $? 0 "--ff-only lands when the base has not moved"
run5=$(finish_run "$T_TMP/repo")
echo "conflicting line" >>"$T_TMP/repo/NOTES.md"
$G -C "$T_TMP/repo" commit -qam "edit the notes on main"
main_before=$(git -C "$T_TMP/repo" rev-parse main)
err=$("$DEVFLOW" land "$run5" 2>&1)
is $? 3 "a conflicting base is refused (exit 3: a person must act)"
like "$err" "conflicts with the run's changes in NOTES.md" "... naming the conflicting file"
like "$err" "rebase" "... and saying what to do"
is "$(git -C "$T_TMP/repo" rev-parse main)" "$main_before" "main did not move"
is "$(git -C "$T_TMP/repo" status --porcelain)" "" "the checkout is untouched"
"$DEVFLOW" land "$run5" --ff-only >/dev/null 2>&1
is $? 3 "--ff-only refuses a moved base"
dj logs "$run5"
is "$(grep -c '"run.landed"' "$T_TMP/out.json")" 0 "a refused landing is no event"

$G -C "$T_TMP/repo" reset -q --hard HEAD~1
run6=$(finish_run "$T_TMP/repo")
echo "my local edit" >>"$T_TMP/repo/NOTES.md"
main_before=$(git -C "$T_TMP/repo" rev-parse main)
err=$("$DEVFLOW" land "$run6" 2>&1)
is $? 3 "a checkout dirty in the files the landing changes is refused"
like "$err" "local changes to files the landing changes: NOTES.md" "... naming them"
like "$err" "stash" "... and saying what to do"
is "$(git -C "$T_TMP/repo" rev-parse main)" "$main_before" "main did not move"
is "$(tail -1 "$T_TMP/repo/NOTES.md")" "my local edit" "the local edit is kept"
$G -C "$T_TMP/repo" checkout -q NOTES.md
echo untouched >"$T_TMP/repo/SCRATCH"
dj land "$run6"
ok $? "dirty elsewhere (an untracked file the landing does not touch) lands"
is "$(cat "$T_TMP/repo/SCRATCH")" untouched "... keeping that file"
rm "$T_TMP/repo/SCRATCH"

# ---- a crash between the merge and its event --------------------------------
run7=$(finish_run "$T_TMP/repo")
# The state a kill -9 after the merge leaves: the base moved, no event yet.
git -C "$T_TMP/repo" merge -q --ff-only "devflow/$run7/main"
tip=$(git -C "$T_TMP/repo" rev-parse main)
dj land "$run7"
ok $? "landing after the merge but before its event"
is "$(jv result.already)" true "... finds the work already on the base"
is "$(git -C "$T_TMP/repo" rev-parse main)" "$tip" "... and merges nothing"
dj logs "$run7"
is "$(grep -o '"run.landed"' "$T_TMP/out.json" | wc -l)" 1 "... but records the landing"

# ---- a real kill -9 between the merge and its event -------------------------
run9=$(finish_run "$T_TMP/repo")
stop_server
# The server started for this land dies right after the merge (the test fault).
DEVFLOW_TEST_FAULT=land-merged "$DEVFLOW" land "$run9" >/dev/null 2>"$T_TMP/err"
ok $([ $? -ne 0 ]; echo $?) "a server killed right after the merge: the land gets no answer"
like "$(cat "$T_TMP/err")" "server" "... and says the server went away"
tip=$(git -C "$T_TMP/repo" rev-parse main)
is "$(git -C "$T_TMP/repo" rev-parse main)" "$(git -C "$T_TMP/repo" rev-parse "devflow/$run9/main")" \
	"... the merge was made (the base is the run's branch)"
dj logs "$run9"
is "$(grep -c '"run.landed"' "$T_TMP/out.json")" 0 "... and no event recorded it"
dj land "$run9"
ok $? "landing again, on the next server"
is "$(jv result.already)" true "... finds it already landed"
is "$(git -C "$T_TMP/repo" rev-parse main)" "$tip" "... merges nothing more (landing twice merged once)"
dj logs "$run9"
is "$(grep -o '"run.landed"' "$T_TMP/out.json" | wc -l)" 1 "... and records the landing once"
dj land "$run9"
dj logs "$run9"
is "$(grep -o '"run.landed"' "$T_TMP/out.json" | wc -l)" 1 "a third land records nothing more"

# ---- a missing base ---------------------------------------------------------
$G -C "$T_TMP/repo" branch feature
run8=$(finish_run "$T_TMP/repo" --base feature)
$G -C "$T_TMP/repo" branch -q -D feature
err=$("$DEVFLOW" land "$run8" 2>&1)
is $? 3 "a missing base is refused"
like "$err" "the base branch 'feature' is not a local branch" "... saying so"
like "$err" "--push" "... and what to do"

# ---- work left uncommitted in the run's worktree ----------------------------
run11=$(finish_run "$T_TMP/repo")
wt11=$(dj status "$run11" && jv result.run.worktreeRoot)
echo "by hand" >"$wt11/HANDMADE"
main_before=$(git -C "$T_TMP/repo" rev-parse main)
err=$("$DEVFLOW" land "$run11" 2>&1)
is $? 3 "a worktree with changes not committed on the run's branch is refused"
like "$err" "has 1 change not committed on its branch: HANDMADE" "... naming them (not the artifacts)"
like "$err" "commit them on the run's branch" "... and saying what to do"
is "$(git -C "$T_TMP/repo" rev-parse main)" "$main_before" "main did not move"
$G -C "$wt11" add HANDMADE && $G -C "$wt11" commit -qm "by hand"
dj land "$run11"
ok $? "once committed, the run lands"
is "$(cat "$T_TMP/repo/HANDMADE")" "by hand" "... with that work"

# ---- a base checked out elsewhere, or nowhere -------------------------------
$G -C "$T_TMP/repo" branch side
$G -C "$T_TMP/repo" worktree add -q "$T_TMP/side-wt" side
run9=$(finish_run "$T_TMP/repo" --base side)
main_tip=$(git -C "$T_TMP/repo" rev-parse main)
dj land "$run9"
ok $? "land on a base checked out in a linked worktree"
is "$(jv result.checkout)" "$T_TMP/side-wt/" "... updates that worktree"
is "$(git -C "$T_TMP/side-wt" rev-parse HEAD)" "$(git -C "$T_TMP/repo" rev-parse "devflow/$run9/main")" \
	"... whose HEAD is the run's tip"
is "$(git -C "$T_TMP/side-wt" status --porcelain)" "" "... and which is clean"
is "$(git -C "$T_TMP/repo" rev-parse main)" "$main_tip" "main, checked out in the main worktree, did not move"
is "$(git -C "$T_TMP/repo" status --porcelain)" "" "... nor did its checkout change"
$G -C "$T_TMP/repo" branch nowhere
run10=$(finish_run "$T_TMP/repo" --base nowhere)
dj land "$run10"
ok $? "land on a base checked out nowhere"
is "$(jv result.checkout)" null "... updates no checkout"
is "$(git -C "$T_TMP/repo" rev-parse nowhere)" "$(git -C "$T_TMP/repo" rev-parse "devflow/$run10/main")" \
	"... and moves the branch"
is "$(git -C "$T_TMP/repo" status --porcelain)" "" "the main checkout is untouched"

# ---- push and pull requests -------------------------------------------------
git init -q --bare "$T_TMP/remote.git"
dj land "$run8" --push "$T_TMP/remote.git"
ok $? "land --push to a bare repository"
is "$(git -C "$T_TMP/remote.git" rev-parse "devflow/$run8/main")" \
	"$(git -C "$T_TMP/repo" rev-parse "devflow/$run8/main")" "the remote has the run's branch"
"$DEVFLOW" land "$run8" --squash --push x >/dev/null 2>&1
is $? 2 "a mode with --push is a usage error"

# Bad arguments a hand-written client may send: refused, naming what, and nothing lands.
raw() { timeout 20 "$RAWFRAME" "$SOCK" raw "$1"; }
like "$(raw '{"id":2,"op":"land","args":{"run":"'"$run8"'","mode":"rebase"}}')" \
	"^reply: invalid_argument: land.mode: unknown mode 'rebase'" "land.mode rebase: refused, naming it"
like "$(raw '{"id":2,"op":"land","args":{"run":"'"$run8"'","mode":"squash","push":"x"}}')" \
	"^reply: invalid_argument: land: a mode \\(squash\\) merges" "a mode with push: refused"
like "$(raw '{"id":2,"op":"land","args":{"run":"'"$run8"'","pr":"yes"}}')" \
	"^reply: invalid_argument: land.pr" "land.pr not a boolean: refused"
like "$(raw '{"id":2,"op":"clean","args":{"run":"'"$run8"'","finished":true}}')" \
	"^reply: invalid_argument: clean: name a run or ask for finished" "clean with both a run and finished: refused"
"$DEVFLOW" land "$run8" --merge --squash >/dev/null 2>&1
is $? 2 "two modes are a usage error"

stop_server
mkdir "$T_TMP/nogh"
err=$(PATH="$T_TMP/nogh" "$DEVFLOW" land "$run8" --push "$T_TMP/remote.git" --pr 2>&1)
is $? 3 "--pr without gh fails"
like "$err" "the GitHub CLI \(gh\) is not installed" "... saying gh is missing"
stop_server
mkdir "$T_TMP/fakegh"
cat >"$T_TMP/fakegh/gh" <<EOS
#!/bin/sh
printf '%s\n' "\$*" >"$T_TMP/gh.args"
cat >"$T_TMP/gh.body"
echo "https://example.com/pr/1"
EOS
chmod +x "$T_TMP/fakegh/gh"
out=$(PATH="$T_TMP/fakegh:$PATH" "$DEVFLOW" land "$run8" --push "$T_TMP/remote.git" --pr 2>&1)
ok $? "--pr with gh"
like "$out" "pull request: https://example.com/pr/1" "... prints the pull request's address"
like "$(cat "$T_TMP/gh.args")" "^pr create --head devflow/$run8/main --base feature --title Add a greeting --body-file -" \
	"gh gets the branch, the base and the title"
like "$(cat "$T_TMP/gh.body")" "^# devflow run $run8" "... and the Markdown report as its body"

done_testing
