"""Property: for generated valid configs, fcgilint lists the mod_fcgid directives httpd keeps.

The grammar only produces configs httpd accepts (right contexts and arities,
positive IOTimeout, plain MaxRequestLen, existing wrapper) and mixes in what the
loader must get right: conditionals with ``!``, defines given with ``-D`` and by
``Define``, ``${VAR}``, legacy and oddly cased names, quotes, ``\\`` continuations,
CRLF, tabs, comments and an included second file. Each example is one
``apache2 -t -D DUMP_CONFIG`` run (a few tens of milliseconds), so the number of
examples is kept small.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.httpd_support import (
    Server,
    fcgilint_entries,
    fcgilint_load,
    fcgilint_refusals,
    missing_requirements,
    stub_wrapper,
)

pytestmark = pytest.mark.skipif(missing_requirements() is not None, reason=str(missing_requirements()))

DEFINES = ("FOO",)  # passed with -D; BAR is never defined
VARIABLES = {"LIMIT": "77", "ENVNAME": "PHP_FCGI_MAX_REQUESTS"}
WRAPPER = "@W@/bin/php-wrapper"

NUMBER = st.sampled_from(["1", "40", "500", "${LIMIT}", "3600"])
ENV_NAME = st.sampled_from(["PHP_FCGI_MAX_REQUESTS", "PHPRC", "${ENVNAME}", '"A B"', "'X'"])
ENV_VALUE = st.sampled_from(["", " 500", ' "/etc/php 8"', " ${LIMIT}", " 'a\\'b'", ' "c\\\\d"'])
SERVER_ONLY = st.sampled_from(["FcgidMaxProcesses", "MaxProcessCount", "FcgidBusyScanInterval", "FcgidSpawnScore"])
SERVER_VHOST = st.sampled_from([
    "FcgidIOTimeout", "IPCCommTimeout", "FcgidBusyTimeout", "fcgidmaxrequestsperprocess", "MaxRequestsPerProcess",
    "FcgidMaxRequestLen", "FCGIDIDLETIMEOUT", "FcgidProcessLifeTime", "DefaultMaxClassProcessCount",
])
CONDITIONS = st.sampled_from(
    [
        ("IfModule", "mod_fcgid.c"),
        ("IfModule", "!mod_fcgid.c"),
        ("IfModule", "fcgid_module"),
        ("IfModule", "mod_ssl.c"),
        ("IfModule", "!mod_ssl.c"),
        ("IfModule", "mod_mime.c"),
        ("IfDefine", "FOO"),
        ("IfDefine", "!FOO"),
        ("IfDefine", "BAR"),
        ("IfDefine", "!BAR"),
        ("IfVersion", ">= 2.4"),
        ("IfVersion", "< 2.4"),
        ("ifmodule", "mod_fcgid.c"),
    ]
)
PER_DIR = st.sampled_from(
    [("Directory", "@W@/htdocs"), ("Files", '"*.php"'), ("FilesMatch", "\\.php$"), ("Location", "/app")]
)
BLANK = st.sampled_from([" ", "\t", "  ", " \\\n    ", "\\\n\t"])


@st.composite
def line(draw: st.DrawFn, words: list[str]) -> str:
    """One logical line: words joined by blanks or continuations, indented, LF or CRLF."""
    text = words[0] + "".join(draw(BLANK) + word for word in words[1:])
    return draw(st.sampled_from(["", "  ", "\t"])) + text + draw(st.sampled_from(["\n", "\r\n", " \n"]))


@st.composite
def directive(draw: st.DrawFn, scope: str) -> str:
    """A directive valid in ``scope``: 'server', 'vhost' or 'dir'."""
    choices = (
        ["wrapper"] if scope == "dir" else ["value", "env", "wrapper-dir"] + (["server"] if scope == "server" else [])
    )
    kind = draw(st.sampled_from(choices))
    if kind == "wrapper":
        suffix = draw(st.sampled_from([[], [".php"], [".php", "virtual"]]))
        return draw(line([draw(st.sampled_from(["FcgidWrapper", "FCGIWrapper"])), WRAPPER, *suffix]))
    if kind == "wrapper-dir":
        section, arg = draw(PER_DIR)
        return f"<{section} {arg}>\n{draw(directive('dir'))}</{section}>\n"
    if kind == "server":
        return draw(line([draw(SERVER_ONLY), draw(NUMBER)]))
    if kind == "env":
        return draw(
            line([draw(st.sampled_from(["FcgidInitialEnv", "DefaultInitEnv"])), draw(ENV_NAME) + draw(ENV_VALUE)])
        )
    return draw(line([draw(SERVER_VHOST), draw(NUMBER)]))


@st.composite
def block(draw: st.DrawFn, scope: str, depth: int = 0) -> str:
    """A sequence of directives, comments, conditionals and (at server level) vhosts."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                ["directive", "directive", "comment", "conditional", "vhost"] if depth < 2 else ["directive", "comment"]
            )
        )
        if kind == "comment":
            parts.append(draw(st.sampled_from(["# note\n", "\t# FcgidIOTimeout 0\n", "\n", "#\r\n"])))
        elif kind == "conditional":
            name, arg = draw(CONDITIONS)
            close = draw(st.sampled_from([name, name.upper(), name.lower()]))
            parts.append(f"<{name} {arg}>\n{draw(block(scope, depth + 1))}</{close}>\n")
        elif kind == "vhost" and scope == "server":
            parts.append(f"<VirtualHost 127.0.0.1:80>\n{draw(block('vhost', depth + 1))}</VirtualHost>\n")
        else:
            parts.append(draw(directive(scope)))
    return "".join(parts)


@st.composite
def config(draw: st.DrawFn) -> tuple[str, str]:
    """An input file and a second file it includes somewhere."""
    defines = "".join(f"Define {name} {value}\n" for name, value in VARIABLES.items())
    head, tail = draw(block("server")), draw(block("server"))
    return defines + head + "Include in/part.conf\n" + tail, draw(block("server"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config())
def test_generated_valid_configs_agree_with_httpd(files: tuple[str, str]) -> None:
    with tempfile.TemporaryDirectory() as work:
        server = Server(Path(work))
        inputs = server.work / "in"
        inputs.mkdir()
        for name, text in zip(("input.conf", "part.conf"), files, strict=True):
            (inputs / name).write_bytes(text.replace("@W@", work).encode("utf-8"))
        stub_wrapper(server.work / "bin" / "php-wrapper")
        main = server.write_main(inputs / "input.conf")
        verdict = server.check(DEFINES)
        assert verdict.ok, verdict.messages
        tree = fcgilint_load(main, server.load_options(DEFINES))
        assert fcgilint_refusals(tree) == []
        assert fcgilint_entries(tree, exclude=main) == [e for e in verdict.dump if e.file != str(main.resolve())]
