"""Files that are not Apache configs, given as paths: recognised and said, never parsed as httpd syntax.

Each input is a minimal file of the kind found in published set-ups (a Dockerfile that installs
mod_fcgid, a Perl helper, a blog post with the config in a code block), not a copy of one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.load.file_kind import embedded_config
from fcgilint.pipeline import Result, analyse

REPO = Path(__file__).resolve().parents[2]

DOCKERFILE = """FROM debian:bookworm
# mod_fcgid and php-cgi for the legacy app
RUN apt-get update && apt-get install -y apache2 libapache2-mod-fcgid php-cgi
COPY fcgid.conf /etc/apache2/mods-available/fcgid.conf
ENV MAX_REQUESTS=1000
CMD ["apache2ctl", "-D", "FOREGROUND"]
"""

DOCKERFILE_HEREDOC = """FROM debian:bookworm
RUN apt-get install -y libapache2-mod-fcgid php-cgi
RUN cat > /etc/apache2/conf-enabled/php.conf <<'EOF'
<Directory /var/www/html>
    AddHandler fcgid-script .php
    FcgidWrapper /usr/bin/php-cgi .php
</Directory>
EOF
CMD ["apache2ctl", "-D", "FOREGROUND"]
"""

MARKDOWN = """# mod_fcgid and PHP

Put this in your vhost (it works for me):

```apache
<Directory /var/www/>
    AddHandler fcgid-script .php
    FcgidWrapper /usr/bin/php-cgi .php
</Directory>
```

Then raise the limit # for uploads
and restart Apache.

Like this:

    FcgidMaxRequestLen 10M
"""

REST = """Uploads fail
============

Set the limit in ``fcgid.conf``:

.. code-block:: bash

   # set value to 2 MB
   MaxRequestLen = 2000000

and restart.
"""


def _check(tmp_path: Path, name: str, text: str) -> Result:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return analyse(path, LoadOptions())


@pytest.mark.parametrize(
    ("name", "text", "label"),
    [
        ("Dockerfile", DOCKERFILE, "a Dockerfile"),
        ("build.df", DOCKERFILE, "a Dockerfile"),  # recognised by its instructions, whatever its name
        ("fcgi-check.pl", 'use strict;\nmy $max = 500; # PHP_FCGI_MAX_REQUESTS\nprint "ok\\n";\n', "a Perl script"),
        ("starter", "#!/usr/bin/perl -w\nexec '/usr/bin/php-cgi', @ARGV;\n", "a Perl script"),
        (
            "gen_vhosts.py",
            "import sys\n# FcgidMaxRequestsPerProcess 500\nprint('<VirtualHost *:80>')\n",
            "a Python script",
        ),
        (
            "apache.yml",
            "- name: fcgid limits\n  lineinfile:\n    line: FcgidMaxRequestsPerProcess 500 # php\n",
            "a YAML file",
        ),
    ],
)
def test_non_config_files_are_named_and_nothing_is_checked(tmp_path: Path, name: str, text: str, label: str) -> None:
    result = _check(tmp_path, name, text)
    assert result.findings == []
    assert result.notes == [f"{tmp_path / name}: looks like {label}, not an Apache config; nothing checked"]


def test_the_command_line_says_so_and_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "fcgilint", "check", str(tmp_path / "Dockerfile")], cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "looks like a Dockerfile, not an Apache config; nothing checked" in done.stdout + done.stderr
    assert "FCG007" not in done.stdout


def test_apache_config_in_a_dockerfile_heredoc_is_checked_at_its_own_lines(tmp_path: Path) -> None:
    result = _check(tmp_path, "Dockerfile", DOCKERFILE_HEREDOC)
    race = [f for f in result.findings if f.rule == "FCG001"]
    assert [f.location.line for f in race] == [6]  # the FcgidWrapper line inside the heredoc
    assert "FCG007" not in {f.rule for f in result.findings}
    assert all(f.fix is None for f in result.findings)
    assert "checked the Apache configuration in its heredocs (lines 4-7)" in result.notes[0]


def test_markdown_code_blocks_are_checked_and_prose_is_not(tmp_path: Path) -> None:
    result = _check(tmp_path, "post.md", MARKDOWN)
    by_rule = {(f.rule, f.location.line) for f in result.findings}
    assert ("FCG001", 8) in by_rule  # bare php-cgi (500) against mod_fcgid's unlimited default
    assert ("FCG007", 17) in by_rule  # 'FcgidMaxRequestLen 10M' in the indented block
    assert all(line != 12 for _, line in by_rule)  # "Then raise the limit # for uploads" is prose
    assert "code blocks (lines 6-9, 17)" in result.notes[0]


PUPPET = """class site::fcgid {
  # FcgidMaxRequestsPerProcess 0 would race
  apache::custom_config { 'fcgid':
    content => "
      FcgidMaxRequestsPerProcess 0
      FcgidWrapper /usr/bin/php-cgi .php
    ",
  }
}
"""


def test_apache_config_in_a_puppet_string_is_checked(tmp_path: Path) -> None:
    result = _check(tmp_path, "fcgid.pp", PUPPET)
    assert {(f.rule, f.location.line) for f in result.findings if f.rule == "FCG001"} == {("FCG001", 5)}
    assert "checked the Apache configuration in its multi-line strings (lines 5-6)" in result.notes[0]


def test_rest_literal_block_indented_by_three_spaces(tmp_path: Path) -> None:
    result = _check(tmp_path, "faq.rst", REST)
    refused = [f for f in result.findings if f.rule == "FCG007"]
    assert [f.location.line for f in refused] == [9] and "'=' is not Apache syntax" in refused[0].message


def test_fix_never_edits_a_document(tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text(MARKDOWN, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "fcgilint", "fix", "--unsafe-fixes", str(post)], cwd=REPO,
                   capture_output=True, text=True, timeout=60, check=False)
    assert post.read_text(encoding="utf-8") == MARKDOWN


@given(st.lists(st.sampled_from(["```", "~~~", "    FcgidIOTimeout 5", "\tAddHandler fcgid-script .php", "prose # x",
                                 "", "  ", "<Directory /x>", "RUN cat <<EOF", "EOF", "\r", "é"]), max_size=40),
       st.sampled_from(["markdown", "rest", "heredoc"]))
def test_masking_keeps_every_offset_and_only_blanks(lines: list[str], blocks: str) -> None:
    text = "\n".join(lines)
    masked, kept = embedded_config(text, blocks)
    assert len(masked) == len(text)
    for original, out in zip(text.split("\n"), masked.split("\n"), strict=True):
        assert out == original or out == " " * len(original)
    assert all(1 <= a <= b <= len(lines) for a, b in kept)
