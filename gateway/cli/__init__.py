"""The ``safedial`` command line: parse, call one service, render, exit with a code."""

#: The audit log's actor for anything done from the command line (the operator at the
#: machine; the CLI has no sign-in of its own).
CLI_ACTOR = "cli"
