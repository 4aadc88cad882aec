"""The capacity model on small trees: recycle length, spawn score, ceilings, rate, idle floor."""

from __future__ import annotations

from pathlib import Path

import pytest

from fcgilint import capacity
from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse

WRAPPER = "#!/bin/sh\nPHP_FCGI_MAX_REQUESTS={php}\nexport PHP_FCGI_MAX_REQUESTS\nexec /usr/bin/php-cgi\n"


def _capacity(tree, conf: str, php: int | None = None) -> capacity.ServerCapacity:
    files = {"httpd.conf": conf}
    if php is not None:
        files["usr/local/bin/php-wrapper"] = WRAPPER.format(php=php)
    root = tree(files)
    result = analyse(root / "httpd.conf", LoadOptions(root=root))
    cap = capacity.of(result.model)
    assert cap is not None
    return cap


@pytest.mark.parametrize(
    ("fcgid", "php", "recycle"),
    [("20", 20, 20.0), ("0", 20, 20.0), ("40", 20, 20.0), ("10", 20, 10.0), ("0", 0, None), ("-5", 0, 1.0)],
)
def test_recycle_length_is_the_smaller_finite_limit(tree, fcgid: str, php: int, recycle: float | None) -> None:
    conf = f"FcgidMaxRequestsPerProcess {fcgid}\nFcgidWrapper /usr/local/bin/php-wrapper .php\n"
    (cc,) = _capacity(tree, conf, php).classes
    assert cc.recycle.number == recycle


def test_default_spawn_score_caps_a_class_recycling_every_20_requests_near_7_per_second(tree) -> None:
    conf = "FcgidMaxRequestsPerProcess 20\nFcgidWrapper /usr/local/bin/php-wrapper .php\n"
    cap = _capacity(tree, conf, 20)
    (cc,) = cap.classes
    assert [cap.score[n].number for n in capacity.SCORE_NAMES] == [1, 2, 1, 10]
    assert cc.rate.number == pytest.approx(20 / 3)
    assert cc.burst.number == 200
    assert any("fcgid_spawn_ctl.c" in step.text for step in cc.rate.chain)


def test_spawn_score_settings_change_the_rate(tree) -> None:
    conf = (
        "FcgidTimeScore 3\nFcgidTerminationScore 1\nFcgidMaxRequestsPerProcess 20\n"
        "FcgidWrapper /usr/local/bin/php-wrapper .php\n"
    )
    (cc,) = _capacity(tree, conf, 20).classes
    assert cc.rate.number == pytest.approx(20 * 3 / 2)


def test_a_score_that_never_decays_sustains_nothing_and_free_exits_are_not_throttled(tree) -> None:
    base = "FcgidMaxRequestsPerProcess 20\nFcgidWrapper /usr/local/bin/php-wrapper .php\n"
    (never,) = _capacity(tree, "FcgidTimeScore 0\n" + base, 20).classes
    assert never.rate.number == 0
    (free,) = _capacity(tree, "FcgidTerminationScore -1\n" + base, 20).classes
    assert free.rate.number is None and "not limited" in free.rate.shown


def test_process_ceiling_takes_cmdoptions_and_the_global_limit(tree) -> None:
    conf = (
        "FcgidMaxProcesses 30\nFcgidMaxProcessesPerClass 50\n"
        "<VirtualHost *:80>\n  ServerName a\n  FcgidWrapper /usr/local/bin/php-wrapper .php\n</VirtualHost>\n"
        "<VirtualHost *:80>\n  ServerName b\n  FcgidWrapper /usr/local/bin/php-wrapper .php\n"
        "  FcgidCmdOptions /usr/local/bin/php-wrapper MaxProcesses 4\n</VirtualHost>\n"
    )
    a, b = _capacity(tree, conf, 500).classes
    assert (a.processes.number, b.processes.number) == (30, 4)
    assert b.idle_floor.number == 3  # FcgidCmdOptions without MinProcesses: the compiled-in default


@pytest.mark.parametrize(
    ("conf", "mpm", "workers"),
    [
        ("", "event", 400),  # 16 x 25
        ("MaxRequestWorkers 150\n", "event", 150),
        ("ThreadsPerChild 25\nMaxRequestWorkers 130\nServerLimit 4\n", "event", 100),
        ("ThreadsPerChild 100\nMaxRequestWorkers 400\n", "event", 384),  # ThreadsPerChild cut to ThreadLimit 64
        ("LoadModule mpm_prefork_module m.so\n", "prefork", 256),
        ("LoadModule mpm_prefork_module m.so\nMaxClients 40\n", "prefork", 40),
        ("LoadModule mpm_prefork_module m.so\nMaxRequestWorkers 400\nServerLimit 300\n", "prefork", 300),
        ("LoadModule mpm_worker_module m.so\nMaxRequestWorkers 60\nThreadsPerChild 20\n", "worker", 60),
    ],
)
def test_worker_ceiling_per_mpm(tree, conf: str, mpm: str, workers: int) -> None:
    cap = _capacity(tree, conf + "FcgidWrapper /usr/bin/php-cgi .php\n")
    assert (cap.workers.mpm, cap.workers.ceiling.number) == (mpm, workers)


def test_idle_floor_counts_every_class(tree) -> None:
    vhosts = "".join(
        f"<VirtualHost *:80>\n  ServerName v{i}\n  FcgidWrapper /usr/bin/php-cgi .php\n</VirtualHost>\n"
        for i in range(4)
    )
    cap = _capacity(tree, "FcgidMinProcessesPerClass 2\n" + vhosts)
    assert cap.idle_floor.number == 8


def test_no_tree_no_capacity(tmp_path: Path) -> None:
    wrapper = tmp_path / "php-wrapper"
    wrapper.write_text(WRAPPER.format(php=20))
    wrapper.chmod(0o755)
    assert capacity.of(analyse(wrapper, LoadOptions(root=tmp_path)).model) is None


def test_one_throttling_limit_shared_by_many_vhosts_is_one_finding(tree) -> None:
    vhosts = "".join(
        f"<VirtualHost *:80>\n  ServerName v{i}.example\n"
        "  FcgidWrapper /usr/local/bin/php-wrapper .php\n</VirtualHost>\n"
        for i in range(3)
    )
    root = tree({"httpd.conf": "FcgidMaxRequestsPerProcess 20\n" + vhosts,
                 "usr/local/bin/php-wrapper": WRAPPER.format(php=20)})
    result = analyse(root / "httpd.conf", LoadOptions(root=root))
    (finding,) = [f for f in result.findings if f.rule == "FCG021"]
    assert finding.location.line == 1 and finding.vhosts == ["v0.example", "v1.example", "v2.example"]
