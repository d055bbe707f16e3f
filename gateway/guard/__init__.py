"""What keeps a hostile request cheap: document checks that cannot blow up, cost analysis
before execution, per-client shares of the vendors and input length limits."""
