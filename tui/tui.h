/*
 * The ncurses client: `devflow` with no verb. tui_main connects to the
 * workspace's server (starting it like tmux), subscribes to every run's
 * events, and draws five panes — runs, phases of the selected run, the
 * approval queue, the selected agent's live terminal, and the selected run's
 * events — with a header and a footer of keys. Quitting detaches.
 *
 * Headless mode (STYLE.md rule 10, like tig's TIG_SCRIPT): with
 * DEVFLOW_TUI_SCRIPT=file the TUI draws through newterm() into
 * DEVFLOW_TUI_OUTPUT (default /dev/null) at DEVFLOW_TUI_SIZE (COLSxROWS,
 * default 80x24), takes its keys from the script — the next one only when
 * the UI is idle (no reply outstanding, nothing to redraw) — and runs script
 * commands: `:dump FILE`, `:resize COLSxROWS`, `:type TEXT`,
 * `:paste TEXT`, `:wait-for TEXT`, `:wait-gone TEXT`, `:sleep MS`, `:sh COMMAND`, `:mark LABEL`
 * (DEVFLOW_TUI_MARKS). See docs/tui.md.
 */
#ifndef DEVFLOW_TUI_TUI_H
#define DEVFLOW_TUI_TUI_H

#include <sys/types.h>

/*
 * Run the TUI on workspace (NULL: the default workspace), trusting only a
 * server of *server_uid (--server-uid; NULL: the invoking user), with
 * run_id selected (NULL: the first run). Returns the exit status: 0 after `q`, 1
 * when the server cannot be reached at start or a headless script fails.
 */
int tui_main(const char *workspace, const uid_t *server_uid, const char *run_id);

#endif
