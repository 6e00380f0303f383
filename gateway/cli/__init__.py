"""The ``safedial`` command line: parse, call one service, render, exit with a code."""
