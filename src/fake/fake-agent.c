/*
 * devflow-fake-agent: a stand-in for an agent CLI (Claude Code, Codex, …)
 * that behaves like one in a terminal, so tests and the demo exercise the
 * same screen detection, prompt delivery and artifact watching as real
 * agents do, without network or API keys. It draws a banner and a "> "
 * prompt, takes bracketed pastes, shows a spinner and progress lines while it
 * "works", and writes the artifact the instructions ask for — or, per
 * scenario (docs/fake-agent.md), an invalid one, garbage, nothing, a question
 * or a crash. The logic lives in src/fake/fake.c; this file is the terminal.
 *
 * Unlike the rest of src/ this is a program: it prints. It links no curses.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/spawn.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"
#include "fake.h"

/* Colours: 16-colour SGR, 256-colour SGR and one RGB for the banner. */
#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"
#define C_SPIN "\033[38;5;208m"
#define C_BULLET "\033[38;5;75m"
#define C_BRAND "\033[38;2;217;119;87m"
#define ERASE_LINE "\r\033[2K"

#define NOTES_FILE "NOTES.md"
#define SPIN_FRAME_MS 80
#define SILENT_STEPS 8
#define CHATTY_LINES 5000
#define CHATTY_WORD_LINE 1234
#define HISTORY_LINES 1000

static struct termios saved_tio;
static int tio_saved;
static int paste_mode_on;
static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t got_winch;
static long step_ms = 150;
static int cols = 80;
static int rows = 24;
static int winch_pipe[2] = { -1, -1 }; /* the handler's wake-up for poll */
static int64_t work_start_ms;
static unsigned spin_frame;

/* Bytes read from the terminal but not yet consumed. */
static unsigned char inq[4096];
static size_t inq_len, inq_pos;

/*
 * What the screen shows below the banner, for the repaint after a resize: the
 * last HISTORY_LINES finished lines (with their SGR sequences) in a ring, and
 * the line being drawn (the prompt, a spinner, a question). Everything written
 * through out_n() while recording is on is followed: "\r" starts the current
 * line again, ERASE_LINE's erase is dropped, "\n" finishes the line.
 */
static char *hist[HISTORY_LINES];
static size_t hist_first, hist_n;
static struct buf cur_line = BUF_INIT;
static int recording;

static void
hist_push(void)
{
	char *line = cur_line.data != NULL ? buf_detach(&cur_line) : xstrdup("");

	if (hist_n == HISTORY_LINES) {
		free(hist[hist_first]);
		hist[hist_first] = line;
		hist_first = (hist_first + 1) % HISTORY_LINES;
	} else {
		hist[(hist_first + hist_n++) % HISTORY_LINES] = line;
	}
	buf_reset(&cur_line);
}

static void
hist_free(void)
{
	for (size_t i = 0; i < hist_n; i++)
		free(hist[(hist_first + i) % HISTORY_LINES]);
	hist_n = hist_first = 0;
	buf_free(&cur_line);
}

static void
track(const char *s, size_t n)
{
	static const char erase[] = "\033[2K";

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r') {
			buf_reset(&cur_line);
		} else if (s[i] == '\n') {
			hist_push();
		} else if (s[i] == '\033' && n - i >= sizeof erase - 1 &&
		           memcmp(s + i, erase, sizeof erase - 1) == 0) {
			i += sizeof erase - 2;
		} else {
			buf_putc(&cur_line, s[i]);
		}
	}
}

/* --- output ---------------------------------------------------------------- */

static void
out_n(const char *s, size_t n)
{
	if (recording)
		track(s, n);
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return; /* the terminal is gone; nothing useful to do */
		}
		s += w;
		n -= (size_t)w;
	}
}

static void
out(const char *s)
{
	out_n(s, strlen(s));
}

static void __attribute__((format(printf, 1, 2))) outf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	out(s);
	free(s);
}

/* The tail of s that fits in width columns, on a code point boundary. */
static const char *
tail_fitting(const char *s, size_t width)
{
	size_t w = utf8_count(s);

	while (w > width && *s != '\0') {
		s++;
		while (((unsigned char)*s & 0xC0) == 0x80)
			s++;
		w--;
	}
	return s;
}

/* Visible width of one line of output: SGR and other CSI sequences take none. */
static size_t
visible_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\033' && s[1] == '[') {
			s += 2;
			while (*s != '\0' &&
			       !((unsigned char)*s >= 0x40 && (unsigned char)*s <= 0x7E))
				s++;
			if (*s == '\0')
				break;
			continue;
		}
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	}
	return w;
}

/* Screen rows one line takes at the current width, the terminal wrapping it. */
static int
line_rows(const char *s)
{
	size_t w = visible_width(s);

	return w == 0 ? 1 : (int)((w + (size_t)cols - 1) / (size_t)cols);
}

/* One finished line of progress, replacing whatever the spinner drew. */
static void __attribute__((format(printf, 2, 3))) say(const char *style, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	outf(ERASE_LINE "%s%s" C_RESET "\n", style, s);
	free(s);
}

/* --- terminal -------------------------------------------------------------- */

