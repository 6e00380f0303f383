"""The AMI adapter: the only code that talks to Asterisk's Manager Interface."""
