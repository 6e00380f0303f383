"""The JSON API under /api/ (FastAPI); the pages will use the same services."""
