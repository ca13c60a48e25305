"""Stage 1, the settings: deck.toml, the one file a user edits, read and checked."""
