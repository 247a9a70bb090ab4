"""Conversion of Argo CD manifests to gitopsd."""
