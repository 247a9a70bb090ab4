"""Git sources.

Cached clones, revision resolution, read-only checkouts per commit, credentials.
The only user of GitPython.
"""
