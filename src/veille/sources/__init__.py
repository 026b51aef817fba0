"""Connectors: one module per network or file format (see ``base.Connector``)."""
