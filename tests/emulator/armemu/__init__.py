"""A small, faithful Azure Resource Manager emulator for testing the collection offline.

``armemu.server.Emulator`` runs it in-process; ``python -m armemu`` runs it from a shell.
``core/`` is the server (TLS, routing, auth, LROs, store); ``resources/`` holds one file
per Azure resource family, discovered automatically.
"""
