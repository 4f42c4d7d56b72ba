"""Benchmarks for Baeum: each one starts a real server and measures it from outside.

A benchmark talks to ``python -m server serve`` over sockets exactly as browsers do, so the
figures include HTTP parsing, authentication, the database and serialisation, and can be
compared across machines and databases. ``python -m bench`` lists them; see bench/README.md.
"""
