"""Role protocols: each consumer in the core depends on the roles it uses; `storage/` and `adapters/` implement them."""
