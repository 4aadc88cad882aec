"""The model decides values the way httpd, mod_fcgid and php-cgi really do."""

from __future__ import annotations

from pathlib import Path

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse

WRAPPER = "usr/local/bin/php-wrapper"


def _class(tree, conf: str, wrapper: str | None = None, **opts):
    files = {"httpd.conf": conf}
    if wrapper is not None:
        files[WRAPPER] = wrapper
    base: Path = tree(files)
    result = analyse(base / "httpd.conf", LoadOptions(root=base, **opts))
    return result, result.model.classes


def _rules(result) -> set[str]:
    return {f.rule for f in result.findings}


def test_wrapper_assignment_beats_initial_env(tree) -> None:
    result, (pc,) = _class(
        tree,
        f"FcgidInitialEnv PHP_FCGI_MAX_REQUESTS 3\nFcgidWrapper /{WRAPPER} .php\n",
        "#!/bin/sh\nexport PHP_FCGI_MAX_REQUESTS=1000\nexec /usr/bin/php-cgi\n",
    )
    value = pc.values["PHP_FCGI_MAX_REQUESTS"]
    assert value.number == 1000
    assert value.location is not None and value.location.file.endswith("php-wrapper") and value.location.line == 2


def test_wrapper_default_expansion_keeps_inherited_value(tree) -> None:
    _, (pc,) = _class(
        tree,
        f"FcgidInitialEnv PHP_FCGI_MAX_REQUESTS 3\nFcgidWrapper /{WRAPPER} .php\n",
        "#!/bin/sh\nexport PHP_FCGI_MAX_REQUESTS=${PHP_FCGI_MAX_REQUESTS:-1000}\nexec php-cgi\n",
    )
    assert pc.values["PHP_FCGI_MAX_REQUESTS"].number == 3


def test_setenv_never_reaches_php_cgi(tree) -> None:
    result, (pc,) = _class(tree, "SetEnv PHP_FCGI_MAX_REQUESTS 100\nFcgidWrapper /usr/bin/php-cgi .php\n")
    assert pc.values["PHP_FCGI_MAX_REQUESTS"].number == 500
    assert {"FCG001", "FCG011"} <= _rules(result)


def test_suexec_strips_initial_env(tree) -> None:
    conf = ("FcgidMaxRequestsPerProcess 0\nFcgidInitialEnv PHP_FCGI_MAX_REQUESTS 0\n<VirtualHost *:80>\n"
            "SuexecUserGroup web1 web1\nFcgidWrapper /usr/bin/php-cgi .php\n</VirtualHost>\n")
    result, classes = _class(tree, conf)
    pc = classes[0]
    assert pc.values["PHP_FCGI_MAX_REQUESTS"].number == 500
    assert any("suEXEC" in str(step) for step in pc.values["PHP_FCGI_MAX_REQUESTS"].chain)
    assert "FCG001" in _rules(result)


def test_initial_env_without_suexec_is_honoured(tree) -> None:
    result, (pc,) = _class(
        tree,
        "FcgidMaxRequestsPerProcess 0\nFcgidInitialEnv PHP_FCGI_MAX_REQUESTS 0\nFcgidWrapper /usr/bin/php-cgi .php\n",
    )
    assert pc.values["PHP_FCGI_MAX_REQUESTS"].number == 0
    assert "FCG001" not in _rules(result)


def test_cmd_options_replace_initial_env_and_server_values(tree) -> None:
    conf = ("FcgidIOTimeout 120\nFcgidMaxRequestsPerProcess 100\nFcgidInitialEnv PHP_FCGI_MAX_REQUESTS 100\n"
            "FcgidCmdOptions /usr/bin/php-cgi InitialEnv PHP_FCGI_MAX_REQUESTS=50 MaxRequestsPerProcess 50\n"
            "FcgidWrapper /usr/bin/php-cgi .php\n")
    result, (pc,) = _class(tree, conf)
    assert pc.values["PHP_FCGI_MAX_REQUESTS"].number == 50
    assert pc.values["FcgidMaxRequestsPerProcess"].number == 50
    assert pc.values["FcgidIOTimeout"].number == 40  # compiled-in default, not 120
    assert "FCG012" in _rules(result)


