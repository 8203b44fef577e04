"""Views: the storefronts and the comparison dashboard (thin adapters over services and metrics)."""
