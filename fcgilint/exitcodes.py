"""Exit codes, one place, so the CLI, the docs and the tests agree.

0  nothing at or above the failure threshold
1  findings at or above the failure threshold remain
2  usage error, unreadable input or an internal refusal (nothing was written)
"""

OK = 0
FINDINGS = 1
ERROR = 2
