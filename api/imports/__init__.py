"""Imports that entrypoints share (CLI and HTTP): MIS CSV files and transition bundles."""
