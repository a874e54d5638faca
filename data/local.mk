# Built-in templates, personas, backends and JSON Schemas, installed under
# $(pkgdatadir) with the same relative layout as in the source tree.
nobase_dist_pkgdata_DATA = \
	data/templates/development.json \
	data/templates/rebase.json \
	data/personas/planner.json \
	data/personas/implementer.json \
	data/personas/reviewer.json \
	data/backends/fake.json \
	data/backends/claude.json \
	data/backends/codex.json \
	data/backends/gemini.json \
	data/backends/aider.json \
	schemas/devflow/template@1.json \
	schemas/devflow/persona@1.json \
	schemas/devflow/backend@1.json \
	schemas/devflow/repo-config@1.json \
	schemas/dev/phase-plan@1.json \
	schemas/dev/change-summary@1.json \
	schemas/dev/review-findings@1.json \
	schemas/common/final-report@1.json

# Shell completion (data/completions/), installed where bash-completion and
# zsh look for them.
bashcompletiondir = $(datadir)/bash-completion/completions
dist_bashcompletion_DATA = data/completions/bash/devflow
zshcompletiondir = $(datadir)/zsh/site-functions
dist_zshcompletion_DATA = data/completions/zsh/_devflow
