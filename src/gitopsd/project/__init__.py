"""AppProject enforcement: source repos, destinations, resource lists, sync windows."""
