/*
 * Every action a key can ask of the TUI, as data (STYLE.md rule 4, tig's
 * requests). One X-macro lists id, name (as written in keys.conf) and the
 * help text; it generates the enum, the name lookup and the `?` screen.
 * Keys map to requests, never straight to functions.
 */
#ifndef DEVFLOW_TUI_REQUEST_H
#define DEVFLOW_TUI_REQUEST_H

/* X(id, name, help) */
#define TUI_REQUESTS(X)                                                                            \
	X(MOVE_DOWN, "move-down", "Move the selection down")                                       \
	X(MOVE_UP, "move-up", "Move the selection up")                                             \
	X(PAGE_DOWN, "page-down", "Scroll a page down")                                            \
	X(PAGE_UP, "page-up", "Scroll a page up")                                                  \
	X(MOVE_FIRST, "move-first-line", "Move to the first line")                                 \
	X(MOVE_LAST, "move-last-line", "Move to the last line")                                    \
	X(NEXT_PANE, "next-pane", "Focus the next pane")                                           \
	X(PREV_PANE, "prev-pane", "Focus the previous pane")                                       \
	X(APPROVE, "approve", "Approve the gate awaiting you")                                     \
	X(CHANGES, "request-changes", "Request changes, with a comment")                           \
	X(REJECT, "reject", "Reject the gate: the run fails (asks first)")                         \
	X(ABORT, "abort", "Abort the run (asks first)")                                            \
	X(PAUSE, "pause", "Pause or resume the run")                                               \
	X(LAND, "land", "Land the completed run (asks first)")                                     \
	X(NEW_RUN, "new-run", "Start a new run (form)")                                            \
	X(ATTACH, "attach", "Attach to the agent's terminal (C-] comes back)")                     \
	X(ANSWER, "answer", "Answer the focused question with that key")                           \
	X(ARTIFACT, "view-artifact", "Show the artifact awaiting approval")                        \
	X(DIFF, "view-diff", "Show the worktree's diff against the base")                          \
	X(REPORT, "view-report", "Show the run's final report")                                    \
	X(FILTER, "filter", "Filter the runs by text; in other lists and help, search")            \
	X(FIND_NEXT, "find-next", "Find the next row matching the last / text")                    \
	X(FIND_PREV, "find-prev", "Find the previous row matching the last / text")                \
	X(TERMINAL, "toggle-terminal", "Show the agent terminal over the lists (narrow screens)")  \
	X(HELP, "help", "Show this help")                                                          \
	X(MESSAGES, "messages", "Show the status line's messages so far, in full")                 \
	X(REDRAW, "redraw", "Redraw the screen")                                                   \
	X(SUSPEND, "suspend", "Suspend the TUI to the shell (fg comes back)")                      \
	X(QUIT, "quit", "Quit the TUI (detach: the runs go on)")                                   \
	X(HISTORY, "history", "Scroll back through the agent's output (also PgUp in its pane)")

enum tui_request {
	REQ_NONE,
#define TUI_X(id, name, help) REQ_##id,
	TUI_REQUESTS(TUI_X)
#undef TUI_X
	    REQ__COUNT
};

/* The request's name ("approve"), NULL out of range or for REQ_NONE. */
const char *request_name(enum tui_request req);
/* Its help text, NULL out of range. */
const char *request_help(enum tui_request req);
/* REQ_NONE when name is unknown. */
enum tui_request request_from_name(const char *name);

#endif
