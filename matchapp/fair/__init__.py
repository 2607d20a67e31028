"""The two-way selection fair: preferences, rankings, runs and results."""
