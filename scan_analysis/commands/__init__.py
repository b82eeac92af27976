"""Sub-commands of ``scan-analysis``: one module each, exposing ``register(subparsers)``.

``register`` adds a sub-parser (with a description that includes an example)
and sets ``func`` to a callable taking the parsed namespace and returning an
exit code.
"""
