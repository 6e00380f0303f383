"""The append-only, hash-chained audit log: who changed what, and every call decision."""
