"""Stage 5b: mechanical remedies and the machinery that applies them without losing data.

* :mod:`fcgilint.fix.remedies` turns a finding's model data into a :class:`~fcgilint.findings.Fix`
  (the checks attach it, so ``check`` and ``fix`` see the same remedy);
* :mod:`fcgilint.fix.edits` picks non-overlapping edits and applies them to text;
* :mod:`fcgilint.fix.writer` writes files atomically, keeping mode and owner;
* :mod:`fcgilint.fix.diff` renders a unified diff of the exact bytes;
* :mod:`fcgilint.fix.engine` runs the fix loop (apply, re-load, re-check).

This module imports nothing on purpose: the checks import ``remedies`` while the
engine imports the pipeline, which imports the checks.
"""
