"""Application status: resources, operationState, history, conditions, summary."""
