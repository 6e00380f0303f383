"""One scheduler per process; each feature registers its own jobs with it."""
