# The ncurses client (the TUI issue). The only directory that includes curses.
# Its sources are part of the devflow binary (`devflow` with no verb opens it).
EXTRA_DIST += tui/README
devflow_SOURCES += \
	tui/abbrev.c tui/abbrev.h \
	tui/actions.c \
	tui/app.c tui/app.h \
	tui/attach.c \
	tui/colour.c tui/colour.h \
	tui/comment.c \
	tui/confirm.c \
	tui/draw.c tui/draw.h \
	tui/editor.c tui/editor.h \
	tui/filter.c \
	tui/find.c \
	tui/form.c \
	tui/help.c \
	tui/histbuf.c tui/histbuf.h \
	tui/histmode.c tui/histmode.h \
	tui/keys.c tui/keys.h \
	tui/list.c tui/list.h \
	tui/messages.c tui/messages.h \
	tui/model.c tui/model.h \
	tui/mouse.c \
	tui/overlay.h \
	tui/pager.c \
	tui/panes.c \
	tui/reply.c \
	tui/request.h \
	tui/script.c \
	tui/term.c \
	tui/tty.c tui/tty.h \
	tui/tui.h \
	tui/views.c
devflow_CFLAGS = $(AM_CFLAGS) $(NCURSESW_CFLAGS)
devflow_LDADD += $(NCURSESW_LIBS)

EXTRA_DIST += docs/tui.md
