"""Datahub for healthcare quality registries."""

__version__ = "0.1.0"
