"""The sync plan: ordering by phase, wave, kind and name; hooks; the prune set."""
