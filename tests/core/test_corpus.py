"""fcgilint against real public configs, checked against the expert verdicts in the corpus INDEX.md.

The corpus lives beside the repository in ``shared/corpus`` (or ``$FCGILINT_SHARED/corpus``)
and is never copied into the project; without it these tests skip.
Only verdicts that can be given from the files themselves are asserted here: templates whose
values are placeholders, and documents (Markdown, reST, Puppet, Dockerfiles) that merely quote
configuration, are run for robustness only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fcgilint.load.apache_tree import LoadOptions
from fcgilint.pipeline import analyse
from tests.conftest import shared_dir

CORPUS = shared_dir() / "corpus"
pytestmark = pytest.mark.skipif(not (CORPUS / "INDEX.md").is_file(), reason="shared corpus not present")

ALL_FILES = sorted(p.name for p in CORPUS.glob("*") if p.name != "INDEX.md") if CORPUS.is_dir() else []

# file -> (rules that must fire, rules that must not), from the INDEX.md verdict of that file alone.
VERDICTS: dict[str, tuple[set[str], set[str]]] = {
    "debian_build_apache24__config_php_example.conf": ({"FCG001", "FCG006"}, set()),  # explicit 0 vs php-cgi 500
    "MultiPHPCGI2__apache_conf_conf_httpd.conf": ({"FCG001"}, {"FCG005"}),  # php-cgi.exe default 500 vs 0; 1 GiB length
    "ptphp_backup__etc_httpd.conf": ({"FCG001", "FCG005"}, set()),  # race + 128 KiB default length
    # 1000 = 1000; 8131072 < 8M; <Files ~ "\.php$>"
    "my-httpd-config__services_add-vhosts.conf": ({"FCG005"}, {"FCG001", "FCG007"}),
    "ptphp_backup__Doc_apache_mod_fcgid-ReadMe.txt": ({"FCG005"}, {"FCG001", "FCG007"}),  # non-UTF-8 byte; 1000 = 1000
    "faveo-server-images___docs_installation_providers_enterprise_windows-images_httpd.conf": (
        set(),
        {"FCG001", "FCG003", "FCG005"},
    ),
    # BusyTimeout 300 < IPCCommTimeout 900
    "ispcp__configs_debian_apache_fcgid_ispcp.conf": ({"FCG004", "FCG006"}, {"FCG001"}),
    "ispcp__configs_centos_apache_fcgid_ispcp.conf": ({"FCG004", "FCG006"}, {"FCG001"}),
    "easyscp__configs_debian_apache_fcgid.conf": ({"FCG004", "FCG006"}, {"FCG001"}),
    # 0 without PHP_FCGI_MAX_REQUESTS 0
    "liquidweb-kb-versionA-PARTIAL__fcgi-baseline-template.conf": ({"FCG001"}, set()),
    "liquidweb-kb-versionB-PARTIAL__fcgi-baseline-template.conf": (set(), {"FCG001"}),  # the fixed version
    "cpanel-ea4-mod_fcgid__SOURCES_fcgid.conf": ({"FCG006"}, {"FCG001"}),
    "kloxong__kloxo_file_apache_conf_globals_fcgid.conf": ({"FCG006"}, {"FCG001", "FCG007"}),  # no final newline
    "imscp__configs_debian_php_fcgi_apache_fcgid_module.conf": (set(), {"FCG001", "FCG007"}),
    "ministruts__etc_httpd_cgi_php-wrapper": (set(), {"FCG002", "FCG010"}),
    "ocf-puppet__modules_ocf_www_files_php-fcgi-wrapper": (set(), {"FCG002", "FCG010"}),
    "test-fcgid-error__php-wrapper": (set(), {"FCG002", "FCG010"}),  # no final newline, limit 0
    "VDVESTA__PHP-Selector": ({"FCG002"}, set()),  # writes starters with PHP_FCGI_CHILDREN=10 for mod_fcgid
    # baseline
    "debian-libapache2-mod-fcgid__etc_apache2_mods-available_fcgid.conf": ({"FCG013"}, {"FCG001", "FCG005", "FCG007"}),
    # SocketPath; 1000 <= 1500
    "imscp-2013__configs_debian_apache_fcgid_imscp.conf": ({"FCG006"}, {"FCG001", "FCG004"}),
    "imscp-2013__configs_debian_fcgi_parts_php5-fcgid-starter.tpl": (set(), {"FCG002", "FCG010"}),  # CHILDREN=0
    "imscp-2015__configs_debian_fcgi_parts_php5-fcgid-starter.tpl": (set(), {"FCG002", "FCG010"}),
    "ispconfig3__server_conf_php-fcgi-starter.master": (set(), {"FCG002", "FCG010"}),  # CHILDREN commented out
    "omd__packages_apache-omd_skel_etc_apache_conf.d_02_fcgid.conf": ({"FCG006"}, {"FCG001", "FCG007"}),  # 500 <= 1000
    "omd__packages_apache-omd_skel_etc_apache_php-wrapper": (set(), {"FCG002", "FCG010"}),
    # templates: placeholders are unknown values, never guessed and never a syntax error
    "imscp__configs_debian_php_fcgi_php-fcgi-starter": (set(), {"FCG002", "FCG010"}),
    "ispconfig3-2009__server_conf_php-fcgi-starter.master": (set(), {"FCG002", "FCG010"}),
    "duritong-puppet-mod_fcgid__templates_php_starter.erb": (set(), {"FCG002", "FCG010"}),
    "ispcp__configs_debian_apache_00_master.conf": (set(), {"FCG001"}),  # 500 = 500 once linked (below)
    "makina-states__files_etc_apache2_mods-available_fcgid.conf": (set(), {"FCG001", "FCG007"}),
    # ispconfig3__server_conf_vhost.conf.master: <tmpl_if> logic lines, see the mod_php lines below
    "duritong-puppet-apache__templates_vhosts_default.erb": (set(), {"FCG001", "FCG007", "FCG008"}),  # ERB
    "duritong-puppet-apache-pre2018__templates_vhosts_default.erb": (set(), {"FCG001", "FCG007", "FCG008"}),
    "puppetlabs-apache__templates_mod_fcgid.conf.epp": (set(), {"FCG007"}),  # EPP loop around every directive
    # false-positive traps: not PHP, not mod_fcgid, or all commented out
    "kloxong-old__kloxo_file_apache_php.fcgi": (set(), {"FCG002"}),  # says mod_fastcgi; nothing links it to mod_fcgid
    "pld-apache-mod_fcgid__apache-mod_fcgid.conf": (set(), {"FCG001", "FCG003"}),
    "sous-chefs-apache2__templates_default_mods_fcgid.conf.erb": (set(), {"FCG001"}),
    "docker-mapserver__Dockerfile": (set(), {"FCG001", "FCG002"}),
    "kloxong__kloxo_file_phpsuexec.sh": (set(), {"FCG001", "FCG002"}),  # lighttpd wrapper
    "phptestserver__files_tmpl_php.fcgi": (set(), {"FCG001", "FCG002"}),  # mod_fastcgi wrapper
    "phptestserver__files_tmpl_virtualhost": (set(), {"FCG001", "FCG002"}),
    "kloxong__kloxo_file_apache_tpl_htaccess.tpl": (set(), {"FCG001", "FCG002", "FCG007", "FCG008", "FCG009"}),
    "txcache__RUBiS-1.4.3_apache-rubis-example": (set(), {"FCG001", "FCG014"}),  # MaxRequestsPerChild is the MPM's
    "repro-mod-fcgid-bug__fcgid.conf": (set(), {"FCG001", "FCG002", "FCG003", "FCG005"}),  # Ruby, not PHP
    "docker-mapserver__runtime_etc_apache2_conf-enabled_mapserver.conf": (
        set(),
        {"FCG001", "FCG002", "FCG003", "FCG005"},
    ),
    "gentoo__www-apache_mod_fcgid_files_20_mod_fcgid.conf": (set(), {"FCG001", "FCG007"}),
    "el-mod_fcgid__SOURCES_fcgid24.conf": (set(), {"FCG001", "FCG007"}),
    # mod_php lines: "no effect under php-cgi" (HestiaCP); only in mod_php/ITK branches of a template (others)
    "hestiacp__install_deb_templates_web_apache2_phpfcgid.tpl": ({"FCG018"}, set()),
    "ispconfig3__server_conf_vhost.conf.master": (set(), {"FCG001", "FCG007", "FCG008", "FCG018"}),
    "ispconfig3-2009__server_conf_vhost.conf.master": (set(), {"FCG018"}),
    "imscp__configs_debian_apache_parts_domain.tpl": (set(), {"FCG001", "FCG002", "FCG018"}),
    "ispcp__configs_debian_apache_parts_dmn_php2_entry.tpl": (set(), {"FCG018"}),  # inside <IfModule mod_php5.c>
    "kloxong__kloxo_file_apache_tpl_domains.conf.tpl": (set(), {"FCG018", "FCG033"}),
    # FcgidCmdOptions for /usr/lib/apache2/suexec while FcgidWrapper starts the wrapper: read for nothing
    "ocf-puppet-2018__modules_ocf_www_manifests_mod_fcgid.pp": ({"FCG031"}, set()),
    # suexec's document root is not known for these layouts (/srv/www, /home): a note, no FCG033
    "php-vhost-suexec-auto__www.example.com": (set(), {"FCG033"}),
}


def _rules(path: Path, root: Path | None = None) -> set[str]:
    return {f.rule for f in analyse(path, LoadOptions(root=root)).findings}


@pytest.mark.parametrize("name", ALL_FILES)
def test_every_corpus_file_loads_without_error(name: str) -> None:
    result = analyse(CORPUS / name, LoadOptions())
    assert result.kind in ("apache", "wrapper", "php-ini", "document", "dockerfile", "other")


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_single_file_verdict(name: str) -> None:
    must, must_not = VERDICTS[name]
    fired = _rules(CORPUS / name)
    assert must <= fired, f"{name}: expected {must - fired}"
    assert not (must_not & fired), f"{name}: must not fire {must_not & fired}"


def _linked(tmp_path: Path, placements: dict[str, str]) -> Path:
    """Lay corpus files out at the paths their configs reference."""
    for target, name in placements.items():
        dest = tmp_path / target.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / name, dest)
        dest.chmod(0o755)
    return tmp_path


def test_linked_easyscp_direct_binary_with_global_limit(tmp_path: Path) -> None:
    base = _linked(
        tmp_path,
        {
            "/etc/apache2/apache2.conf": "easyscp__configs_debian_apache_easyscp-setup.conf",
            "/etc/apache2/fcgid.conf": "easyscp__configs_debian_apache_fcgid.conf",
        },
    )
    (base / "etc/apache2/apache2.conf").write_text(
        "Include fcgid.conf\n" + (base / "etc/apache2/apache2.conf").read_text(encoding="latin-1"), encoding="latin-1"
    )
    fired = _rules(base / "etc/apache2/apache2.conf", base)
    assert "FCG001" not in fired  # 500 = php-cgi's default 500: OK (edge)
    assert "FCG004" in fired


def test_linked_timeout_repro(tmp_path: Path) -> None:
    base = _linked(
        tmp_path,
        {
            "/etc/apache2/mods-enabled/fcgid.conf": "test-fcgid-error__fcgid.conf",
            "/usr/local/bin/php-wrapper": "test-fcgid-error__php-wrapper",
        },
    )
    fired = _rules(base / "etc/apache2/mods-enabled/fcgid.conf", base)
    assert "FCG001" not in fired  # PHP_FCGI_MAX_REQUESTS=0 vs 0
    assert "FCG003" in fired  # FcgidIOTimeout 3 < max_execution_time


def test_linked_suexec_vhost_inherits_children_and_race(tmp_path: Path) -> None:
    base = _linked(
        tmp_path,
        {
            "/etc/apache2/sites/www.conf": "php-vhost-suexec-auto__www.example.com",
            "/srv/www/HOSTNAME/php-fcgi-scripts/php-fcgi-starter": "php-vhost-suexec-auto__skel_php-fcgi-scripts_php-"
                                                                   "fcgi-starter",
        },
    )
    result = analyse(base / "etc/apache2/sites/www.conf", LoadOptions(root=base))
    fired = {f.rule for f in result.findings}
    assert {"FCG001", "FCG002", "FCG005"} <= fired
    race = next(f for f in result.findings if f.rule == "FCG001")
    assert "5000" in race.message and any(r.location.file.endswith("php-fcgi-starter") for r in race.related)


def test_linked_ministruts_pair_is_consistent(tmp_path: Path) -> None:
    base = _linked(
        tmp_path,
        {
            "/etc/apache2/sites/ministruts.conf": "ministruts__etc_httpd_apache24-php-fcgi.conf",
            "/srv/example.ministruts.com/etc/httpd/cgi/php-wrapper": "ministruts__etc_httpd_cgi_php-wrapper",
        },
    )
    result = analyse(base / "etc/apache2/sites/ministruts.conf", LoadOptions(root=base, defines=(("SITES", "/srv"),)))
    fired = {f.rule for f in result.findings}
    assert not fired & {"FCG001", "FCG005", "FCG008"}, fired
    assert result.model.classes and all(
        pc.values["PHP_FCGI_MAX_REQUESTS"].number == 2000 for pc in result.model.classes
    )


def test_linked_ispcp_template_with_set_values_inherits_children(tmp_path: Path) -> None:
    """The vhost fragment's placeholders filled with --set values lead to the starter it names."""
    base = _linked(tmp_path, {
        "/etc/apache2/fcgid_ispcp.conf": "ispcp__configs_debian_apache_fcgid_ispcp.conf",
        "/etc/apache2/sites/dmn.conf": "ispcp__configs_debian_apache_parts_dmn_php2_entry.tpl",
        "/var/www/fcgi/example.org/php5-fcgi-starter": "ispcp__configs_debian_fcgi_parts_php5-fcgi-starter.tpl",
    })
    (base / "etc/apache2/apache2.conf").write_text(
        "Include fcgid_ispcp.conf\n<VirtualHost *:80>\nInclude sites/dmn.conf\n</VirtualHost>\n"
    )
    values = (
        ("STARTER_DIR", "/var/www/fcgi"),
        ("DMN_NAME", "example.org"),
        ("PHP_VERSION", "5"),
        ("WWW_DIR", "/var/www"),
    )
    result = analyse(base / "etc/apache2/apache2.conf", LoadOptions(root=base, placeholders=values))
    fired = {f.rule for f in result.findings}
    assert "FCG002" in fired  # PHP_FCGI_CHILDREN=2 in the starter
    assert "FCG001" not in fired  # php-cgi's default 500 = MaxRequestsPerProcess 500
    assert "FCG004" in fired  # BusyTimeout 300 < IPCCommTimeout 900
    children = next(f for f in result.findings if f.rule == "FCG002")
    assert children.location.file.endswith("php5-fcgi-starter")


