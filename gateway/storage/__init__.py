"""Persistence: database, encryption at rest, audit log."""
