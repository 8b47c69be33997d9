"""The read side: projections of the ledger's log and the rules that judge them.

Start at :mod:`projections.views.queries` (what can be asked) and
``docs/projections.md`` (how it works and which rule decisions it makes).
"""
