"""The simulation engine: pure Python and numpy, no Django (engine, timeline, ledger, fees, catalogue, params)."""
