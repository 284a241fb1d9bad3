"""Claude, the production answerer: grounded in the valid facts, deciding through tools.

:mod:`ai.claude.answerer` is the entry point; :mod:`ai.backends` builds it when an
API key is configured. How the code uses the Messages API and the SDK:
docs/claude-api.md.
"""
