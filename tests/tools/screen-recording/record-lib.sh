# helpers for recording agent screens
export PATH=/tmp/agents/node_modules/.bin:$PATH
T0="tmux -f /dev/null"
# start NAME W H HOME DIR CMD...
start() {
	local name=$1 w=$2 h=$3 home=$4 dir=$5; shift 5
	t "$name" kill-server 2>/dev/null; sleep 0.3
	t "$name" new -d -s "$name" -x "$w" -y "$h" -c "$dir" \
		env -u TMUX HOME="$home" TERM=xterm-256color PATH="$PATH" "$@"
	t "$name" set -t "$name" remain-on-exit on 2>/dev/null
}
# settle NAME [quiet_s] [max_s]: wait until screen unchanged for quiet_s
settle() {
	local name=$1 q=${2:-3} max=${3:-40} prev="" cur same=0 i=0
	while [ $i -lt $((max*2)) ]; do
		cur=$(t "$name" capture-pane -p -t "$name" 2>/dev/null)
		if [ "$cur" = "$prev" ]; then same=$((same+1)); else same=0; prev=$cur; fi
		[ $same -ge $((q*2)) ] && [ -n "$(printf %s "$cur" | tr -d " \n")" ] && return 0
		sleep 0.5; i=$((i+1))
	done
	return 1
}
cap() { t "$1" capture-pane -p -t "$1"; }
cape() { t "$1" capture-pane -p -e -t "$1"; }
keys() { local n=$1; shift; t "$n" send-keys -t "$n" "$@"; }
newrepo() { rm -rf "$1"; mkdir -p "$1"; (cd "$1" && git init -q && git -c user.email=a@b -c user.name=a commit -q --allow-empty -m init); }
t() { local n=$1; shift; $T0 -L "rec-$n" "$@"; }
