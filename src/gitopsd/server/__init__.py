"""``gitopsd server``: the HTTP API people and scripts use instead of the Kubernetes API.

A stateless process (any number of replicas) that reads Applications, AppProjects,
ApplicationSets, clusters, live objects and events through watch caches
(:mod:`~gitopsd.server.caches`), signs people in (:mod:`~gitopsd.server.signin` pieces:
accounts, passwords, tokens, rate limits), authorizes every call with Argo CD's RBAC
evaluated by Casbin (:mod:`~gitopsd.server.rbac`), and acts only by writing what the
controller reads (``operation``, annotations, spec). The HTTP layer is in
:mod:`~gitopsd.server.api`; :mod:`~gitopsd.server.main` wires it together.
"""