def test_vhost_values_merge_over_main_server(tree) -> None:
    conf = ("FcgidMaxRequestsPerProcess 100\nFcgidIOTimeout 90\n<VirtualHost *:80>\nFcgidMaxRequestsPerProcess 400\n"
            "FcgidWrapper /usr/bin/php-cgi .php\n</VirtualHost>\n")
    _, (pc,) = _class(tree, conf)
    assert pc.values["FcgidMaxRequestsPerProcess"].number == 400
    assert pc.values["FcgidIOTimeout"].number == 90


def test_legacy_names_count_and_minus_one_is_unlimited(tree) -> None:
    result, (pc,) = _class(tree, "MaxRequestsPerProcess -1\nFCGIWrapper /usr/bin/php-cgi .php\n")
    assert pc.values["FcgidMaxRequestsPerProcess"].number == 0
    assert {"FCG001", "FCG006"} <= _rules(result)


def test_php_reads_limits_with_atoi(tree) -> None:
    for raw, expected in (("", 0), ("abc", 0), (" 4", 4), ("4abc", 4)):
        _, (pc,) = _class(
            tree,
            f"FcgidWrapper /{WRAPPER} .php\n",
            f"#!/bin/sh\nexport PHP_FCGI_MAX_REQUESTS='{raw}'\nexec /usr/bin/php-cgi\n",
        )
        assert pc.values["PHP_FCGI_MAX_REQUESTS"].number == expected, raw


def test_negative_php_limit_is_reported_as_refused(tree) -> None:
    result, _ = _class(
        tree,
        f"FcgidMaxRequestsPerProcess 10\nFcgidWrapper /{WRAPPER} .php\n",
        "#!/bin/sh\nexport PHP_FCGI_MAX_REQUESTS=2147483648\nexec /usr/bin/php-cgi\n",
    )
    assert "FCG010" in _rules(result)


def test_unexported_new_variable_does_not_reach_php(tree) -> None:
    result, (pc,) = _class(
        tree,
        f"FcgidMaxRequestsPerProcess 1000\nFcgidWrapper /{WRAPPER} .php\n",
        "#!/bin/sh\nPHP_FCGI_MAX_REQUESTS=1000\nexec /usr/bin/php-cgi\n",
    )
    assert pc.values["PHP_FCGI_MAX_REQUESTS"].number == 500
    assert "FCG011" in _rules(result)


def test_unexported_assignment_to_inherited_variable_does_reach_php(tree) -> None:
    _, (pc,) = _class(
        tree,
        f"FcgidInitialEnv PHP_FCGI_MAX_REQUESTS 3\nFcgidWrapper /{WRAPPER} .php\n",
        "#!/bin/sh\nPHP_FCGI_MAX_REQUESTS=1000\nexec /usr/bin/php-cgi\n",
    )
    assert pc.values["PHP_FCGI_MAX_REQUESTS"].number == 1000


def test_sourced_file_and_php_ini_chain(tree) -> None:
    base = tree({
        "httpd.conf": "FcgidMaxRequestsPerProcess 400\nFcgidWrapper /srv/starter .php\n",
        "srv/starter": "#!/bin/bash\n. /srv/env.sh\nexec /usr/bin/php-cgi -c /srv/php.ini -d max_execution_time=90\n",
        "srv/env.sh": "export PHP_FCGI_MAX_REQUESTS=400\n",
        "srv/php.ini": "[PHP]\nmax_execution_time = 30\npost_max_size = \"64M\"\n",
    })
    result = analyse(base / "httpd.conf", LoadOptions(root=base))
    (pc,) = result.model.classes
    assert pc.values["PHP_FCGI_MAX_REQUESTS"].number == 400
    assert pc.values["max_execution_time"].number == 90
    assert pc.values["post_max_size"].number == 64 * 1024 * 1024
    assert "FCG001" not in _rules(result)
