"""The caller-ID privacy self-test: test calls to the canary, verdicts, the lock, alerts."""
