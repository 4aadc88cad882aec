"""Stage 5b: the machinery that applies remedies without losing data.

The remedies themselves are computed beside the checks
(:mod:`fcgilint.checks.remedies`), so ``check`` and ``fix`` see the same edit;
this package only applies them:

* :mod:`fcgilint.fix.edits` picks non-overlapping edits and applies them to text;
* :mod:`fcgilint.fix.writer` writes files atomically, keeping mode and owner;
* :mod:`fcgilint.fix.diff` renders a unified diff of the exact bytes;
* :mod:`fcgilint.fix.engine` runs the fix loop (apply, re-load, re-check).
"""
