# The manual pages (man(7) source, rendered and held to the verbs' tables by
# tests/integration/man.sh) and the documentation, installed under
# $(mandir) and $(docdir).
dist_man_MANS = \
	docs/man/devflow.1 \
	docs/man/devflow-config.5 \
	docs/man/devflow-template.5 \
	docs/man/devflow-backend.5
