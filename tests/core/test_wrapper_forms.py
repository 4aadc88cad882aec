"""The php-cgi a wrapper really starts, whatever form the line takes, and php-cgi by what it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse

INI = "[PHP]\npost_max_size = 64M\nupload_max_filesize = 64M\n"
DIST_INI = "[PHP]\npost_max_size = 8M\nupload_max_filesize = 2M\n"


def _class(tree, conf: str, files: dict[str, str] | None = None):
    base: Path = tree(
        {"httpd.conf": conf, "etc/php/8.2/cgi/php.ini": DIST_INI, "srv/site/php.ini": INI, **(files or {})}
    )
    result = analyse(base / "httpd.conf", LoadOptions(root=base))
    (pc,) = result.model.classes
    return result, pc


def test_the_wrapper_lines_own_c_and_d_choose_php_ini(tree) -> None:
    result, pc = _class(tree, 'FcgidMaxRequestLen 1048576\nFcgidWrapper "/usr/bin/php-cgi8.2 -c /srv/site/php.ini '
                              '-d max_execution_time=90" .php\n')
    assert pc.values["post_max_size"].number == 64 * 1024 * 1024
    assert pc.values["max_execution_time"].decided_by == "-d on the php-cgi command line"
    (upload,) = [f for f in result.findings if f.rule == "FCG005"]
    assert "67108864" in upload.message  # the site's php.ini, not the distribution's 8M


def test_n_on_the_wrapper_line_reads_no_php_ini(tree) -> None:
    _, pc = _class(tree, 'FcgidWrapper "/usr/bin/php-cgi8.2 -n" .php\n')
    assert pc.ini_files == [] and "-n" in (pc.ini_reason or "")


WRAPPERS = {
    "nice": "#!/bin/sh\nexport PHP_FCGI_MAX_REQUESTS=50\nexec nice -n 15 /usr/bin/php-cgi8.2 -c /srv/site/php.ini\n",
    "env": "#!/bin/sh\nexec /usr/bin/env PHP_FCGI_MAX_REQUESTS=50 php-cgi -c /srv/site/php.ini\n",
    "opts": "#!/bin/sh\nOPTS='-c /srv/site/php.ini -d memory_limit=256M'\nexport PHP_FCGI_MAX_REQUESTS=50\n"
    "exec /usr/bin/php-cgi $OPTS\n",
    "quoted-var": '#!/bin/bash\nPHP=/usr/bin/php-cgi8.2\nexport PHP_FCGI_MAX_REQUESTS=50\nexec "$PHP" -c /srv/site/php.'
                  'ini\n',
    "local": "#!/bin/bash\nstart() {\n  local ini=/srv/site/php.ini\n  export PHP_FCGI_MAX_REQUESTS=50\n"
    '  exec /usr/bin/php-cgi -c "$ini"\n}\nstart\n',
}


@pytest.mark.parametrize("form", sorted(WRAPPERS))
def test_wrapper_forms_keep_the_binary_and_its_options(tree, form: str) -> None:
    result, pc = _class(tree, "FcgidWrapper /usr/local/bin/php-wrapper .php\n",
                        {"usr/local/bin/php-wrapper": WRAPPERS[form]})
    assert pc.is_php and pc.call is not None and "php-cgi" in pc.call.argv[0]
    assert pc.values["post_max_size"].number == 64 * 1024 * 1024, pc.values["post_max_size"].chain
    assert pc.values["PHP_FCGI_MAX_REQUESTS"].number == 50
    assert not [f for f in result.findings if f.rule == "FCG008"]


@pytest.mark.parametrize("binary", ["/usr/local/cpanel/cgi-sys/php5", "/usr/local/bin/php", "/usr/bin/php-fcgi5.6"])
def test_php_cgi_is_recognised_by_what_it_is_and_never_a_false_fcg008(tree, binary: str) -> None:
    result, pc = _class(tree, f"FcgidWrapper {binary} .php\n")
    assert pc.is_php
    assert not [f for f in result.findings if f.rule == "FCG008"]
    assert any(binary in note and "FCG008" in note for note in result.notes)


@pytest.mark.parametrize("line", [
    "read -r PHP_FCGI_MAX_REQUESTS < /srv/site/limit",
    "read -t 1 -p 'limit? ' PHP_FCGI_MAX_REQUESTS </srv/site/limit",
    "IFS== read -r _ PHP_FCGI_MAX_REQUESTS < /srv/site/limit",
])
def test_a_limit_read_at_run_time_is_unknown_not_php_cgis_default(tree, line: str) -> None:
    """``read`` stores what a file holds when the wrapper runs: FCG001 says it cannot tell, it never assumes 500."""
    wrapper = f"#!/bin/sh\n{line}\nexport PHP_FCGI_MAX_REQUESTS\nexec /usr/bin/php-cgi\n"
    result, pc = _class(tree, "FcgidWrapper /srv/site/php-wrapper .php\n",
                        {"srv/site/php-wrapper": wrapper, "srv/site/limit": "20\n"})
    limit = pc.values["PHP_FCGI_MAX_REQUESTS"]
    assert limit.number is None and limit.location is not None and limit.location.line == 2
    assert not [f for f in result.findings if f.rule == "FCG001"]
    assert any(n.startswith("FCG001: not checked: ") and "decided when the wrapper runs" in n for n in result.notes)
