/*
 * The help screen's text, generated from the request X-macro (request.h)
 * and the bindings, with the keys of attach mode and the editors, the
 * search and the mouse, the short names narrow columns use (abbrev.h)
 * and the errors of keys.conf; wrapped at words to the screen's width
 * (the descriptions with a hanging indent), the pager shows it.
 */
#include "config.h"

#include "lib/buf.h"
#include "abbrev.h"
#include "draw.h"
#include "overlay.h"
#include "request.h"

/* Where the descriptions start: "  KEYS           request-name       ". */
#define HELP_DESC_COL 36

static const char *const paragraphs[] = {
	"Search: / filters the runs when they have the focus (Enter keeps the filter, Esc "
	"clears it); in the other lists, and here in help, it searches. n and N go to the next "
	"and previous row that holds the last text typed after /.",
	"Mouse: a click selects a row or focuses a pane, the wheel scrolls the lists, the "
	"pager and help. Hold Shift to select text with the terminal as usual.",
	"Attached to an agent: every key goes to the agent; C-] comes back.",
	"Comment editor: C-s sends, Esc cancels. Forms: Tab next field, C-s starts; the new "
	"run's agent backend: Left/Right or Space.",
};

char *
help_text(const struct keymap *keys, int width)
{
	struct buf b = BUF_INIT;
	/* Narrow: each description under its keys, indented by 4. */
	int hang = width - HELP_DESC_COL >= 20 ? HELP_DESC_COL : 4;

	wrap_hanging(&b, "",
	             "Keys (rebind in $XDG_CONFIG_HOME/devflow/keys.conf: bind KEY REQUEST)", 0,
	             width);
	buf_putc(&b, '\n');
	for (int r = REQ_NONE + 1; r < REQ__COUNT; r++) {
		char k[128], first[256];

		keymap_keys_of(keys, (enum tui_request)r, k, sizeof k);
		if (hang == HELP_DESC_COL)
			snprintf(first, sizeof first, "  %-14s %-18s ", k[0] ? k : "(unbound)",
			         request_name((enum tui_request)r));
		else
			snprintf(first, sizeof first, "  %s  %s\n    ", k[0] ? k : "(unbound)",
			         request_name((enum tui_request)r));
		wrap_hanging(&b, first, request_help((enum tui_request)r), hang, width);
	}
	for (size_t i = 0; i < sizeof paragraphs / sizeof paragraphs[0]; i++) {
		buf_putc(&b, '\n');
		wrap_hanging(&b, "", paragraphs[i], 0, width);
	}
	buf_puts(&b, "\nShort names in narrow columns:\n");
	abbrev_legend(&b, "  ");
	wrap_hanging(&b, "  reviewer/fake  ",
	             "reviewer → reviewer/fake: a phase's role played by the persona of its name",
	             17, width);
	for (size_t i = 0; i < keys->nerrors; i++) {
		if (i == 0)
			buf_puts(&b, "\nkeys.conf:\n");
		wrap_hanging(&b, "", keys->errors[i], 2, width);
	}
	return buf_detach(&b);
}
