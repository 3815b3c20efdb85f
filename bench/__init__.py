"""Benchmarks of cop, run by `make bench`; they print their figures and are never part of the suite."""
