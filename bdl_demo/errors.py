"""The kind of error a user can fix: the build reports it as one line and exits with code 2."""


class UserError(Exception):
    """Bad input or a missing tool; the message is one line that names the problem and the fix. Each
    stage subclasses it (SettingsError, DeckError, …): the command line catches them all in one place
    without importing every stage at start-up."""
