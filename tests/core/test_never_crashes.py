"""Whatever the input, the pipeline returns findings: never an exception, never a hang.

Configs, wrappers and php.ini files are generated from the vocabulary real ones use
(mod_fcgid directives with good and bad values, sections left open or closed wrongly,
includes of existing, missing and recursive files, quoting, continuations, stray bytes).
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse

WORDS = st.sampled_from(
    [
        "FcgidMaxRequestsPerProcess",
        "MaxRequestsPerProcess",
        "FcgidIOTimeout",
        "FcgidBusyTimeout",
        "FcgidMaxRequestLen",
        "FcgidInitialEnv",
        "DefaultInitEnv",
        "FcgidCmdOptions",
        "FcgidWrapper",
        "FCGIWrapper",
        "AddHandler",
        "SetHandler",
        "SetEnv",
        "SuexecUserGroup",
        "Include",
        "IncludeOptional",
        "Define",
        "ServerRoot",
        "LoadModule",
        "FcgidConnectTimeout",
    ]
)
ARGS = st.sampled_from(
    [
        "500",
        "0",
        "-1",
        "-5",
        "10M",
        "abc",
        "${LIMIT}",
        "{PLACEHOLDER}",
        "<%= @x %>",
        "#",
        "# note",
        '"quoted arg"',
        "'single'",
        "PHP_FCGI_MAX_REQUESTS",
        "PHP_FCGI_CHILDREN",
        "/w/php-wrapper",
        "/usr/bin/php-cgi",
        ".php",
        ".PHP",
        "virtual",
        "fcgid-script",
        "application/x-httpd-php",
        "IOTimeout",
        "InitialEnv",
        "PHP_FCGI_MAX_REQUESTS=7",
        "inc.conf",
        "*.conf",
        "missing.conf",
        "self.conf",
        "\\",
        "\xe9",
        "2147483648",
        "",
    ]
)
SECTIONS = st.sampled_from(
    [
        "<VirtualHost *:80>",
        "</VirtualHost>",
        "<IfModule mod_fcgid.c>",
        "<IfModule !mod_fcgid.c>",
        "<IfModule mod_fcgid>",
        "</IfModule>",
        "<Directory /w>",
        "</Directory>",
        '<FilesMatch "\\.php$">',
        "</FilesMatch>",
        "<IfDefine X>",
        "</IfDefine>",
        "<IfVersion >= 2.4>",
        "</IfVersion>",
        "</Files >",
        "<Location",
        "# comment \\",
    ]
)
LINE = st.one_of(
    st.tuples(WORDS, st.lists(ARGS, max_size=3)).map(lambda t: " ".join([t[0], *t[1]])), SECTIONS, st.text(max_size=20)
)
CONFIG = st.lists(LINE, max_size=20).map("\n".join)
WRAPPER_LINE = st.sampled_from(
    [
        "export PHP_FCGI_MAX_REQUESTS=20",
        "PHP_FCGI_MAX_REQUESTS=$X",
        "PHP_FCGI_CHILDREN=${Y:-4}",
        "export PHP_FCGI_CHILDREN",
        "unset PHP_FCGI_MAX_REQUESTS",
        ". ./env.sh",
        "source /missing",
        "if [ -x x ]; then",
        "fi",
        "exec /usr/bin/php-cgi -c /w/php.ini",
        "exec $PHP",
        "/usr/bin/php-cgi -d max_execution_time=9",
        'X="unterminated',
        "echo `date`",
        "Y=$(id -u)",
        "PHPRC=/w; export PHPRC",
    ]
)
WRAPPER = st.lists(WRAPPER_LINE, max_size=10).map(lambda lines: "#!/bin/sh\n" + "\n".join(lines) + "\n")
INI = st.lists(
    st.sampled_from(
        [
            "[PHP]",
            "post_max_size = 8M",
            "post_max_size = '1G' ; x",
            "max_execution_time = abc",
            "upload_max_filesize=",
            "[PATH=/x]",
            "=",
            'k = "v',
        ]
    ),
    max_size=6,
).map("\n".join)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(CONFIG, st.binary(max_size=30), WRAPPER, INI)
def test_any_tree_gives_findings_not_exceptions(
    tmp_path: Path, config: str, junk: bytes, wrapper: str, ini: str
) -> None:
    w = tmp_path / "w"
    w.mkdir(exist_ok=True)
    text = config.replace("\0", "")  # a NUL makes the entry a binary file: exit 2, tested in test_loader
    (tmp_path / "httpd.conf").write_bytes(text.encode("utf-8", "surrogateescape") + b"\n" + junk.replace(b"\0", b""))
    (tmp_path / "inc.conf").write_text(config)
    (tmp_path / "self.conf").write_text("Include self.conf\n")
    (w / "php-wrapper").write_text(wrapper)
    (w / "php-wrapper").chmod(0o755)
    (w / "env.sh").write_text(wrapper)
    (w / "php.ini").write_text(ini)
    result = analyse(tmp_path / "httpd.conf", LoadOptions(root=tmp_path, defines=(("LIMIT", "9"),)))
    assert all(f.location.line >= 1 for f in result.findings)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(CONFIG, WRAPPER, INI)
def test_fix_on_any_tree_ends_cleanly(tmp_path: Path, config: str, wrapper: str, ini: str) -> None:
    from typer.testing import CliRunner

    from fcgilint.cli import app

    w = tmp_path / "w"
    w.mkdir(exist_ok=True)
    (tmp_path / "httpd.conf").write_text(config.replace("\0", "") + "\n", encoding="utf-8", errors="surrogateescape")
    (tmp_path / "inc.conf").write_text("FcgidIOTimeout 5\n")
    (tmp_path / "self.conf").write_text("Include self.conf\n")
    (w / "php-wrapper").write_text(wrapper)
    (w / "php-wrapper").chmod(0o755)
    (w / "php.ini").write_text(ini)
    result = CliRunner().invoke(app, ["fix", "--unsafe-fixes", "--root", str(tmp_path), str(tmp_path / "httpd.conf")])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
