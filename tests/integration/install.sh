#!/bin/sh
# `make install DESTDIR=...` installs the binary, data, schemas, manual
# pages, shell completions and documentation where they belong
# (tests/install-check.sh, which make distcheck runs on its own install too).
. "$top_srcdir/tests/lib.sh"

command -v make >/dev/null 2>&1 || skip_all "make is not installed"
dest=$T_TMP/inst
# A make of its own, not a job of the make check that runs this test.
unset MAKEFLAGS MFLAGS MAKELEVEL
out=$(make -C "$top_builddir" install DESTDIR="$dest" 2>&1); rc=$?
is "$rc" 0 "make install DESTDIR=... succeeds"
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | tail -20 | sed 's/^/# /'
vars=$(make -s -C "$top_builddir" --no-print-directory -f Makefile -f - print-dirs <<'MK'
print-dirs:
	@echo "prefix='$(prefix)' bindir='$(bindir)' mandir='$(mandir)' docdir='$(docdir)' datadir='$(datadir)' pkgdatadir='$(pkgdatadir)'"
MK
	2>/dev/null | grep "^prefix=")
like "$vars" "^prefix='/" "the install directories, from the Makefile"
out=$(eval "DESTDIR='$dest' $vars sh '$top_srcdir/tests/install-check.sh'"); rc=$?
printf '%s\n' "$out" | grep '^not ok' | sed 's/^/# /'
is "$rc" 0 "everything is installed: $(printf '%s\n' "$out" | grep -c '^ok') checks"
like "$out" "^ok - a manual page \(.*/man1/devflow.1\)" "... devflow(1) among them"
like "$out" "^ok - the bash completion \(.*/bash-completion/completions/devflow\)" "... the bash completion"
like "$out" "^ok - the documentation \(.*/doc/devflow/protocol.md\)" "... and docs/ under docdir"
done_testing
