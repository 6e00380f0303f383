"""SafeDial: a privacy-safe outbound calling gateway in front of Asterisk."""
