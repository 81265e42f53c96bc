"""Sources the bot fetches on a schedule (arXiv, RSS/Atom feeds, ShortScience, Hugging Face daily papers)."""
