"""The Kubernetes API adapter: the only user of the kubernetes client."""
