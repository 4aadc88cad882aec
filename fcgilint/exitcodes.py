"""Exit codes, one place, so the CLI, the docs and the tests agree.

0  nothing at or above the failure threshold
1  findings at or above the failure threshold remain
2  usage error, unreadable input, output that cannot be written, or a refusal (nothing was written)
70 internal error: a bug in fcgilint, not in the configuration (EX_SOFTWARE of sysexits.h)
130, 143  ``fix`` stopped by SIGINT or SIGTERM, every file restored (128 + the signal number)
"""

OK = 0
FINDINGS = 1
ERROR = 2
INTERNAL = 70
