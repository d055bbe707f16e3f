# Fixtures shared across test packages (a private redis-server for the shared-state tests).
pytest_plugins = ["tests.support.redis"]
