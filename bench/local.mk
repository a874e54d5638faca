# Benchmarks: built and run on demand (`make bench`), never by `make check`.
# Each prints its figures next to a reference measured in the same run.
EXTRA_PROGRAMS += bench/session-throughput bench/approve-latency
CLEANFILES += bench/session-throughput$(EXEEXT) bench/approve-latency$(EXEEXT)
EXTRA_DIST += bench/lib.sh bench/run-session-throughput.sh bench/server-idle-cpu.sh \
	bench/approve-latency.sh

# A session against tmux on a 64 MiB stream of text and escape sequences.
bench_session_throughput_SOURCES = bench/session-throughput.c bench/procstat.c bench/procstat.h
bench_session_throughput_LDADD = $(DEVFLOW_LIBS)
bench-session: bench/session-throughput$(EXEEXT)
	$(SHELL) $(srcdir)/bench/run-session-throughput.sh $(builddir)

# An agent-like stream (text, SGR colours, spinner redraws, a status box,
# wide characters) through a session and through tmux, the median ratio of a
# few runs, and the memory of a screen with a full 10,000-line history.
EXTRA_PROGRAMS += bench/agent-stream bench/screen-rss
CLEANFILES += bench/agent-stream$(EXEEXT) bench/screen-rss$(EXEEXT)
EXTRA_DIST += bench/run-agent-stream.sh
bench_agent_stream_SOURCES = bench/agent-stream.c
bench_agent_stream_LDADD = $(DEVFLOW_LIBS)
bench_screen_rss_SOURCES = bench/screen-rss.c bench/procstat.c bench/procstat.h
bench_screen_rss_LDADD = $(DEVFLOW_LIBS)
bench-agent: bench/agent-stream$(EXEEXT) bench/session-throughput$(EXEEXT) \
	bench/screen-rss$(EXEEXT)
	$(SHELL) $(srcdir)/bench/run-agent-stream.sh $(builddir)

# The server: CPU of an idle server with 20 fake-agent sessions, and the
# latency from `devflow approve` to the next prompt on the agent's screen.
bench_approve_latency_SOURCES = bench/approve-latency.c
bench_approve_latency_LDADD = $(DEVFLOW_LIBS)
bench-server: devflow$(EXEEXT) devflow-fake-agent$(EXEEXT) bench/approve-latency$(EXEEXT)
	$(SHELL) $(srcdir)/bench/server-idle-cpu.sh $(builddir)
	$(SHELL) $(srcdir)/bench/approve-latency.sh $(builddir)

# The TUI: first full screen with 1,000 runs and 100,000 events, and key a
# to decision recorded to screen updated (docs/tui.md).
# Also built by `make check`: tests/integration/tui-lists.sh fills 301 runs with it.
bench_tui_fill_SOURCES = bench/tui-fill.c
bench_tui_fill_LDADD = $(DEVFLOW_LIBS)
EXTRA_DIST += bench/tui-bench.sh
bench-tui: devflow$(EXEEXT) devflow-fake-agent$(EXEEXT) bench/tui-fill$(EXEEXT)
	$(SHELL) $(srcdir)/bench/tui-bench.sh $(builddir)

bench: bench-session bench-agent bench-server bench-tui
.PHONY: bench bench-session bench-agent bench-server bench-tui
