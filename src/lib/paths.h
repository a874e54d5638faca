/*
 * Where devflow finds things: the built-in data and schemas (the source tree
 * when running from the build tree, the installed data directory otherwise),
 * the user's configuration directory, and the workspace; making and removing
 * directory trees.
 */
#ifndef DEVFLOW_PATHS_H
#define DEVFLOW_PATHS_H

/*
 * Directory holding data/ and schemas/. $DEVFLOW_SHARE_DIR wins; then the
 * source tree if the running executable lives in the build tree; then the
 * installed package data directory. Static storage; never NULL.
 */
const char *paths_share_dir(void);

/*
 * Directory of devflow's own programs (devflow, devflow-fake-agent): the
 * build directory when running from the build tree (tests included), else
 * the directory of the running executable. Static storage; never NULL.
 */
const char *paths_bin_dir(void);

/*
 * The running executable's absolute path, read from /proc/self/exe on the
 * first call and kept: call it at startup, before the binary can be
 * replaced (an upgrade) and the link read "... (deleted)". What a client
 * execs to start a server, so that ps shows `/usr/bin/devflow server ...`
 * with comm devflow, not `/proc/self/exe server ...` with comm exe.
 * "/proc/self/exe" itself when the link cannot be read. Static storage.
 */
const char *paths_self_exe(void);

/* $XDG_CONFIG_HOME/devflow, else $HOME/.config/devflow. The caller frees. */
char *paths_config_dir(void);

/*
 * Where a user's state between sessions lives (the XDG base directory
 * spec's history and choices, not configuration): $XDG_STATE_HOME/devflow,
 * else $HOME/.local/state/devflow. The caller frees.
 */
char *paths_state_dir(void);

/*
 * The workspace: override (when not NULL), else $DEVFLOW_WORKSPACE, else
 * $XDG_DATA_HOME/devflow, else $HOME/.local/share/devflow. The caller frees.
 */
char *paths_workspace(const char *override);

/*
 * Where paths_workspace(override), paths_config_dir() and paths_share_dir()
 * took their value from, for `devflow config`: "--workspace",
 * "$DEVFLOW_WORKSPACE", "$XDG_DATA_HOME", "$XDG_CONFIG_HOME",
 * "$DEVFLOW_SHARE_DIR", "default ($HOME/...)", "the source tree (running
 * from the build tree)" or "installed". Static strings.
 */
const char *paths_workspace_origin(const char *override);
const char *paths_config_dir_origin(void);
const char *paths_share_dir_origin(void);

/* Create dir and its parents with the given mode; 0 or -1 with errno. */
int paths_mkdir_p(const char *dir, unsigned mode);

/* rm -rf path, never following a symbolic link. 0 (also when path is not there), or -1 with errno.
 */
int paths_remove_tree(const char *path);

#endif
