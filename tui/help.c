/*
 * The help screen's text, generated from the request X-macro (request.h)
 * and the bindings, with the keys of attach mode and the editors and the
 * errors of keys.conf; the pager shows it.
 */
#include "config.h"

#include "lib/buf.h"
#include "overlay.h"
#include "request.h"

char *
help_text(const struct keymap *keys)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "Keys (rebind in $XDG_CONFIG_HOME/devflow/keys.conf: bind KEY REQUEST)\n\n");
	for (int r = REQ_NONE + 1; r < REQ__COUNT; r++) {
		char k[128];

		keymap_keys_of(keys, (enum tui_request)r, k, sizeof k);
		buf_printf(&b, "  %-14s %-18s %s\n", k[0] ? k : "(unbound)",
		           request_name((enum tui_request)r), request_help((enum tui_request)r));
	}
	buf_puts(&b, "\nAttached to an agent: every key goes to the agent; C-] comes back.\n"
	             "Comment editor: C-s sends, Esc cancels. Forms: Tab next field, C-s starts;\n"
	             "the new run's agent backend: Left/Right or Space.\n");
	for (size_t i = 0; i < keys->nerrors; i++)
		buf_printf(&b, "%s%s\n", i == 0 ? "\nkeys.conf:\n" : "", keys->errors[i]);
	return buf_detach(&b);
}
