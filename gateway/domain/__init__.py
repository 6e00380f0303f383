"""The pure domain: what participants agreed to and the decisions that follow. No I/O."""
