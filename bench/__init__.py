"""Benchmarks: speed and memory targets, measured against the local fakes (never timed tests)."""
