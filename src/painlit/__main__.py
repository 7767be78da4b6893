"""The command line's entry point: `painlit` and `python -m painlit`.

It imports the command line itself, so that Ctrl-C while the imports are still running ends
with the same message and exit code as Ctrl-C later on, never a traceback.
"""

import sys

#: The same as painlit.cli.EXIT_INTERRUPTED, which cannot be imported here: importing
#: painlit.cli is what may be cut short.
EXIT_INTERRUPTED = 130


def main() -> None:
    # Starting up (importing Typer, Rich and pydantic, parsing the options) makes many objects
    # and frees few, so the cyclic garbage collector would walk them again and again for
    # nothing; each command turns it back on when it starts (painlit.cli.command).
    import gc

    gc.disable()
    try:
        from painlit.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("painlit: interrupted\n")
        raise SystemExit(EXIT_INTERRUPTED) from None
    run()


if __name__ == "__main__":
    main()
