#!/bin/sh
# What `make install` puts in place, checked on an installed tree: the
# binaries, the data and schemas, the manual pages (rendered by man -l), the
# shell completions and the documentation. The directories come from the
# environment (make installcheck passes them; tests/integration/install.sh
# installs into a temporary DESTDIR and passes them too). Prints "ok"/"not
# ok" lines; exits 1 when anything is missing.
set -u
: "${prefix:?}" "${bindir:?}" "${mandir:?}" "${docdir:?}" "${datadir:?}" "${pkgdatadir:?}"
root=${DESTDIR:-}
fail=0
has() { # has PATH DESCRIPTION
	if [ -f "$root$1" ]; then echo "ok - $2 ($1)"; else echo "not ok - $2: $1 is missing"; fail=1; fi
}
has "$bindir/devflow" "the program"
has "$bindir/devflow-fake-agent" "the fake agent"
has "$pkgdatadir/data/templates/development.json" "the built-in template"
has "$pkgdatadir/data/backends/claude.json" "a built-in backend"
has "$pkgdatadir/schemas/devflow/backend@1.json" "a schema"
for p in man1/devflow.1 man5/devflow-config.5 man5/devflow-template.5 man5/devflow-backend.5; do
	has "$mandir/$p" "a manual page"
	if [ -f "$root$mandir/$p" ] && command -v man >/dev/null 2>&1; then
		if MANWIDTH=80 MANPAGER=cat man -l "$root$mandir/$p" >/dev/null 2>&1; then
			echo "ok - man -l renders the installed $p"
		else
			echo "not ok - man -l fails on the installed $p"; fail=1
		fi
	fi
done
has "$datadir/bash-completion/completions/devflow" "the bash completion"
has "$datadir/zsh/site-functions/_devflow" "the zsh completion"
has "$docdir/README" "the README"
for d in backends engine fake-agent instructions protocol sessions tui; do
	has "$docdir/$d.md" "the documentation"
done
if [ -x "$root$bindir/devflow" ] && "$root$bindir/devflow" --version | grep -q '^devflow '; then
	echo "ok - the installed devflow runs"
else
	echo "not ok - the installed devflow does not run"; fail=1
fi
exit $fail
