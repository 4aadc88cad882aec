"""What suexec refuses to run for a process class with SuexecUserGroup (FCG033).

With SuexecUserGroup in force, mod_fcgid starts the FcgidWrapper through httpd's suexec, which
checks the program before it runs it (support/suexec.c): it must lie below suexec's compiled-in
document root (AP_DOC_ROOT, ``suexec -V``; a setting here), it and its directory must belong to
the target user and group, and neither may be writable by group or others. A refused program
never starts: every request of the class fails, and the error log says "suexec policy violation".
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from collections.abc import Iterator
from pathlib import Path

from fcgilint.checks.registry import Hit, NotChecked, scope_of, tree_check
from fcgilint.findings import Related, Severity
from fcgilint.load.apache_tree import ConfigTree
from fcgilint.load.wrapper import is_placeholder
from fcgilint.model import Model, ProcessClass

_REFUSED = ("suexec refuses to start it, so every request of the class fails (the error log says 'suexec policy "
            "violation')")


def _target(words: list[str]) -> tuple[int, int] | None:
    """uid and gid of ``SuexecUserGroup user group`` on this machine; None when either is unknown here."""
    if len(words) != 2 or any(is_placeholder(w) or w.startswith("~") for w in words):
        return None
    try:
        uid = int(words[0][1:]) if words[0].startswith("#") else pwd.getpwnam(words[0]).pw_uid
        gid = int(words[1][1:]) if words[1].startswith("#") else grp.getgrnam(words[1]).gr_gid
    except (KeyError, ValueError):
        return None
    return uid, gid


#: suexec's AP_DOC_ROOT as the distributions build it: Debian's apache2-suexec-pristine and RHEL's httpd.
_LAYOUT_DOCROOTS = {"/etc/apache2": "/var/www", "/etc/httpd": "/var/www"}


def docroot_of(tree: ConfigTree) -> str | None:
    """suexec's document root: the setting, else the distribution's for a known layout, else unknown."""
    if tree.suexec_docroot:
        return tree.suexec_docroot
    return _LAYOUT_DOCROOTS.get(tree.server_root.rstrip("/"))


def _outside(docroot: str, command: str) -> bool:
    root = docroot.rstrip("/")
    return not (command == root or command.startswith(root + "/")) and "/public_html/" not in command


@tree_check("FCG033")
def suexec_refuses(model: Model, tree: ConfigTree) -> Iterator[Hit | NotChecked]:
    """A wrapper outside suexec's docroot, owned by someone else, or writable by group/others."""
    for pc in model.classes:
        if pc.suexec is None or pc.directive is None or not pc.command.startswith("/") or is_placeholder(pc.command):
            continue
        related = [Related(pc.suexec.location, f"SuexecUserGroup {' '.join(pc.suexec.args)}")]
        docroot = docroot_of(tree)
        if docroot is None:
            yield NotChecked("FCG033", f"{pc.directive.location}: suexec's document root is not known for this "
                             f"layout (ServerRoot {tree.server_root}); set suexec_docroot to what 'suexec -V' prints")
        elif _outside(docroot, pc.command):
            yield Hit(pc.directive.location, f"{pc.command} is outside suexec's document root {docroot} "
                      f"for {pc.label}: {_REFUSED}, with 'command not in docroot' in suexec.log; move the wrapper "
                      f"below {docroot} (or set suexec_docroot to what 'suexec -V' prints)",
                      related, scope=scope_of(pc))
        yield from _on_disk(tree, pc, related)


def _on_disk(tree: ConfigTree, pc: ProcessClass, related: list[Related]) -> Iterator[Hit | NotChecked]:
    """Mode and owner of the wrapper and its directory, as suexec stats them."""
    host = Path(tree.paths.to_host(pc.command))
    try:
        program, folder = host.stat(), host.parent.stat()
    except OSError:
        return  # a missing wrapper is FCG008's
    assert pc.directive is not None
    for what, info, path in (("file", program, pc.command), ("directory", folder, os.path.dirname(pc.command))):
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            yield Hit(pc.directive.location, f"the {what} {path} is writable by group or others "
                      f"(mode {stat.filemode(info.st_mode)}): anyone who can write it runs code as the site's user, "
                      f"and {_REFUSED} ('{what} is writable by others'); chmod go-w {path}",
                      related, severity=Severity.ERROR, scope=scope_of(pc))
    if tree.paths.root is not None:
        yield NotChecked("FCG033", f"{pc.suexec.location if pc.suexec else pc.directive.location}: owners of "
                         f"{pc.command} are not checked in a repository (--root): suexec compares them on the server")
        return
    target = _target(pc.suexec.args if pc.suexec else [])
    if target is None:
        return
    owners = {(program.st_uid, program.st_gid), (folder.st_uid, folder.st_gid)}
    if owners != {target}:
        yield Hit(pc.directive.location, f"{pc.command} and its directory belong to uid/gid "
                  f"{', '.join(f'{u}/{g}' for u, g in sorted(owners))}, not to SuexecUserGroup's "
                  f"{target[0]}/{target[1]} "
                  f"for {pc.label}: {_REFUSED} ('target uid/gid ... mismatch with directory ... or program'); chown "
                  f"them to {' '.join(pc.suexec.args if pc.suexec else [])}", related, scope=scope_of(pc))
