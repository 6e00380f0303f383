"""The dropped-call protocol: call-backs scheduled inside the participant's window."""
