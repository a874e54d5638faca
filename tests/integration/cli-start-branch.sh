#!/bin/sh
# `devflow start` without --base starts from the branch checked out in the
# repository, read with libgit2 (lib/gitrepo.c): whatever the path's
# characters (a quote broke the old `git -C '%s'` shell command, and could
# run one), in a linked worktree (its own HEAD), and never on a detached
# HEAD (a usage error asking for --base).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/server-lib.sh"

base_of() { dj status "$1" && jv result.run.baseBranch; }

# 1. A path with quotes and shell syntax in it, on branch feature (in the
# old '%s', the $(...) between the quotes was run by the shell).
repo="$T_TMP/r'\$(touch $T_TMP/pwned)'x"
make_repo "$repo"
git -C "$repo" checkout -q -b feature
run=$(start_run "$repo")
ok $? "start in a repository whose path has quotes and \$(...)"
is "$(base_of "$run")" "feature" "... starts from its checked-out branch"
ok $([ ! -e "$T_TMP/pwned" ]; echo $?) "... and no shell ran any part of the path"
"$DEVFLOW" abort "$run" >/dev/null 2>&1

# 2. A linked worktree: its HEAD, not the main checkout's.
git -C "$repo" worktree add -q -b wt-branch "$T_TMP/linked" 2>/dev/null
run=$(start_run "$T_TMP/linked")
ok $? "start in a linked worktree"
is "$(base_of "$run")" "wt-branch" "... starts from the worktree's own branch"
"$DEVFLOW" abort "$run" >/dev/null 2>&1

# 3. A detached HEAD: no branch to start from.
git -C "$T_TMP/linked" checkout -q --detach
printf '# x\n' >"$T_TMP/req.md"
err=$("$DEVFLOW" start --repo "$T_TMP/linked" --requirements "$T_TMP/req.md" 2>&1)
is $? 2 "a detached HEAD without --base is a usage error (2)"
like "$err" "has no branch checked out: give --base BRANCH" "... asking for --base"
done_testing
