"""ketaroom benchmarks: ``python -m bench [NAME…]`` prints a table and writes bench/results/."""
