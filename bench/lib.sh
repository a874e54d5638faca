# Shared by the benchmark scripts: a scratch repository and fake-agent runs
# waiting at their plan gate. Needs $devflow and $DEVFLOW_WORKSPACE set.

# bench_repo DIR: DIR/repo (one commit on main) and DIR/req.md.
bench_repo() {
	git -C "$1" init -q -b main repo
	echo x >"$1/repo/x"
	git -C "$1/repo" add x
	git -C "$1/repo" -c user.name=b -c user.email=b@b commit -q -m x
	printf '# Benchmark\n' >"$1/req.md"
}

# bench_start_runs DIR N: N runs of the fake agent, one per branch b1..bN of
# DIR/repo; prints their ids.
bench_start_runs() {
	_n=1
	while [ $_n -le "$2" ]; do
		git -C "$1/repo" branch "b$_n"
		"$devflow" start --repo "$1/repo" --base "b$_n" --requirements "$1/req.md" \
			--backend planner=fake --backend implementer=fake --backend reviewer=fake |
			sed -n 's/^started run \([^ ]*\).*/\1/p'
		_n=$((_n + 1))
	done
}

# bench_wait_gates N TRIES NAME: wait (0.2 s a try) until N active runs wait
# at a gate; NAME says who gave up.
bench_wait_gates() {
	_i=0
	while [ "$("$devflow" ls --active | grep -c awaiting_approval)" -lt "$1" ]; do
		sleep 0.2
		_i=$((_i + 1))
		[ $_i -lt "$2" ] || { echo "$3: runs did not reach their gates" >&2; exit 1; }
	done
}
