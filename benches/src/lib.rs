//! Synthetic data generators for benchmarks and tests.
