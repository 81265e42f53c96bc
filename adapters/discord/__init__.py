"""Discord: slash commands, raw reaction events and digests posted as one embed per paper."""
