"""Command handlers per area; each module has `register(router, services)`."""
