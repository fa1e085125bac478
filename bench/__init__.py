"""Benchmarks of Chợ Live against bare baselines, run in the same invocation: `python -m bench.run [--quick]`."""
