"""Command groups kept out of `painlit.cli` to keep it short; each registers on `cli.app`."""
