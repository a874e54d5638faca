/*
 * Artifact watching: inotify on the loop for files expected to appear. For
 * each path the watcher watches its parent directory (IN_CLOSE_WRITE for a
 * file written in place, IN_MOVED_TO for one renamed into place) and, while
 * the parent does not exist yet, its nearest existing ancestor (IN_CREATE
 * and IN_MOVED_TO of directories), moving down as directories appear. It
 * calls back with the full path each time the file is written. Watches are
 * reference-counted per path and per directory; nothing polls.
 */
#ifndef DEVFLOW_WATCH_H
#define DEVFLOW_WATCH_H

#include "error.h"
#include "loop.h"

struct watch;

/* path was written (or renamed into place); path is valid for the call only. */
typedef void watch_cb(struct watch *w, const char *path, void *arg);

/* A watcher on loop, or NULL with err (io_error: inotify unavailable). Free with watch_free. */
struct watch *watch_new(struct loop *loop, watch_cb *cb, void *arg, struct df_error *err);

/* Stop watching everything and close the inotify descriptor. NULL is a no-op. */
void watch_free(struct watch *w);

/*
 * Watch an absolute file path (once more when already watched: each add
 * needs a remove). When the file is already there after the directory
 * watch is set up, the callback is called at once, from the loop (a
 * zero-delay timer), so a file written just before the watch is not
 * missed. Returns 0, or -1 with err: invalid_argument for a relative path,
 * io_error when no directory on the way can be watched.
 */
int watch_add(struct watch *w, const char *path, struct df_error *err);

/* Drop one reference to path; the last one stops watching it. Unknown paths are ignored. */
void watch_remove(struct watch *w, const char *path);

/* How many references path has (0: not watched). */
int watch_refs(const struct watch *w, const char *path);

#endif
