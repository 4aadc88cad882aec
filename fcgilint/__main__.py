"""Allow ``python -m fcgilint``."""

from fcgilint.cli import main

main()
