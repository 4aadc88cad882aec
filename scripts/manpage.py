"""Write the man page fcgilint(1) from the command line itself, so it cannot drift from ``--help``.

    python scripts/manpage.py > docs/fcgilint.1     # regenerate
    man -l docs/fcgilint.1                          # read it

Every command, argument and option comes from the Typer application, with the
help text the code declares; only the closing sections (files, environment,
exit status) are written here. No date goes into the page, so regenerating an
unchanged CLI gives the same bytes (tests/config/test_manpage.py checks it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from typing import Any

import typer.main

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fcgilint import __version__  # noqa: E402
from fcgilint.cli import app  # noqa: E402

TAIL = r""".SH FILES
.TP
.I .fcgilint.yaml
Project settings, found by walking up from the working directory (or named with
\fB\-\-config\fR); \fBfcgilint init\fR writes a commented starter.
Command-line options win over the file.
.SH ENVIRONMENT
.TP
.B NO_COLOR
When set, text output has no colour.
.TP
.B GITHUB_ACTIONS
When \fBtrue\fR, \fBcheck\fR writes GitHub workflow annotations unless \fB\-\-format\fR says otherwise.
.SH EXIT STATUS
.TP
.B 0
No finding at or above \fB\-\-fail\-on\fR (default warning), or \fB\-\-exit\-zero\fR.
.TP
.B 1
Findings at or above \fB\-\-fail\-on\fR remain (\fBtrace\fR: failures detected).
.TP
.B 2
Usage error, invalid \fI.fcgilint.yaml\fR, unreadable or unusable input, a failed write or \fB\-\-verify\fR.
.SH EXAMPLES
.nf
fcgilint check /etc/apache2
fcgilint check \-\-root . etc/apache2/apache2.conf
fcgilint fix \-\-backup \-\-verify 'apache2ctl \-t' /etc/apache2
fcgilint trace strace.out /var/log/apache2/error.log
fcgilint explain FCG001
.fi
"""


def escape(text: str) -> str:
    """Roff-safe text: backslashes and hyphens escaped, no line starting with a control character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join("\\&" + line if line.startswith((".", "'")) else line for line in text.splitlines())


def paragraphs(text: str) -> str:
    """Docstring paragraphs as roff paragraphs (blank lines become .PP)."""
    blocks = [" ".join(block.split()) for block in text.strip().split("\n\n") if block.strip()]
    return "\n.PP\n".join(escape(block) for block in blocks)


def is_option(param: Any) -> bool:
    """Click parameters, duck-typed: Typer ships its own copy of Click's classes."""
    return param.param_type_name == "option" and not param.hidden


def metavar(param: Any) -> str:
    """The value an option takes, named after the option (--format FORMAT), or the argument's name."""
    if param.param_type_name == "argument":
        name = (param.name or "arg").upper()
        return f"[\\fI{name}\\fR...]" if param.nargs == -1 else f"\\fI{name}\\fR"
    if param.is_flag or param.count:
        return ""
    longest = max(param.opts, key=len).lstrip("-")
    return " \\fI" + escape(longest.upper().replace("-", "_")) + "\\fR"


def option_help(param: Any) -> str:
    text = param.help or ""
    if param.show_default and param.default not in (None, [], (), False, ""):
        text += f" Default: {param.default}."
    return escape(" ".join(text.split()))


def command_section(name: str, command: Any) -> list[str]:
    args = [p for p in command.params if p.param_type_name == "argument"]
    usage = " ".join(metavar(a) for a in args)
    out = [f'.SS "fcgilint {name}"', f".B fcgilint {name}", f"[\\fIOPTIONS\\fR] {usage}".rstrip(), ".PP"]
    out.append(paragraphs(command.help or ""))
    for param in command.params:
        if is_option(param):
            out.append(".TP")
            out.append(", ".join(f"\\fB{escape(o)}\\fR" for o in param.opts) + metavar(param))
            out.append(option_help(param))
        elif param.param_type_name == "argument" and getattr(param, "help", None):
            out.append(".TP")
            out.append(metavar(param))
            out.append(escape(" ".join(str(param.help).split())))
    return out


def render() -> str:
    group: Any = typer.main.get_command(app)
    head = (group.help or "").strip().split("\n\n")
    lines = [
        f'.TH FCGILINT 1 "" "fcgilint {__version__}" "User Commands"',
        ".SH NAME",
        "fcgilint \\- " + escape(head[0].rstrip(".")),
        ".SH SYNOPSIS",
        ".B fcgilint",
        "\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR...]",
        ".br",
        ".B fcgilint",
        "\\-\\-fix [\\fIOPTIONS\\fR] [\\fIPATHS\\fR...]",
        ".SH DESCRIPTION",
        paragraphs("\n\n".join(head)),
        ".SH OPTIONS",
    ]
    for param in group.params:
        if is_option(param):
            lines += [".TP", ", ".join(f"\\fB{escape(o)}\\fR" for o in param.opts), option_help(param)]
    lines.append(".SH COMMANDS")
    for name, command in group.commands.items():
        if not command.hidden:
            lines += command_section(name, command)
    return "\n".join(lines) + "\n" + TAIL


if __name__ == "__main__":
    sys.stdout.write(render())
