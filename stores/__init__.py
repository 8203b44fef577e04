"""The stores app: mock stores configured as business models, simulated and compared."""
