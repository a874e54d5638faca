#!/bin/sh
# `devflow config` prints each effective value with where it came from: a
# flag, an environment variable, the configuration folder, or the default.
. "$top_srcdir/tests/lib.sh"

"$DEVFLOW" config --json >"$T_TMP/c.json"; rc=$?
is "$rc" 0 "devflow config exits 0"
json_get=$top_builddir/tests/tools/json-get
got() { "$json_get" "$T_TMP/c.json" "$1" 2>/dev/null; }
is "$(got result.workspace.value)" "$XDG_DATA_HOME/devflow" "the workspace by default ..."
is "$(got result.workspace.source)" '$XDG_DATA_HOME' "... comes from \$XDG_DATA_HOME"
is "$(got result.config-dir.source)" '$XDG_CONFIG_HOME' "the configuration folder from \$XDG_CONFIG_HOME"
like "$(got result.keys.source)" '^absent: the built-in key bindings$' "no keys.conf: the built-in bindings"
is "$(got result.max-artifact-size.value)" 8M "max-artifact-size: 8M ..."
like "$(got result.max-artifact-size.source)" '^default' "... by default"
is "$(got result.server-uid.source)" "default (your own uid)" "server-uid: your own"

DEVFLOW_WORKSPACE=$T_TMP/env-ws DEVFLOW_MAX_ARTIFACT_SIZE=2M "$DEVFLOW" config --json >"$T_TMP/c.json"
is "$(got result.workspace.value)" "$T_TMP/env-ws" "\$DEVFLOW_WORKSPACE is the workspace ..."
is "$(got result.workspace.source)" '$DEVFLOW_WORKSPACE' "... and says so"
is "$(got result.max-artifact-size.value)|$(got result.max-artifact-size.source)" \
	'2M|$DEVFLOW_MAX_ARTIFACT_SIZE' "max-artifact-size from the environment"

DEVFLOW_WORKSPACE=$T_TMP/env-ws "$DEVFLOW" --workspace "$T_TMP/flag-ws" \
	--server-uid "$(id -u)" config --json >"$T_TMP/c.json"
is "$(got result.workspace.value)|$(got result.workspace.source)" "$T_TMP/flag-ws|--workspace" \
	"--workspace wins over the environment, and says so"
is "$(got result.server-uid.source)" "--server-uid" "--server-uid, from the flag"

mkdir -p "$XDG_CONFIG_HOME/devflow/backends"
: >"$XDG_CONFIG_HOME/devflow/keys.conf"
: >"$XDG_CONFIG_HOME/devflow/backends/mine.json"
"$DEVFLOW" config --json >"$T_TMP/c.json"
is "$(got result.keys.value)|$(got result.keys.source)" \
	"$XDG_CONFIG_HOME/devflow/keys.conf|the configuration folder" "a keys.conf, from the folder"
is "$(got result.backends.source)" "the configuration folder (1 .json file)" \
	"the user's backends, counted"
is "$(got result.notify-command.value)|$(got result.notify-command.source)" \
	"(none)|default: no notifications" "no config file: no notifications"

# The server's settings (notifications) from the config file, bad lines as the server sees them.
printf "set notify-command 'notify-send devflow'\nset notify-command 'ntfy publish t'\nset notify-rate 3\nbogus line\n" \
	>"$XDG_CONFIG_HOME/devflow/config"
"$DEVFLOW" config --json >"$T_TMP/c.json"
is "$(got result.notify-command-1.value)|$(got result.notify-command-2.value)" \
	"notify-send devflow|ntfy publish t" "each notify-command of the config file"
is "$(got result.notify-rate.value)|$(got result.notify-rate.source)" \
	"3 a minute a run|$XDG_CONFIG_HOME/devflow/config" "notify-rate, from the file"
is "$(got result.notify-timeout.source)" "default" "notify-timeout, the default"
like "$(got result.config-error-1.value)" "devflow/config:4: unknown command 'bogus'" \
	"a bad line, as the server would skip it"
out=$("$DEVFLOW" config)
like "$out" "^workspace +$XDG_DATA_HOME/devflow\$" "as text: the value beside its name ..."
like "$out" '^ +from \$XDG_DATA_HOME$' "... and where it came from under it"
done_testing
