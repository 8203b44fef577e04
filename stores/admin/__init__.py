"""The trainer's back office (Django's admin): stores.py (create stores from presets, edit
every parameter, run simulations and shocks) and records.py (read orders, runs, scenarios,
sessions and experiments). Importing the package registers both."""

from . import records, stores  # noqa: F401  (registers the model admins)
