"""Participants and advocates: their records, validated input, and the services over them."""
