"""The Asterisk side: rendered config, its privacy guard, the private PBX process."""
