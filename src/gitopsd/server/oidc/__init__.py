"""OpenID Connect sign-in (SSO) for ``gitopsd server``.

``config`` reads Argo CD's ``oidc.config`` block from ``gitopsd-cm`` (secret references
resolved), ``idtoken`` verifies an identity provider's ID token, ``flow`` holds the
pieces of the browser's authorization code flow (PKCE, the signed state cookie, safe
return URLs), ``provider`` talks to the identity provider (discovery, keys, code
exchange), ``settings`` keeps the current provider as the ConfigMap changes, and
``authn`` accepts ID tokens as bearer tokens (``gitopsd login --sso``). The HTTP
handlers are in :mod:`gitopsd.server.api.sso`.
"""
