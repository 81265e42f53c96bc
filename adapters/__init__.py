"""Chat platforms: each renders the core's neutral views its own way and translates payloads at the edge."""
