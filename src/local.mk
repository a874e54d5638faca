# libdevflow.a: everything but the front ends. Never includes curses.
noinst_LIBRARIES += libdevflow.a
libdevflow_a_SOURCES = \
	src/agentcfg.c src/agentcfg.h \
	src/binding.c src/binding.h \
	src/buf.c src/buf.h \
	src/canon.c src/canon.h \
	src/catalog.c src/catalog.h \
	src/client.c src/client.h \
	src/clock.c src/clock.h \
	src/detect.c src/detect.h \
	src/driver.c src/driver.h \
	src/engine.c src/engine.h \
	src/ere.c src/ere.h \
	src/error.c src/error.h \
	src/gitenv.c src/gitenv.h \
	src/instructions.c src/instructions.h \
	src/keyin.c src/keyin.h \
	src/loop.c src/loop.h \
	src/paths.c src/paths.h \
	src/proto.c src/proto.h \
	src/report.c src/report.h \
	src/runtime.c src/runtime.h \
	src/schema.c src/schema.h \
	src/screen.c src/screen.h \
	src/server.c src/server.h \
	src/session.c src/session.h \
	src/sock.c src/sock.h \
	src/store.c src/store.h \
	src/watch.c src/watch.h \
	src/worker.c src/worker.h \
	src/worktree.c src/worktree.h \
	src/xalloc.c src/xalloc.h

DEVFLOW_LIBS = libdevflow.a $(SQLITE_LIBS) $(CJSON_LIBS) $(LIBGIT2_LIBS) $(VTERM_LIBS) \
	$(CRYPTO_LIBS) $(UUID_LIBS) $(LIBS) -lpthread -lm

bin_PROGRAMS += devflow
devflow_SOURCES = \
	src/main.c \
	src/cli.c src/cli.h \
	src/verb.c src/verb.h \
	src/cmd-start.c \
	src/cmd-ls.c \
	src/cmd-status.c \
	src/cmd-approve.c \
	src/cmd-changes.c \
	src/cmd-reject.c \
	src/cmd-abort.c \
	src/cmd-pause.c \
	src/cmd-resume.c \
	src/cmd-report.c \
	src/cmd-logs.c \
	src/cmd-sessions.c \
	src/cmd-capture.c \
	src/cmd-attach.c \
	src/cmd-hook.c \
	src/cmd-server.c \
	src/cmd-kill-server.c \
	src/cmd-doctor.c \
	src/cmd-demo.c \
	src/cmd-backends.c \
	src/cmd-personas.c \
	src/cmd-templates.c \
	src/cmd-validate.c
devflow_LDADD = $(DEVFLOW_LIBS)

# The bundled fake agent CLI (docs/fake-agent.md): no curses, only cJSON and libdevflow helpers.
bin_PROGRAMS += devflow-fake-agent
devflow_fake_agent_SOURCES = \
	src/fake-agent.c \
	src/fake.c src/fake.h
devflow_fake_agent_LDADD = libdevflow.a $(CJSON_LIBS) $(CRYPTO_LIBS) $(LIBS)

.PHONY: bench-server