static void
update_size(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
		if (ws.ws_col >= 20)
			cols = ws.ws_col;
		if (ws.ws_row >= 3)
			rows = ws.ws_row;
	}
}

static void
term_restore(void)
{
	if (paste_mode_on) {
		out("\033[?2004l" C_RESET);
		paste_mode_on = 0;
	}
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio);
		tio_saved = 0;
	}
}

static void
term_setup(void)
{
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
		struct termios raw = saved_tio;
		/* Raw input, but keep output processing so "\n" still returns the carriage. */
		raw.c_iflag &= ~(tcflag_t)(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
		raw.c_lflag &= ~(tcflag_t)(ECHO | ICANON | IEXTEN | ISIG);
		raw.c_cflag |= CS8;
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
			tio_saved = 1;
	}
	if (isatty(STDOUT_FILENO)) {
		out("\033[?2004h");
		paste_mode_on = 1;
		update_size();
	}
}

static void
on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGWINCH)
		got_winch = 1;
	else
		got_signal = sig;
	if (winch_pipe[1] >= 0) {
		ssize_t w =
		    write(winch_pipe[1], "", 1); /* wakes poll(); full pipe: already awake */
		(void)w;
	}
	errno = saved;
}

static void repaint(void);

/* Leave the terminal as it was and exit with status code. */
static void __attribute__((noreturn)) quit(int code)
{
	term_restore();
	hist_free();
	exit(code);
}

