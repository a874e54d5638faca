# The real agent CLIs end to end (tests/agents/README): never part of
# `make check`, which must not need npm or the network. `make check-agents`
# installs Claude Code, Codex and Gemini CLI at their backends'
# testedVersion into tests/agents/cache (DEVFLOW_AGENTS_CACHE; npm's own
# cache there too) and runs tests/agents/e2e.sh through the test harness
# (tests/agents/e2e.log, .trs), then prints the per-CLI results and the
# wall time. AGENTS="claude codex" limits it to some CLIs.
AGENTS_FILES = tests/agents/README tests/agents/install.sh tests/agents/e2e.sh \
	tests/agents/e2e-lib.sh tests/agents/model-server.js tests/agents/requests.js \
	tests/agents/record.sh
EXTRA_DIST += $(AGENTS_FILES)
check-agents: all $(check_PROGRAMS)
	@t0=$$(date +%s); \
	$(MAKE) $(AM_MAKEFLAGS) check-TESTS TESTS=tests/agents/e2e.sh \
		AM_TESTS_ENVIRONMENT="$(AM_TESTS_ENVIRONMENT) DEVFLOW_AGENTS='$(AGENTS)'; export DEVFLOW_AGENTS;"; \
	st=$$?; \
	echo "--- check-agents:"; \
	sed -n 's/^# \(claude\|codex\|gemini\|aider\): /  \1: /p; s/^1\.\.0 # SKIP/  skipped:/p' tests/agents/e2e.log; \
	echo "  wall time $$(( $$(date +%s) - t0 )) s"; \
	exit $$st
.PHONY: check-agents
clean-local: clean-agents
clean-agents:
	rm -f tests/agents/e2e.log tests/agents/e2e.trs
.PHONY: clean-agents
