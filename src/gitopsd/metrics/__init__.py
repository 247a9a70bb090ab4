"""Prometheus metrics in a registry of gitopsd's own."""
