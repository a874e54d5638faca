/*
 * Artifact watching over one inotify descriptor (see watch.h). Paths and
 * directories are small arrays: a server watches one artifact per active
 * run. Callbacks are collected while a batch of inotify events is read and
 * made after it, so a callback may add or remove watches freely.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "watch.h"
#include "xalloc.h"

#define DIR_MASK                                                                                   \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MOVE_SELF | IN_DELETE_SELF | IN_ONLYDIR)

struct wpath {
	char *path, *dir, *base;
	int refs;
	int wd;         /* the directory watch it hangs on; -1 when none */
	bool at_parent; /* wd is the file's own directory */
};

struct wdir {
	int wd;
	int refs;
};

struct watch {
	struct loop *loop;
	int fd;
	watch_cb *cb;
	void *arg;
	struct wpath **p;
	size_t np;
	struct wdir *d;
	size_t nd;
	char **due; /* paths to call back for from the loop */
	size_t ndue;
	uint64_t due_timer;
};

static struct wpath *
find_path(const struct watch *w, const char *path)
{
	for (size_t i = 0; i < w->np; i++)
		if (strcmp(w->p[i]->path, path) == 0)
			return w->p[i];
	return NULL;
}

static void
dir_ref(struct watch *w, int wd)
{
	for (size_t i = 0; i < w->nd; i++)
		if (w->d[i].wd == wd) {
			w->d[i].refs++;
			return;
		}
	w->d = xreallocarray(w->d, w->nd + 1, sizeof(*w->d));
	w->d[w->nd].wd = wd;
	w->d[w->nd].refs = 1;
	w->nd++;
}

/* Drop a reference; rm says the kernel still has the watch (not after IN_IGNORED). */
static void
dir_unref(struct watch *w, int wd, bool rm)
{
	for (size_t i = 0; i < w->nd; i++)
		if (w->d[i].wd == wd) {
			if (--w->d[i].refs > 0)
				return;
			if (rm)
				inotify_rm_watch(w->fd, wd);
			w->d[i] = w->d[--w->nd];
			return;
		}
}

/* Forget a directory watch the kernel dropped or that no longer names its path. */
static void
dir_forget(struct watch *w, int wd)
{
	for (size_t i = 0; i < w->nd; i++)
		if (w->d[i].wd == wd) {
			w->d[i] = w->d[--w->nd];
			return;
		}
}

static bool
is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static void fire_due(struct loop *loop, void *arg);

static void
queue_due(struct watch *w, const char *path)
{
	for (size_t i = 0; i < w->ndue; i++)
		if (strcmp(w->due[i], path) == 0)
			return;
	w->due = xreallocarray(w->due, w->ndue + 1, sizeof(*w->due));
	w->due[w->ndue++] = xstrdup(path);
	if (w->due_timer == 0)
		w->due_timer = loop_timer_add(w->loop, 0, fire_due, w);
}

static void
fire_due(struct loop *loop, void *arg)
{
	struct watch *w = arg;
	char **due = w->due;
	size_t n = w->ndue;

	(void)loop;
	w->due_timer = 0;
	w->due = NULL;
	w->ndue = 0;
	for (size_t i = 0; i < n; i++) {
		if (find_path(w, due[i]) != NULL)
			w->cb(w, due[i], w->arg);
		free(due[i]);
	}
	free(due);
}

/*
 * Hang wp on its directory, or on the nearest ancestor that exists. When it
 * lands on its own directory and the file is there, the file is due.
 */
static int
attach(struct watch *w, struct wpath *wp, struct df_error *err)
{
	char *cand = xstrdup(wp->dir);
	int wd;

	for (;;) {
		char *slash;

		wd = inotify_add_watch(w->fd, cand, DIR_MASK);
		if (wd >= 0)
			break;
		if ((errno != ENOENT && errno != ENOTDIR) || strcmp(cand, "/") == 0) {
			df_error_set(err, DF_FATAL, DF_E_IO, "watch %s: cannot watch %s: %s",
			             wp->path, cand, strerror(errno));
			free(cand);
			return -1;
		}
		slash = strrchr(cand, '/');
		if (slash == cand)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	wp->wd = wd;
	wp->at_parent = strcmp(cand, wp->dir) == 0;
	dir_ref(w, wd);
	free(cand);
	if (wp->at_parent && is_file(wp->path))
		queue_due(w, wp->path);
	return 0;
}

static void
detach(struct watch *w, struct wpath *wp, bool rm)
{
	if (wp->wd >= 0)
		dir_unref(w, wp->wd, rm);
	wp->wd = -1;
	wp->at_parent = false;
}

static void on_readable(struct loop *loop, int fd, unsigned events, void *arg);

struct watch *
watch_new(struct loop *loop, watch_cb *cb, void *arg, struct df_error *err)
{
	struct watch *w;
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0) {
		df_error_set(err, DF_FATAL, DF_E_IO, "inotify: %s", strerror(errno));
		return NULL;
	}
	w = xcalloc(1, sizeof(*w));
	w->loop = loop;
	w->fd = fd;
	w->cb = cb;
	w->arg = arg;
	if (loop_fd_add(loop, fd, LOOP_READ, on_readable, w, err) != 0) {
		close(fd);
		free(w);
		return NULL;
	}
	return w;
}

