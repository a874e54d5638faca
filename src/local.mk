# The sources, one folder a layer (README, Layout). Lower layers never
# include higher ones: lib/ includes nothing of ours; schema/ and store/
# only lib/; agent/ (the agent terminal) never engine/; the front ends
# (cli/, tui/) reach the server only through proto/ (tests/integration/layers.sh).

EXTRA_DIST += src/lib/README src/schema/README src/store/README src/agent/README \
	src/engine/README src/server/README src/proto/README src/cli/README src/fake/README

# Generic helpers: buffers, allocation, errors, time, paths, hashing, the
# event loop, the worker thread, inotify, git's environment, regex bounds,
# UTF-8 and integers out of untrusted JSON.
lib_sources = \
	src/lib/buf.c src/lib/buf.h \
	src/lib/canon.c src/lib/canon.h \
	src/lib/clock.c src/lib/clock.h \
	src/lib/conf.c src/lib/conf.h \
	src/lib/ere.c src/lib/ere.h \
	src/lib/error.c src/lib/error.h \
	src/lib/fault.c src/lib/fault.h \
	src/lib/gitenv.c src/lib/gitenv.h \
	src/lib/gitrepo.c src/lib/gitrepo.h \
	src/lib/json.c src/lib/json.h \
	src/lib/loop.c src/lib/loop.h \
	src/lib/paths.c src/lib/paths.h \
	src/lib/spawn.c src/lib/spawn.h \
	src/lib/str.c src/lib/str.h \
	src/lib/utf8.c src/lib/utf8.h \
	src/lib/watch.c src/lib/watch.h \
	src/lib/worker.c src/lib/worker.h \
	src/lib/xalloc.c src/lib/xalloc.h

# JSON Schema 2020-12 validation.
schema_sources = \
	src/schema/ecma-re.c src/schema/ecma-re.h \
	src/schema/index.c \
	src/schema/json-load.c \
	src/schema/keywords.c \
	src/schema/registry.c \
	src/schema/schema-int.h \
	src/schema/schema.c src/schema/schema.h \
	src/schema/uri.c src/schema/uri.h

# The SQLite store: the only code that speaks SQL; the states it keeps.
store_sources = \
	src/store/states.c src/store/states.h \
	src/store/store.c src/store/store.h \
	src/store/store-int.h \
	src/store/store-approval.c \
	src/store/store-artifact.c \
	src/store/store-catalog.c \
	src/store/store-event.c \
	src/store/store-phase.c \
	src/store/store-run.c \
	src/store/store-schema.c \
	src/store/store-session.c \
	src/store/store-stmt.c

# The agent terminal: pseudo-terminal sessions, their libvterm screens,
# state detection from the screen, and an agent CLI's configuration files.
agent_sources = \
	src/agent/agentcfg.c src/agent/agentcfg.h \
	src/agent/detect.c src/agent/detect.h \
	src/agent/grid.c src/agent/grid.h \
	src/agent/history.c src/agent/history.h \
	src/agent/question.c src/agent/question.h \
	src/agent/screen.c src/agent/screen.h \
	src/agent/session.c src/agent/session.h

# The run engine and what it judges with: bindings, the catalog of
# templates, personas and backends, instructions, reports, worktrees.
engine_sources = \
	src/engine/binding.c src/engine/binding.h \
	src/engine/catalog.c src/engine/catalog.h \
	src/engine/checkrun.c src/engine/checkrun.h \
	src/engine/engine.c src/engine/engine.h src/engine/engine-int.h \
	src/engine/engine-artifact.c \
	src/engine/engine-check.c \
	src/engine/engine-decide.c \
	src/engine/engine-event.c \
	src/engine/engine-land.c \
	src/engine/engine-rebase.c \
	src/engine/engine-phase.c \
	src/engine/engine-recover.c \
	src/engine/engine-review.c \
	src/engine/engine-start.c \
	src/engine/engine-status.c \
	src/engine/instructions.c src/engine/instructions.h \
	src/engine/land.c src/engine/land.h \
	src/engine/report.c src/engine/report.h \
	src/engine/worktree.c src/engine/worktree.h

