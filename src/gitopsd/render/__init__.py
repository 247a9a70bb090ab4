"""Rendering a source path at a checkout into Kubernetes objects.

With kustomize, helm or plain directories of YAML and JSON.
"""
