"""manage.py commands: seed_demo, simulate, compare, describe_presets, run_sandbox."""
