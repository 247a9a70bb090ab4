"""Health of Kubernetes objects: built-in checks per kind and Lua customizations."""
