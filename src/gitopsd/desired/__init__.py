"""The desired set.

Rendered objects plus namespace defaulting, tracking label and annotation, and
duplicate detection.
"""
