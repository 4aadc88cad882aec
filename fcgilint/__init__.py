"""fcgilint: find, fix and prove mod_fcgid / php-cgi configuration mistakes."""

__version__ = "0.1.0"
