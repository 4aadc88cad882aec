"""The stable JSON shape documented in README.md; other programs depend on it.

One object with ``version``, ``findings`` and ``notes``; each finding has
``rule``, ``severity``, ``file``, ``line``, ``message``, ``related``,
``provenance``, ``fix`` and ``evidence`` (:meth:`Finding.to_json`).
"""

from __future__ import annotations

import json

from fcgilint import __version__
from fcgilint.report import Report


def render(report: Report) -> str:
    payload = {"version": __version__, "findings": [f.to_json() for f in report.findings], "notes": list(report.notes)}
    return json.dumps(payload, indent=2) + "\n"
