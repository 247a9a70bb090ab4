"""The kopf operator: thin handlers over the core. The only user of kopf."""
