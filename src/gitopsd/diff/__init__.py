"""Diff of desired against live objects.

Normalisation, ignore rules, drift managers, secret masking.
"""
