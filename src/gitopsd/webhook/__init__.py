"""The Git push webhook receiver."""