static void
wpath_free(struct wpath *wp)
{
	free(wp->path);
	free(wp->dir);
	free(wp->base);
	free(wp);
}

void
watch_free(struct watch *w)
{
	if (w == NULL)
		return;
	loop_fd_remove(w->loop, w->fd);
	loop_timer_cancel(w->loop, w->due_timer);
	close(w->fd);
	for (size_t i = 0; i < w->np; i++)
		wpath_free(w->p[i]);
	free(w->p);
	free(w->d);
	for (size_t i = 0; i < w->ndue; i++)
		free(w->due[i]);
	free(w->due);
	free(w);
}

int
watch_add(struct watch *w, const char *path, struct df_error *err)
{
	struct wpath *wp;
	const char *slash;

	if (path == NULL || path[0] != '/' || path[strlen(path) - 1] == '/')
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "watch: '%s' is not an absolute file path",
		                    path ? path : "(null)");
	wp = find_path(w, path);
	if (wp != NULL) {
		wp->refs++;
		if (wp->at_parent && is_file(wp->path))
			queue_due(w, wp->path);
		return 0;
	}
	wp = xcalloc(1, sizeof(*wp));
	wp->path = xstrdup(path);
	slash = strrchr(path, '/');
	wp->dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
	wp->base = xstrdup(slash + 1);
	wp->refs = 1;
	wp->wd = -1;
	if (attach(w, wp, err) != 0) {
		wpath_free(wp);
		return -1;
	}
	w->p = xreallocarray(w->p, w->np + 1, sizeof(*w->p));
	w->p[w->np++] = wp;
	return 0;
}

void
watch_remove(struct watch *w, const char *path)
{
	for (size_t i = 0; path && i < w->np; i++) {
		struct wpath *wp = w->p[i];

		if (strcmp(wp->path, path) != 0)
			continue;
		if (--wp->refs > 0)
			return;
		detach(w, wp, true);
		w->p[i] = w->p[--w->np];
		wpath_free(wp);
		return;
	}
}

int
watch_refs(const struct watch *w, const char *path)
{
	const struct wpath *wp = find_path(w, path);

	return wp ? wp->refs : 0;
}

/* Re-hang every path on wd (its directory vanished, moved, or a directory appeared below). */
static void
reattach_on(struct watch *w, int wd, bool rm)
{
	bool first = true;

	for (size_t i = 0; i < w->np; i++) {
		struct wpath *wp = w->p[i];

		if (wp->wd != wd)
			continue;
		if (first && !rm) {
			dir_forget(w, wd);
			first = false;
		}
		if (!rm)
			wp->wd = -1;
		detach(w, wp, rm);
		if (attach(w, wp, NULL) != 0)
			wp->wd = -1; /* nothing on the way can be watched: wait for a re-add */
	}
}

static void
on_readable(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct watch *w = arg;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;

	(void)loop;
	(void)events;
	while ((len = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				/* Events were lost: look at everything again. */
				for (size_t i = 0; i < w->np; i++)
					if (w->p[i]->at_parent && is_file(w->p[i]->path))
						queue_due(w, w->p[i]->path);
				continue;
			}
			if (ev->mask & (IN_IGNORED | IN_MOVE_SELF | IN_DELETE_SELF)) {
				/* IN_IGNORED: the kernel dropped the watch; otherwise drop it
				 * ourselves. */
				if (ev->mask & IN_IGNORED)
					reattach_on(w, ev->wd, false);
				else
					reattach_on(w, ev->wd, true);
				continue;
			}
			if (ev->len == 0)
				continue;
			for (size_t i = 0; i < w->np; i++) {
				struct wpath *wp = w->p[i];

				if (wp->wd != ev->wd)
					continue;
				if (wp->at_parent && !(ev->mask & IN_ISDIR) &&
				    (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) &&
				    strcmp(ev->name, wp->base) == 0)
					queue_due(w, wp->path);
				else if (!wp->at_parent && (ev->mask & IN_ISDIR) &&
				         (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
					detach(w, wp, true);
					if (attach(w, wp, NULL) != 0)
						wp->wd = -1;
				}
			}
		}
	}
}