/* After SIGTERM, SIGINT or SIGHUP: restore the terminal, then die of the signal. */
static void
check_signal(void)
{
	int sig = got_signal;

	if (got_winch) {
		got_winch = 0;
		update_size();
		if (recording)
			repaint();
	}
	if (sig == 0)
		return;
	out(ERASE_LINE);
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

static void
install_signals(void)
{
	struct sigaction sa;

	if (pipe(winch_pipe) == 0) {
		for (int i = 0; i < 2; i++) {
			fcntl(winch_pipe[i], F_SETFL, fcntl(winch_pipe[i], F_GETFL) | O_NONBLOCK);
			fcntl(winch_pipe[i], F_SETFD, FD_CLOEXEC);
		}
	} else {
		winch_pipe[0] = winch_pipe[1] = -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * The next input byte, waiting at most timeout_ms (-1: forever). Returns the
 * byte, -1 on timeout, -2 at end of input.
 */
static int
read_byte(int timeout_ms)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
			               { .fd = winch_pipe[0], .events = POLLIN } };
		ssize_t n;
		int r;

		check_signal();
		if (inq_pos < inq_len)
			return inq[inq_pos++];
		r = poll(p, winch_pipe[0] >= 0 ? 2 : 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return -1;
		if (winch_pipe[0] >= 0 && (p[1].revents & POLLIN)) {
			char drain[64];
			while (read(winch_pipe[0], drain, sizeof drain) > 0)
				;
			if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
				continue; /* a signal, handled at the top of the loop */
		}
		n = read(STDIN_FILENO, inq, sizeof inq);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return -2;
		inq_len = (size_t)n;
		inq_pos = 0;
	}
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		check_signal();
	check_signal();
}

static double
elapsed_s(void)
{
	return (double)(clock_mono_ms() - work_start_ms) / 1e3;
}

/* One step of work: the spinner, redrawn in place, for DEVFLOW_FAKE_STEP_MS. */
static void
spin(const char *label)
{
	static const char *const frames[] = { "⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏" };
	long left = step_ms;

	do {
		long slice = left < SPIN_FRAME_MS ? left : SPIN_FRAME_MS;
		outf(ERASE_LINE C_SPIN "%s" C_RESET " %s… " C_DIM "(%ds)" C_RESET,
		     frames[spin_frame++ % 10], label, (int)elapsed_s());
		if (slice > 0)
			sleep_ms(slice);
		left -= slice;
	} while (left > 0);
}

/* --- the prompt ------------------------------------------------------------ */

/* Where one paste sits in the input, so Backspace removes it as a unit. */
struct paste_mark {
	size_t text_at, text_end, shown_at;
};

struct input {
	struct buf text;           /* what Enter submits */
	struct buf shown;          /* what the prompt line shows */
	struct paste_mark *pastes; /* each paste in the input, in order */
	size_t n_pastes;
	int in_paste;
	struct buf paste;
	int esc_state; /* 0 none, 1 after ESC, 2 in CSI, 3 after ESC O */
	char csi[16];
	size_t csi_len;
	int ctrl_c; /* the previous key was Ctrl-C */
};

static void
prompt_draw(const struct input *in)
{
	size_t room = (size_t)cols > 40 ? (size_t)cols - 3 : 37;
	const char *shown = in->shown.data != NULL ? in->shown.data : "";

	outf(ERASE_LINE C_BOLD C_CYAN ">" C_RESET " %s", tail_fitting(shown, room));
	if (in->ctrl_c)
		out(C_DIM " (press Ctrl-C again to exit)" C_RESET);
}

static void
input_clear(struct input *in)
{
	buf_reset(&in->text);
	buf_reset(&in->shown);
	in->n_pastes = 0;
}

static void
input_free(struct input *in)
{
	buf_free(&in->text);
	buf_free(&in->shown);
	buf_free(&in->paste);
	free(in->pastes);
}

static void
truncate_buf(struct buf *b, size_t len)
{
	if (b->data != NULL && len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

static void
backspace(struct input *in)
{
	if (in->n_pastes > 0 && in->pastes[in->n_pastes - 1].text_end == in->text.len) {
		/* a paste is one unit, as in real agent CLIs */
		const struct paste_mark *m = &in->pastes[--in->n_pastes];
		truncate_buf(&in->text, m->text_at);
		truncate_buf(&in->shown, m->shown_at);
		return;
	}
	if (in->text.len == 0)
		return;
	size_t t = in->text.len, s = in->shown.len;
	do
		t--;
	while (t > 0 && ((unsigned char)in->text.data[t] & 0xC0) == 0x80);
	do
		s--;
	while (s > 0 && ((unsigned char)in->shown.data[s] & 0xC0) == 0x80);
	truncate_buf(&in->text, t);
	truncate_buf(&in->shown, in->shown.len > 0 ? s : 0);
}

static void
paste_end(struct input *in)
{
	size_t nl = 0;
	const char *p = in->paste.data != NULL ? in->paste.data : "";
	size_t len = in->paste.len;
	struct paste_mark m = { .text_at = in->text.len, .shown_at = in->shown.len };

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\033')
			continue; /* a stray ESC in a paste is noise, never a command */
		buf_putc(&in->text, p[i]);
		if (p[i] == '\n' || (p[i] == '\r' && !(i + 1 < len && p[i + 1] == '\n')))
			nl++;
	}
	if (nl > 0) {
		size_t lines = nl + (len > 0 && p[len - 1] != '\n' && p[len - 1] != '\r');
		buf_printf(&in->shown, "[pasted %zu line%s]", lines, lines == 1 ? "" : "s");
	} else {
		for (size_t i = 0; i < len; i++)
			buf_putc(&in->shown, (unsigned char)p[i] < 0x20 ? ' ' : p[i]);
	}
	m.text_end = in->text.len;
	if (m.text_end > m.text_at) {
		in->pastes = xreallocarray(in->pastes, in->n_pastes + 1, sizeof *in->pastes);
		in->pastes[in->n_pastes++] = m;
	}
	buf_reset(&in->paste);
	in->in_paste = 0;
}

enum key_result { KEY_NONE, KEY_SUBMIT, KEY_EXIT };

static enum key_result
feed(struct input *in, unsigned char c)
{
	static const char paste_end_seq[] = "\033[201~";
	const size_t end_len = sizeof paste_end_seq - 1;

	if (in->in_paste) {
		buf_putc(&in->paste, (char)c);
		if (in->paste.len >= end_len &&
		    memcmp(in->paste.data + in->paste.len - end_len, paste_end_seq, end_len) == 0) {
			truncate_buf(&in->paste, in->paste.len - end_len);
			paste_end(in);
			prompt_draw(in);
		}
		return KEY_NONE;
	}
	switch (in->esc_state) {
	case 1:
		in->esc_state = c == '[' ? 2 : c == 'O' ? 3 : 0;
		in->csi_len = 0;
		return KEY_NONE;
	case 2:
		if (c >= 0x40 && c <= 0x7E) {
			in->csi[in->csi_len] = '\0';
			in->esc_state = 0;
			if (c == '~' && strcmp(in->csi, "200") == 0) {
				in->in_paste = 1;
				buf_reset(&in->paste);
			}
		} else if (in->csi_len + 1 < sizeof in->csi) {
			in->csi[in->csi_len++] = (char)c;
		}
		return KEY_NONE; /* other keys (arrows, …) do nothing here */
	case 3:
		in->esc_state = 0;
		return KEY_NONE;
	default:
		break;
	}
	if (c == 0x03) {
		if (in->ctrl_c)
			return KEY_EXIT;
		in->ctrl_c = 1;
		input_clear(in);
		prompt_draw(in);
		return KEY_NONE;
	}
	if (in->ctrl_c) {
		in->ctrl_c = 0;
		prompt_draw(in);
	}
	switch (c) {
	case 0x1b:
		in->esc_state = 1;
		return KEY_NONE;
	case 0x04:
		return in->text.len == 0 ? KEY_EXIT : KEY_NONE;
	case '\r':
	case '\n':
		return KEY_SUBMIT;
	case 0x7f:
	case 0x08:
		backspace(in);
		break;
	case 0x15: /* Ctrl-U */
		input_clear(in);
		break;
	case '\t':
		buf_putc(&in->text, ' ');
		buf_putc(&in->shown, ' ');
		break;
	default:
		if (c < 0x20)
			return KEY_NONE;
		buf_putc(&in->text, (char)c);
		buf_putc(&in->shown, (char)c);
		break;
	}
	prompt_draw(in);
	return KEY_NONE;
}

/* --- the work -------------------------------------------------------------- */

static int
mkdir_parents(const char *path)
{
	char *p = xstrdup(path);

	for (char *s = strchr(p + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	return 0;
}

/* Write text to path through a temporary file in the same directory, so no
 * watcher ever sees half of it. Returns 0, or -1 with errno set. */
static int
write_atomically(const char *path, const char *text)
{
	const char *slash = strrchr(path, '/');
	char *tmp = slash != NULL ? xasprintf("%.*s/.%s.tmp-%ld", (int)(slash - path), path,
	                                      slash + 1, (long)getpid())
	                          : xasprintf(".%s.tmp-%ld", path, (long)getpid());
	size_t len = strlen(text), done = 0;
	int fd, saved;

	if (mkdir_parents(path) < 0)
		goto fail_nofd;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail_nofd;
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		done += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		fd = -1;
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
fail_nofd:
	free(tmp);
	return -1;
}

/* The agent's "real change": one line appended to NOTES.md. */
static int
append_note(const struct fake_instr *in)
{
	char *line = xasprintf("- %s: %s (edited by devflow-fake-agent)\n",
	                       in->phase_key != NULL ? in->phase_key : "phase",
	                       in->phase_title != NULL ? in->phase_title : "work");
	int fd = open(NOTES_FILE, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644), rc = -1;

	if (fd >= 0) {
		size_t len = strlen(line);
		rc = write(fd, line, len) == (ssize_t)len ? 0 : -1;
		if (close(fd) < 0)
			rc = -1;
	}
	free(line);
	return rc;
}

/* Print each line of notes as a progress bullet. */
static void
say_notes(const struct buf *notes)
{
	const char *p = notes->data;

	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		int n = nl != NULL ? (int)(nl - p) : (int)strlen(p);
		say("", C_BULLET "●" C_RESET " Schema: %.*s", n, p);
		p = nl != NULL ? nl + 1 : p + n;
	}
}

/*
 * Ask the question of the "ask" scenario. Returns 1 for yes, 0 for no, -1
 * when the user interrupted with Ctrl-C.
 */
static int
ask_yes_no(void)
{
	out(ERASE_LINE C_YELLOW C_BOLD "?" C_RESET C_BOLD " Run the test suite? (y/n) " C_RESET);
	for (;;) {
		int c = read_byte(-1);
		if (c == -2)
			quit(0);
		if (c == 'y' || c == 'Y' || c == 'n' || c == 'N') {
			outf("%c\n", c);
			return c == 'y' || c == 'Y';
		}
		if (c == 0x03) {
			out("^C\n");
			return -1;
		}
	}
}

/* The permission dialog of the "permission" scenario, drawn as Claude Code draws its own. */
static const char *const permission_lines[] = {
	" Do you want to proceed?",
	" " C_CYAN "❯" C_RESET " 1. Yes",
	"   2. Yes, and don't ask again for make commands",
	"   3. No",
	C_DIM " Esc to cancel" C_RESET,
};
#define PERMISSION_LINES (sizeof permission_lines / sizeof permission_lines[0])

/* Take the last n finished lines off the history and the screen (an answered dialog). */
static void
hist_erase(size_t n)
{
	int up = 0;

	for (; n > 0 && hist_n > 0; n--) {
		size_t last = (hist_first + hist_n - 1) % HISTORY_LINES;

		up += line_rows(hist[last]);
		free(hist[last]);
		hist_n--;
	}
	if (up > 0)
		outf("\033[%dA", up);
	out("\r\033[J");
	buf_reset(&cur_line); /* the cursor moves are no text */
}

/*
 * Ask the question of the "permission" scenario like Claude Code's
 * permission dialog: a tool call, "Do you want to proceed?" and numbered
 * choices under a ❯ cursor. 1, 2 or 3 choose, Enter takes the highlighted
 * one (1), Esc is No; other keys (an arrow's escape sequence too) are
 * ignored. Once answered the dialog is erased, as Claude Code erases its
 * own. Returns the choice, 1 to 3, or -1 when the user interrupted.
 */
static int
ask_permission(void)
{
	int choice = 0;

	say("", C_BULLET "●" C_RESET " Bash(make test)");
	for (size_t i = 0; i < PERMISSION_LINES; i++)
		say("", "%s", permission_lines[i]);
	while (choice == 0) {
		int c = read_byte(-1);

		if (c == -2)
			quit(0);
		if (c >= '1' && c <= '3')
			choice = c - '0';
		else if (c == '\r' || c == '\n')
			choice = 1;
		else if (c == 0x03)
			choice = -1;
		else if (c == 0x1b) {
			int k = read_byte(50);

			if (k < 0) {
				choice = 3;
			} else if (k == '[' || k == 'O') {
				/* A function key: skip its sequence to the final byte. */
				while ((k = read_byte(50)) >= 0 && !(k >= 0x40 && k <= 0x7e))
					;
			}
		}
	}
	hist_erase(PERMISSION_LINES);
	return choice;
}

/*
 * The question of the "ask" or "permission" scenario, asked and acted on.
 * Returns 0, or -1 when the user interrupted (nothing is to be written).
 */
static int
ask_question(int scenario)
{
	int yes, choice;

	if (scenario == FAKE_S_ASK) {
		if ((yes = ask_yes_no()) < 0)
			return -1;
		if (yes) {
			spin("Running the test suite");
			say("",
			    C_BULLET "●" C_RESET " Running the test suite: no tests to run here");
		} else {
			say("", C_BULLET "●" C_RESET " Skipping the test suite");
		}
		return 0;
	}
	if ((choice = ask_permission()) < 0)
		return -1;
	if (choice == 3) {
		say("", C_BULLET "●" C_RESET " Not running make test (you said no)");
	} else {
		spin("Running make test");
		say("", C_BULLET "●" C_RESET " Ran make test%s: no tests to run here",
		    choice == 2 ? " (allowed from now on)" : "");
	}
	return 0;
}

static void
say_first_line(const char *label, const char *text)
{
	const char *nl = strchr(text, '\n');
	int n = nl != NULL ? (int)(nl - text) : (int)strlen(text);
	int room = cols - (int)utf8_count(label) - 8;

	if (room < 10)
		room = 10;
	if (n > room)
		say("", C_BULLET "●" C_RESET " %s \"%.*s…\"", label, room, text);
	else
		say("", C_BULLET "●" C_RESET " %s \"%.*s%s\"", label, n, text,
		    nl != NULL ? "…" : "");
}

/* The chatty scenario's long output, to scroll back through (history mode, capture -S/-E). */
static void
say_chatty(void)
{
	for (int i = 1; i <= CHATTY_LINES; i++)
		say("", C_BULLET "●" C_RESET " output line %04d of %d%s", i, CHATTY_LINES,
		    i == CHATTY_WORD_LINE ? " — pineapple" : "");
}

/*
 * fix-on-check, on a check repair: each file the failing checks' output
 * names ("devflow-fake-fix: PATH") gets "fixed", what those checks look for.
 */
static void
fix_for_checks(const struct fake_instr *in)
{
	say(C_YELLOW, "● Check repair: %d check%s failed", in->n_check_failures,
	    in->n_check_failures == 1 ? "" : "s");
	for (int i = 0; i < in->n_fix_paths; i++) {
		spin("Fixing");
		if (write_atomically(in->fix_paths[i], "fixed\n") < 0)
			say(C_RED, "✗ Could not fix %s: %s", in->fix_paths[i], strerror(errno));
		else
			say("", C_BULLET "●" C_RESET " Fixed %s", in->fix_paths[i]);
	}
}

/* How long one git command of merge-base may take, and how much of its output is kept. */
#define GIT_TIMEOUT_MS (60 * 1000)
#define GIT_OUTPUT_MAX 65536
/* The most conflicted files merge-base resolves. */
#define MERGE_FILES_MAX 64

/*
 * git with argv (NULL-terminated, "git" first) in the working directory,
 * an identity of the fake agent's own where git has none (tests run with
 * an empty HOME), and no editor. Returns the exit status (-1: it did not
 * run); its output in *output when not NULL (the caller frees).
 */
static int
git(const char *const *argv, char **output)
{
	static const char *const env[] = { "GIT_EDITOR=true",
		                           "GIT_TERMINAL_PROMPT=0",
		                           "GIT_AUTHOR_NAME=devflow fake agent",
		                           "GIT_AUTHOR_EMAIL=fake-agent@devflow.invalid",
		                           "GIT_COMMITTER_NAME=devflow fake agent",
		                           "GIT_COMMITTER_EMAIL=fake-agent@devflow.invalid",
		                           NULL };
	static const char *const quiet[] = { "GIT_EDITOR=true", "GIT_TERMINAL_PROMPT=0", NULL };
	static int has_identity = -1;
	struct spawn_opts o = { .argv = argv,
		                .timeout_ms = GIT_TIMEOUT_MS,
		                .max_output = GIT_OUTPUT_MAX };
	struct spawn_result r = { 0 };
	struct df_error err;

	if (has_identity < 0) {
		const char *const q[] = { "git", "config", "user.email", NULL };
		struct spawn_opts qo = { .argv = q,
			                 .timeout_ms = GIT_TIMEOUT_MS,
			                 .max_output = 1024 };

		has_identity = spawn_run(&qo, &r, &err) == 0 && r.status == 0;
		free(r.output);
	}
	o.env = has_identity ? quiet : env;
	if (spawn_run(&o, &r, &err) != 0) {
		say(C_RED, "✗ %s", err.message);
		return -1;
	}
	if (output != NULL)
		*output = r.output;
	else
		free(r.output);
	return r.status;
}

/*
 * merge-base: merge the ref the instructions name (`git merge REF`) into the
 * working directory's branch; resolve each conflicted file by keeping both
 * sides' lines, add it and commit the merge. Returns the artifact text (the
 * caller frees), or NULL when there is nothing to merge.
 */
static char *
merge_base(const struct fake_instr *in)
{
	const char *const merge[] = { "git", "merge", "--no-edit", in->merge_ref, NULL };
	const char *const unmerged[] = { "git", "diff", "--name-only", "--diff-filter=U", NULL };
	const char *const commit[] = { "git", "commit", "--no-edit", NULL };
	struct fake_cmd cmds[3 + MERGE_FILES_MAX];
	const char *adds[MERGE_FILES_MAX][5];
	char *files[MERGE_FILES_MAX], *list = NULL, *p, *artifact;
	int nfiles = 0, ncmds = 0, st;

	if (in->merge_ref == NULL) {
		say(C_RED, "✗ The instructions name no base to merge (`git merge BASE`)");
		return NULL;
	}
	spin("Merging");
	st = git(merge, NULL);
	cmds[ncmds++] = (struct fake_cmd){ "git", merge, st };
	say("", C_BULLET "●" C_RESET " git merge %s: %s", in->merge_ref,
	    st == 0 ? "merged without conflicts" : "conflicts");
	if (st != 0 && git(unmerged, &list) == 0) {
		for (p = strtok(list, "\n"); p != NULL && nfiles < MERGE_FILES_MAX;
		     p = strtok(NULL, "\n")) {
			char *text = buf_file_text(p, 0), *fixed;
			int blocks = 0;

			if (text == NULL) {
				say(C_RED, "✗ Could not read %s: %s", p, strerror(errno));
				continue;
			}
			fixed = fake_resolve_conflicts(text, &blocks);
			if (write_atomically(p, fixed) < 0)
				say(C_RED, "✗ Could not write %s: %s", p, strerror(errno));
			free(text);
			free(fixed);
			files[nfiles] = p;
			adds[nfiles][0] = "git", adds[nfiles][1] = "add", adds[nfiles][2] = "--";
			adds[nfiles][3] = p, adds[nfiles][4] = NULL;
			cmds[ncmds++] =
			    (struct fake_cmd){ "git", adds[nfiles], git(adds[nfiles], NULL) };
			say("",
			    C_BULLET "●" C_RESET " Resolved %s (%d conflict%s, both sides kept)", p,
			    blocks, blocks == 1 ? "" : "s");
			nfiles++;
		}
		st = git(commit, NULL);
		cmds[ncmds++] = (struct fake_cmd){ "git", commit, st };
		say(st == 0 ? "" : C_RED, "%s git commit: %s", st == 0 ? "●" : "✗",
		    st == 0 ? "committed the merge" : "failed");
	}
	artifact = fake_merge_artifact(in, files, nfiles, cmds, ncmds);
	free(list);
	return artifact;
}

static void
run_instructions(const char *text)
{
	struct fake_instr in;
	struct df_error err;
	const char *source = NULL;
	char *name = NULL, *artifact = NULL;
	struct buf notes = BUF_INIT;
	int scenario, valid, changed = 0;
	int is_change;

	work_start_ms = clock_mono_ms();
	if (fake_instr_parse(text, &in, &err) < 0) {
		say(C_RED, "✗ %s", err.message);
		say(C_DIM, "  (see docs/instructions.md for the instruction format)");
		goto done;
	}
	name = fake_scenario_pick(&in, getenv("DEVFLOW_FAKE_SCENARIOS"),
	                          getenv("DEVFLOW_FAKE_SCENARIO"), &source);
	scenario = fake_scenario_lookup(name);
	if (scenario < 0) {
		say(C_RED, "✗ Unknown scenario '%s' (from %s)", name, source);
		say(C_DIM, "  Valid scenarios: %s.", fake_scenario_list());
		goto done;
	}
	say(C_BOLD,
	    C_BULLET "●" C_RESET C_BOLD " Phase %s — %s" C_RESET C_DIM " (scenario %s, from %s)",
	    in.phase_key != NULL ? in.phase_key : "?",
	    in.phase_title != NULL ? in.phase_title : "?", name, source);

	spin("Reading instructions");
	say("", C_BULLET "●" C_RESET " Reading instructions (%d lines)", in.n_lines);
	if (in.repair)
		say(C_YELLOW, "● Repair attempt: %d validation error%s to fix",
		    in.n_validation_errors, in.n_validation_errors == 1 ? "" : "s");
	if (in.reviewer_comment != NULL)
		say_first_line("Reviewer comment:", in.reviewer_comment);
	spin("Reading the schema");
	say("", C_BULLET "●" C_RESET " Reading schema %s", in.schema_id);

	switch (scenario) {
	case FAKE_S_CRASH:
		spin("Thinking");
		say(C_RED C_BOLD, "✗ Fatal: the fake agent crashed on purpose (scenario crash)");
		free(name);
		fake_instr_free(&in);
		quit(3);
	case FAKE_S_SILENT:
		for (int i = 0; i < SILENT_STEPS; i++)
			spin("Thinking");
		out(ERASE_LINE);
		goto done;
	case FAKE_S_ASK:
	case FAKE_S_PERMISSION:
		if (ask_question(scenario) < 0) {
			say(C_DIM, "  Interrupted; nothing written.");
			goto done;
		}
		break;
	case FAKE_S_CHATTY:
		say_chatty();
		break;
	case FAKE_S_GARBAGE:
		spin("Writing");
		artifact = fake_garbage(&in);
		say("", C_BULLET "●" C_RESET " Writing %s", in.artifact_path);
		goto write;
	case FAKE_S_MERGE_BASE:
		if ((artifact = merge_base(&in)) == NULL)
			goto done;
		goto write;
	default:
		break;
	}

	valid = fake_scenario_valid((enum fake_scenario)scenario, &in);
	/* changes-then-approve: the first review asks for changes, later ones approve. */
	in.request_changes = scenario == FAKE_S_CHANGES_THEN_APPROVE && in.attempt <= 1;
	if (scenario == FAKE_S_FIX_ON_CHECK && in.check_repair)
		fix_for_checks(&in);
	is_change = strcmp(in.schema_id, "dev/change-summary@1") == 0;
	if (is_change) {
		spin("Editing " NOTES_FILE);
		if (append_note(&in) == 0) {
			changed = 1;
			say("", C_BULLET "●" C_RESET " Editing " NOTES_FILE " (+1 line)");
		} else {
			say(C_RED, "✗ Could not edit " NOTES_FILE ": %s", strerror(errno));
		}
	}
	spin("Writing");
	{
		static const char *const edit_cmd[] = { "append-line", NOTES_FILE, NULL };
		artifact = fake_artifact(&in, valid, changed ? NOTES_FILE : NULL,
		                         changed ? edit_cmd : NULL, &notes, &err);
	}
	if (artifact == NULL) {
		say(C_RED, "✗ %s", err.message);
		goto done;
	}
	say_notes(&notes);
	say("", C_BULLET "●" C_RESET " Writing %s", in.artifact_path);
write:
	if (write_atomically(in.artifact_path, artifact) < 0) {
		say(C_RED, "✗ Could not write %s: %s", in.artifact_path, strerror(errno));
		goto done;
	}
	say(C_GREEN C_BOLD, "✓ Wrote %s", in.artifact_path);
	if (!fake_scenario_valid(scenario, &in))
		say(C_DIM, "  (scenario %s: this artifact is %s on purpose)", name,
		    scenario == FAKE_S_GARBAGE ? "not JSON" : "invalid");
	say(C_DIM, "  Done in %.1fs", elapsed_s());
done:
	out(ERASE_LINE "\n");
	buf_free(&notes);
	free(artifact);
	free(name);
	fake_instr_free(&in);
}

/* The head of s that fits in width columns, ending in "…" when cut. */
static char *
head_fitting(const char *s, size_t width)
{
	const char *p = s;

	if (utf8_count(s) <= width)
		return xstrdup(s);
	for (size_t w = 0; *p != '\0' && w + 1 < width; w++) {
		p++;
		while (((unsigned char)*p & 0xC0) == 0x80)
			p++;
	}
	return xasprintf("%.*s…", (int)(p - s), s);
}

/*
 * The banner: a box with the name, version and working directory, as wide as
 * the terminal allows up to 60 columns, then the key hint. Returns the screen
 * rows it took.
 */
static int
banner(void)
{
	const int W = cols - 2 < 58 ? cols - 2 : 58;
	char cwd[4096];
	char *lines[3], *name, *tag;
	const char *where = getcwd(cwd, sizeof cwd) != NULL ? cwd : "?";
	char *rule = NULL, *text;
	struct buf r = BUF_INIT, b = BUF_INIT;
	int n_rows = 0;

	for (int i = 0; i < W; i++)
		buf_puts(&r, "─");
	rule = buf_detach(&r);
	text = xasprintf("✻ devflow fake agent  v%s", PACKAGE_VERSION);
	name = head_fitting(text, (size_t)W - 1);
	free(text);
	if (strlen(name) > strlen("✻ devflow fake agent") &&
	    strncmp(name, "✻ devflow fake agent  ", strlen("✻ devflow fake agent  ")) == 0)
		lines[0] = xasprintf(C_BOLD "✻ devflow fake agent" C_RESET C_DIM "%s" C_RESET,
		                     name + strlen("✻ devflow fake agent"));
	else
		lines[0] = xasprintf(C_BOLD "%s" C_RESET, name);
	free(name);
	tag = head_fitting("A scripted agent CLI for devflow's tests and demo.", (size_t)W - 1);
	lines[1] = tag;
	/* A path too long for the box keeps its end, marked as cut with "…". */
	if (utf8_count(where) > (size_t)W - 7)
		lines[2] = xasprintf(C_DIM "cwd: …%s" C_RESET, tail_fitting(where, (size_t)W - 8));
	else
		lines[2] = xasprintf(C_DIM "cwd: %s" C_RESET, where);
	buf_printf(&b, C_BRAND "╭%s╮" C_RESET "\n", rule);
	for (int i = 0; i < 3; i++) {
		/* pad by the visible width */
		size_t w = visible_width(lines[i]);
		buf_printf(&b, C_BRAND "│" C_RESET " %s%*s" C_BRAND "│" C_RESET "\n", lines[i],
		           (int)((size_t)W - 1 - (w < (size_t)W - 1 ? w : (size_t)W - 1)), "");
		free(lines[i]);
	}
	buf_printf(&b, C_BRAND "╰%s╯" C_RESET "\n", rule);
	free(rule);
	buf_puts(&b, C_DIM "  Paste phase instructions and press Enter. Ctrl-C twice or Ctrl-D "
	                   "quits." C_RESET "\n\n");
	for (const char *p = b.data; p != NULL && *p != '\0';) {
		const char *nl = strchr(p, '\n');
		char *one = xasprintf("%.*s", (int)(nl - p), p);
		n_rows += line_rows(one);
		free(one);
		p = nl + 1;
	}
	out(b.data);
	buf_free(&b);
	return n_rows;
}

/*
 * After a resize: clear the screen and draw it again for the new size — the
 * banner, the tail of the history that fits above the line being drawn, and
 * that line. Lines wider than the screen are left to the terminal to wrap.
 */
static void
repaint(void)
{
	int room, used = 0;
	size_t from = hist_n;
	const char *now = cur_line.data != NULL ? cur_line.data : "";

	recording = 0;
	out(C_RESET "\033[H\033[2J");
	room = rows - banner() - line_rows(now);
	while (from > 0) {
		int r = line_rows(hist[(hist_first + from - 1) % HISTORY_LINES]);
		if (used + r > room)
			break;
		used += r;
		from--;
	}
	for (size_t i = from; i < hist_n; i++) {
		out(hist[(hist_first + i) % HISTORY_LINES]);
		out("\n");
	}
	out(now);
	recording = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: devflow-fake-agent [--] [INSTRUCTIONS]\n"
	        "       devflow-fake-agent --help | --version\n\n"
	        "A fake agent CLI for devflow's tests and demo. It shows a prompt, reads phase\n"
	        "instructions (docs/instructions.md) pasted into it, and writes the artifact\n"
	        "they ask for, as the chosen scenario says. INSTRUCTIONS given as an argument\n"
	        "are carried out first, as if pasted (for backends with prompt mode argv).\n\n"
	        "scenario: the instructions' 'Scenario:' line, else DEVFLOW_FAKE_SCENARIOS\n"
	        "  (phasekey=scenario,...; '*' is the default), else DEVFLOW_FAKE_SCENARIO,\n"
	        "  else ok. Scenarios: %s.\n"
	        "DEVFLOW_FAKE_STEP_MS: milliseconds per step of work (default 150).\n\n"
	        "keys: Enter submits, Backspace edits, Ctrl-U clears, Ctrl-C twice or Ctrl-D on\n"
	        "an empty line quits; '/exit' quits too. Exit status 3 after scenario crash.\n",
	        fake_scenario_list());
}

static long
env_step_ms(void)
{
	const char *v = getenv("DEVFLOW_FAKE_STEP_MS");
	char *end;
	long ms;

	if (v == NULL || *v == '\0')
		return 150;
	ms = strtol(v, &end, 10);
	if (*end != '\0' || ms < 0)
		return 150;
	return ms > 60000 ? 60000 : ms;
}

int
main(int argc, char **argv)
{
	struct input in;
	const char *initial = NULL;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("devflow-fake-agent %s\n", PACKAGE_VERSION);
			return 0;
		}
		fprintf(stderr, "devflow-fake-agent: unknown option '%s'\n", argv[i]);
		usage(stderr);
		return 2;
	}
	if (i + 1 < argc) {
		fprintf(stderr, "devflow-fake-agent: one INSTRUCTIONS argument at most\n");
		usage(stderr);
		return 2;
	}
	if (i < argc)
		initial = argv[i];
	step_ms = env_step_ms();
	memset(&in, 0, sizeof in);
	install_signals();
	term_setup();
	banner();
	recording = isatty(STDOUT_FILENO);
	if (initial != NULL) {
		struct fake_instr probe;
		/* show what arrived, the way a paste would be shown */
		fake_instr_parse(initial, &probe, NULL);
		outf(C_BOLD C_CYAN ">" C_RESET " [instructions from the command line: %d lines]\n",
		     probe.n_lines);
		fake_instr_free(&probe);
		run_instructions(initial);
	}
	prompt_draw(&in);
	for (;;) {
		int c = read_byte(-1);
		enum key_result r;

		if (c == -2)
			break;
		r = feed(&in, (unsigned char)c);
		if (r == KEY_EXIT)
			break;
		if (r != KEY_SUBMIT)
			continue;
		out("\n");
		char *text = buf_detach(&in.text);
		input_clear(&in);
		const char *t = text + strspn(text, " \t");
		if (strncmp(t, "/exit", 5) == 0 || strncmp(t, "/quit", 5) == 0) {
			free(text);
			break;
		}
		if (strncmp(t, "/help", 5) == 0) {
			say(C_DIM,
			    "  Paste phase instructions (docs/instructions.md), then Enter.");
			say(C_DIM, "  Scenarios: %s.", fake_scenario_list());
			out("\n");
		} else if (*t != '\0') {
			run_instructions(text);
		}
		free(text);
		prompt_draw(&in);
	}
	out(ERASE_LINE C_DIM "Bye." C_RESET "\n");
	input_free(&in);
	quit(0);
}
