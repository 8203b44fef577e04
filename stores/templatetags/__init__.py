"""Template filters: the dashboard's formatting and the storefront's money."""
