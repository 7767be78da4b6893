"""`python -m painlit` runs the command line."""

from painlit.cli import main

main()
