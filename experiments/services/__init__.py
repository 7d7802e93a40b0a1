"""Writes and work of experiments: creating (with every check), running, cancelling and rerunning."""
