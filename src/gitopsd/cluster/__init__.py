"""The Kubernetes API adapter: the only user of the kubernetes client.

``KubeCluster`` implements ``gitopsd.ports.ClusterPort``; ``connection`` builds API clients
from a kubeconfig, the in-cluster service account or a registered cluster Secret.
"""

from gitopsd.cluster.connection import default_client, from_credentials, from_kubeconfig
from gitopsd.cluster.kube import KubeCluster, Selection

__all__ = ["KubeCluster", "Selection", "default_client", "from_credentials", "from_kubeconfig"]
