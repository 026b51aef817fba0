"""The ``veille`` command line (Typer + Rich)."""
