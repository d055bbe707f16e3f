# Fixtures shared across test packages: a private redis-server for the shared-state tests, and
# the routes (direct, through a loopback proxy) the vendor transport is tested over.
pytest_plugins = ["tests.support.redis", "tests.support.proxy"]