# The protocol's frames, the Unix socket, the client side of it, and a
# terminal's keyboard input decoded into the protocol's keys.
proto_sources = \
	src/proto/client.c src/proto/client.h \
	src/proto/histnum.c src/proto/histnum.h \
	src/proto/keyin.c src/proto/keyin.h \
	src/proto/proto.c src/proto/proto.h \
	src/proto/result.c src/proto/result.h \
	src/proto/sock.c src/proto/sock.h

# The server: its loop and clients, the runtime that assembles it, and the
# driver, the adapter between agent sessions and the engine.
server_sources = \
	src/server/driver.c src/server/driver.h \
	src/server/checkjobs.c src/server/checkjobs.h \
	src/server/commitjobs.c src/server/commitjobs.h \
	src/server/runtime.c src/server/runtime.h \
	src/server/server-catalog.c \
	src/server/server-client.c \
	src/server/server-fn.c \
	src/server/server-history.c \
	src/server/server-int.h \
	src/server/server-job.c \
	src/server/server-land.c \
	src/server/notify.c src/server/notify.h \
	src/server/server-ops.c \
	src/server/server-screen.c \
	src/server/server.c src/server/server.h

# libdevflow.a: everything but the front ends. Never includes curses.
noinst_LIBRARIES += libdevflow.a
libdevflow_a_SOURCES = $(lib_sources) $(schema_sources) $(store_sources) $(agent_sources) \
	$(engine_sources) $(proto_sources) $(server_sources)

DEVFLOW_LIBS = libdevflow.a $(SQLITE_LIBS) $(CJSON_LIBS) $(LIBGIT2_LIBS) $(VTERM_LIBS) \
	$(CRYPTO_LIBS) $(UUID_LIBS) $(LIBS) -lpthread -lm

bin_PROGRAMS += devflow
devflow_SOURCES = \
	src/cli/main.c \
	src/cli/cli.c src/cli/cli.h \
	src/cli/args.c src/cli/args.h \
	src/cli/cmd-help.c \
	src/cli/cmd-reload.c \
	src/cli/cmd-config.c \
	src/cli/cmd-complete.c \
	src/cli/verb.c src/cli/verb.h \
	src/cli/cmd-start.c \
	src/cli/cmd-ls.c \
	src/cli/cmd-status.c \
	src/cli/cmd-decide.c \
	src/cli/cmd-clean.c \
	src/cli/cmd-land.c \
	src/cli/cmd-pause.c \
	src/cli/cmd-report.c \
	src/cli/cmd-logs.c \
	src/cli/cmd-sessions.c \
	src/cli/cmd-capture.c \
	src/cli/cmd-answer.c \
	src/cli/cmd-attach.c \
	src/cli/cmd-hook.c \
	src/cli/cmd-server.c \
	src/cli/cmd-kill-server.c \
	src/cli/cmd-doctor.c \
	src/cli/cmd-demo.c \
	src/cli/cmd-backends.c \
	src/cli/cmd-personas.c \
	src/cli/cmd-templates.c \
	src/cli/cmd-validate.c \
	src/cli/cmd-wait.c
devflow_LDADD = $(DEVFLOW_LIBS)

# The bundled fake agent CLI (docs/fake-agent.md): no curses, only cJSON and libdevflow helpers.
bin_PROGRAMS += devflow-fake-agent
devflow_fake_agent_SOURCES = \
	src/fake/fake-agent.c \
	src/fake/fake.c src/fake/fake.h
devflow_fake_agent_LDADD = libdevflow.a $(CJSON_LIBS) $(CRYPTO_LIBS) $(LIBS)

.PHONY: bench-server
