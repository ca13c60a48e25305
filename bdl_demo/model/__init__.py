"""The mathematics: one network description, its Bayesian model, the data, inference and checks.

Nothing here knows about colours, files on disk or the deck.
"""
