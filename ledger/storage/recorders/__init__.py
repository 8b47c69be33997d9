"""The event recorders: eventsourcing's SQLite and PostgreSQL recorders, extended to
keep the hash chain, the identifier index and the key table in the events' transaction.

``schema`` declares the tables once for both dialects; ``chain`` writes them on
the append path (``keys`` for the key table); ``audit`` reads events beside
their links for verification; ``sqlite`` and ``postgres`` are the recorders.
"""
