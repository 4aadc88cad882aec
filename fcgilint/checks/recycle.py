"""Remedy for FCG021: recycle less often by raising PHP's and mod_fcgid's request limits together.

Raising only one of them would trade the throttle for the request-limit race
(FCG001) or leave the throttle in place, so the fix changes both or nothing:
PHP_FCGI_MAX_REQUESTS where it is assigned (or a new ``export`` in the wrapper
before php-cgi starts), and FcgidMaxRequestsPerProcess where it takes effect
for the class. Recycling less often keeps leaking PHP processes alive longer,
so the fix is never safe.
"""

from __future__ import annotations

import math
import re

from fcgilint import capacity
from fcgilint.checks.remedies import export_in_wrapper, set_env, set_server_value
from fcgilint.findings import Fix
from fcgilint.knowledge import INT_MAX
from fcgilint.model import Model, ProcessClass


def needed_length(rate: float, spawn: int, termination: int, time_score: int) -> int:
    """The smallest recycle length, in whole hundreds, that sustains ``rate`` under the score."""
    exact = rate * (spawn + termination) / time_score
    return max(100, math.ceil(exact / 100) * 100)


def throttle_note(model: Model, length: int) -> str:
    """What a recycle length costs under the spawn score in force, when it is below the rate wanted; else ''."""
    if model.tree is None or length <= 0:
        return ""
    score = capacity.spawn_score(model.tree)
    spawn, term, time_ = (score[n].number or 0 for n in capacity.SCORE_NAMES[:3])
    wanted = model.rate if model.rate is not None else capacity.DEFAULT_RATE
    if time_ <= 0 or spawn + term <= 0 or length * time_ / (spawn + term) >= wanted:
        return ""
    rate = length * time_ / (spawn + term)
    target = needed_length(wanted, spawn, term, time_)
    return (
        f"; the class still replaces each process every {length} requests, which under mod_fcgid's spawn score "
        f"sustains only about {rate:.1f} req/s (FCG021, {wanted:g} req/s wanted): to serve more, raise "
        f"PHP_FCGI_MAX_REQUESTS and FcgidMaxRequestsPerProcess together to at least {target} (FCG021's unsafe fix)"
    )


def _php_edits(model: Model, pc: ProcessClass, target: int) -> list:
    setting = pc.env.get("PHP_FCGI_MAX_REQUESTS")
    if setting is not None and setting.location is not None:
        return set_env(model, setting, "PHP_FCGI_MAX_REQUESTS", str(target))
    return export_in_wrapper(model, pc, "PHP_FCGI_MAX_REQUESTS", str(target))


def raise_limits(model: Model, pc: ProcessClass, target: int, reason: str) -> Fix | None:
    """Set PHP_FCGI_MAX_REQUESTS and FcgidMaxRequestsPerProcess to ``target`` for the class."""
    php_edits = _php_edits(model, pc, target) if pc.is_php else []
    if pc.is_php and not php_edits:
        return None

    def want(c: ProcessClass) -> int | None:
        if c is pc:
            return target
        php = c.values.get("PHP_FCGI_MAX_REQUESTS")
        limit = php.number if c.is_php and php is not None and php.number is not None else None
        return min(target, limit) if limit is not None and 0 < limit <= INT_MAX else target

    fcgid = set_server_value(model, pc, "FcgidMaxRequestsPerProcess", want, True, reason)
    if fcgid is None:
        return None
    edits = [*php_edits, *fcgid.edits]
    what = f"set PHP_FCGI_MAX_REQUESTS={target} and {fcgid.description}" if php_edits else fcgid.description
    return Fix(what, edits, safe=False)


def with_throttle_note(model: Model, fix: Fix | None) -> Fix | None:
    """FCG001's fix, saying so when the request limit it sets keeps the class throttled (FCG021)."""
    if fix is None:
        return None
    found = re.search(r"(?:FcgidMaxRequestsPerProcess |PHP_FCGI_MAX_REQUESTS=)(\d+)", fix.description)
    note = throttle_note(model, int(found.group(1))) if found else ""
    if note:
        fix.description += note
    return fix
