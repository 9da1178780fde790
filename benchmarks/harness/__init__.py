"""The parts of the benchmark runner; `benchmarks/run.py` is its entry point."""
