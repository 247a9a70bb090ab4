"""The sync engine: runs one pass of a plan against a cluster through ClusterPort."""
