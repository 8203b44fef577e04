"""Management commands: every capability a trainer uses in a page, scriptable."""
