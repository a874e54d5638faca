/* Shell commands for the unit tests (shell.h). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "shell.h"

int
sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	assert_true(vasprintf(&cmd, fmt, ap) >= 0);
	va_end(ap);
	rc = system(cmd);
	free(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

char *
sh_vout(const char *fmt, va_list ap)
{
	char *cmd;
	struct buf b = BUF_INIT;
	FILE *p;

	assert_true(vasprintf(&cmd, fmt, ap) >= 0);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(buf_read_stream(&b, p, 0), 0);
	pclose(p);
	free(cmd);
	while (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	buf_putc(&b, '\0');
	return buf_detach(&b);
}

char *
sh_out(const char *fmt, ...)
{
	va_list ap;
	char *out;

	va_start(ap, fmt);
	out = sh_vout(fmt, ap);
	va_end(ap);
	return out;
}
