# The ncurses client (the TUI issue). The only directory that includes curses.
# Its sources are part of the devflow binary (`devflow` with no verb opens it).
EXTRA_DIST += tui/README
devflow_SOURCES += \
	tui/app.c tui/app.h \
	tui/colour.c tui/colour.h \
	tui/keys.c tui/keys.h \
	tui/model.c tui/model.h \
	tui/panes.c \
	tui/request.h \
	tui/term.c \
	tui/tui.h \
	tui/views.c
devflow_CFLAGS = $(AM_CFLAGS) $(NCURSESW_CFLAGS)
devflow_LDADD += $(NCURSESW_LIBS)

# The TUI's benchmarks (docs/tui.md; `make bench-tui`, also run by `make bench`).
EXTRA_PROGRAMS += bench/tui-fill
bench_tui_fill_SOURCES = bench/tui-fill.c
bench_tui_fill_LDADD = $(DEVFLOW_LIBS)
EXTRA_DIST += bench/tui-bench.sh
CLEANFILES += bench/tui-fill$(EXEEXT)
bench-tui: devflow$(EXEEXT) devflow-fake-agent$(EXEEXT) bench/tui-fill$(EXEEXT)
	$(SHELL) $(srcdir)/bench/tui-bench.sh $(builddir)
bench: bench-tui
.PHONY: bench-tui
EXTRA_DIST += docs/tui.md