@pytest.mark.parametrize(("vhost", "php_limit", "races"), [
    ("duritong-puppet-apache__templates_vhosts_default.erb", "5000", False),  # 4990 <= 5000, set just below on purpose
    ("duritong-puppet-apache-pre2018__templates_vhosts_default.erb", "5000", False),  # 5000 = 5000, no margin
    ("duritong-puppet-apache__templates_vhosts_default.erb", "4000", True),  # a starter limit below 4990 races
])
def test_linked_puppet_templates_rendered_with_set_values(
    tmp_path: Path, vhost: str, php_limit: str, races: bool
) -> None:
    """ERB vhost + ERB starter: --set fills both sides, so the verdict of INDEX.md can be checked."""
    base = _linked(tmp_path, {
        "/etc/apache2/sites/vhost.conf": vhost,
        "/var/www/mod_fcgid-starters/example/example-starter": "duritong-puppet-mod_fcgid__templates_php_starter.erb",
    })
    values = (("name", "example"), ("passing_extension", "php"), ("fcgi_max_requests", php_limit))
    result = analyse(base / "etc/apache2/sites/vhost.conf", LoadOptions(root=base, placeholders=values))
    (pc,) = result.model.classes
    assert pc.values["PHP_FCGI_MAX_REQUESTS"].number == int(php_limit)
    fired = {f.rule for f in result.findings}
    assert ("FCG001" in fired) is races
    assert "FCG002" not in fired  # the starter exports PHP_FCGI_CHILDREN=0
