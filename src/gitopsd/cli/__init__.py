"""The ``gitopsd`` command line: one module per verb, each exporting ``register``."""
