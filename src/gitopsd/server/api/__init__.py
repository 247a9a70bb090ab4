"""The HTTP API of ``gitopsd server`` (aiohttp): routes, middleware, handlers, OpenAPI.

``routes.ROUTES`` is the one table of every path: the application is built from it and
the OpenAPI document is generated from it, so the two cannot drift apart.
"""
