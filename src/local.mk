# libdevflow.a: everything but the front ends. Never includes curses.
noinst_LIBRARIES += libdevflow.a
libdevflow_a_SOURCES = \
	src/buf.c src/buf.h \
	src/canon.c src/canon.h \
	src/client.c src/client.h \
	src/error.c src/error.h \
	src/paths.c src/paths.h \
	src/proto.c src/proto.h \
	src/sock.c src/sock.h \
	src/xalloc.c src/xalloc.h
libdevflow_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(CJSON_CFLAGS) $(LIBGIT2_CFLAGS) \
	$(VTERM_CFLAGS) $(CRYPTO_CFLAGS) $(UUID_CFLAGS)

DEVFLOW_LIBS = libdevflow.a $(SQLITE_LIBS) $(CJSON_LIBS) $(LIBGIT2_LIBS) $(VTERM_LIBS) \
	$(CRYPTO_LIBS) $(UUID_LIBS) $(LIBS) -lm

bin_PROGRAMS += devflow
devflow_SOURCES = \
	src/main.c \
	src/cli.c src/cli.h
devflow_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
devflow_LDADD = $(DEVFLOW_LIBS)
