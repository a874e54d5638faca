# The manual pages (man(7) source, rendered and held to the verbs' tables by
# tests/integration/man.sh) and the documentation, installed under
# $(mandir) and $(docdir).
dist_man_MANS = \
	docs/man/devflow.1 \
	docs/man/devflow-config.5 \
	docs/man/devflow-template.5 \
	docs/man/devflow-backend.5

# The documentation, under $(docdir) (README: `man devflow` first).
dist_doc_DATA = \
	README \
	docs/backends.md \
	docs/engine.md \
	docs/fake-agent.md \
	docs/instructions.md \
	docs/protocol.md \
	docs/sessions.md \
	docs/tui.md

# make distcheck (and make installcheck) check what make install put in
# place: tests/integration/install.sh's list, on the installed tree.
installcheck-local:
	DESTDIR='$(DESTDIR)' prefix='$(prefix)' bindir='$(bindir)' mandir='$(mandir)' \
	docdir='$(docdir)' datadir='$(datadir)' pkgdatadir='$(pkgdatadir)' \
	$(SHELL) $(srcdir)/tests/install-check.sh
EXTRA_DIST += tests/install-check.sh
