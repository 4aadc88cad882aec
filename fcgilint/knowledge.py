"""What mod_fcgid and php-cgi do, as data.

Sources (see the project's reference notes):
* directive table, defaults, contexts: mod_fcgid 2.3.9 ``modules/fcgid/mod_fcgid.c``
  (``fcgid_cmds[]``) and ``fcgid_conf.c`` (``DEFAULT_*`` macros,
  ``create_fcgid_server_config``, ``merge_fcgid_server_config``);
* legacy names: the manual's "Upgrade Notes" and ``build/fixconf.sed``;
* php-cgi: ``sapi/cgi/cgi_main.c`` (``max_requests = 500``, ``atoi`` of
  ``PHP_FCGI_MAX_REQUESTS``, negative values refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Context(Enum):
    """Where httpd accepts a directive (``cmd->req_override`` plus GLOBAL_ONLY checks)."""

    SERVER = "server config"  # RSRC_CONF + ap_check_cmd_context(GLOBAL_ONLY)
    SERVER_VHOST = "server config, virtual host"  # RSRC_CONF
    ANY = "server config, virtual host, directory, .htaccess"  # RSRC|ACCESS|OR_FILEINFO
    DIRECTORY = "directory, .htaccess"  # ACCESS_CONF|OR_FILEINFO


class ArgKind(Enum):
    """How mod_fcgid reads the argument; decides what FCG007 can say about a value."""

    ATOL = "atol"  # atol(): "10M" silently becomes 10, "abc" becomes 0
    SECONDS_POSITIVE = "positive"  # IOTimeout: atol, must be > 0 or httpd refuses
    BYTES_STRICT = "strict bytes"  # MaxRequestLen: apr_strtoff, no trailing chars, >= 0
    FLAG = "On|Off"
    TEXT = "text"


@dataclass(frozen=True)
class Directive:
    """One mod_fcgid directive."""

    name: str
    legacy: str | None
    min_args: int
    max_args: int  # -1: any number (RAW_ARGS)
    kind: ArgKind
    default: int | str | None
    context: Context

    @property
    def key(self) -> str:
        return self.name.lower()


def _d(
    name: str, legacy: str | None, arity: tuple[int, int], kind: ArgKind, default: int | str | None, ctx: Context
) -> Directive:
    return Directive(name, legacy, arity[0], arity[1], kind, default, ctx)


_ONE = (1, 1)
_S, _SV, _ANY, _DIR = Context.SERVER, Context.SERVER_VHOST, Context.ANY, Context.DIRECTORY
A, POS, STRICT, FLAG, TEXT = ArgKind.ATOL, ArgKind.SECONDS_POSITIVE, ArgKind.BYTES_STRICT, ArgKind.FLAG, ArgKind.TEXT

# Defaults: fcgid_conf.c L35-60. MaxRequestLen: 131072 since 2.3.6 (1 GiB before).
DIRECTIVES: tuple[Directive, ...] = (
    _d("FcgidAccessChecker", "FastCgiAccessChecker", _ONE, TEXT, None, _DIR),
    _d("FcgidAccessCheckerAuthoritative", "FastCgiAccessCheckerAuthoritative", _ONE, FLAG, "On", _DIR),
    _d("FcgidAuthenticator", "FastCgiAuthenticator", _ONE, TEXT, None, _DIR),
    _d("FcgidAuthenticatorAuthoritative", "FastCgiAuthenticatorAuthoritative", _ONE, FLAG, "On", _DIR),
    _d("FcgidAuthorizer", "FastCgiAuthorizer", _ONE, TEXT, None, _DIR),
    _d("FcgidAuthorizerAuthoritative", "FastCgiAuthorizerAuthoritative", _ONE, FLAG, "On", _DIR),
    _d("FcgidBusyScanInterval", "BusyScanInterval", _ONE, A, 120, _S),
    _d("FcgidBusyTimeout", "BusyTimeout", _ONE, A, 300, _SV),
    _d("FcgidCmdOptions", None, (2, -1), TEXT, None, _SV),
    _d("FcgidConnectTimeout", "IPCConnectTimeout", _ONE, A, 3, _SV),
    _d("FcgidErrorScanInterval", "ErrorScanInterval", _ONE, A, 3, _S),
    _d("FcgidFixPathinfo", "PHP_Fix_Pathinfo_Enable", _ONE, A, 0, _S),
    _d("FcgidIdleScanInterval", "IdleScanInterval", _ONE, A, 120, _S),
    _d("FcgidIdleTimeout", "IdleTimeout", _ONE, A, 300, _SV),
    _d("FcgidInitialEnv", "DefaultInitEnv", (1, 2), TEXT, None, _SV),
    _d("FcgidIOTimeout", "IPCCommTimeout", _ONE, POS, 40, _SV),
    _d("FcgidIPCDir", "SocketPath", _ONE, TEXT, "logs/fcgidsock", _S),
    _d("FcgidMaxProcesses", "MaxProcessCount", _ONE, A, 1000, _S),
    _d("FcgidMaxProcessesPerClass", "DefaultMaxClassProcessCount", _ONE, A, 100, _SV),
    _d("FcgidMaxRequestInMem", "MaxRequestInMem", _ONE, A, 65536, _SV),
    _d("FcgidMaxRequestLen", "MaxRequestLen", _ONE, STRICT, 131072, _SV),
    _d("FcgidMaxRequestsPerProcess", "MaxRequestsPerProcess", _ONE, A, 0, _SV),
    _d("FcgidMinProcessesPerClass", "DefaultMinClassProcessCount", _ONE, A, 3, _SV),
    _d("FcgidOutputBufferSize", "OutputBufferSize", _ONE, A, 65536, _SV),
    _d("FcgidPassHeader", "PassHeader", _ONE, TEXT, None, _SV),
    _d("FcgidProcessLifeTime", "ProcessLifeTime", _ONE, A, 3600, _SV),
    _d("FcgidProcessTableFile", "SharememPath", _ONE, TEXT, "logs/fcgid_shm", _S),
    _d("FcgidSpawnScore", "SpawnScore", _ONE, A, 1, _S),
    _d("FcgidSpawnScoreUpLimit", "SpawnScoreUpLimit", _ONE, A, 10, _S),
    _d("FcgidTerminationScore", "TerminationScore", _ONE, A, 2, _S),
    _d("FcgidTimeScore", "TimeScore", _ONE, A, 1, _S),
    _d("FcgidWrapper", "FCGIWrapper", (1, 3), TEXT, None, _ANY),
    _d("FcgidZombieScanInterval", "ZombieScanInterval", _ONE, A, 3, _S),
)

BY_KEY: dict[str, Directive] = {}
for _dir in DIRECTIVES:
    BY_KEY[_dir.key] = _dir
    if _dir.legacy:
        BY_KEY[_dir.legacy.lower()] = _dir


def lookup(name: str) -> Directive | None:
    """The directive for a current or legacy name, case-insensitively."""
    return BY_KEY.get(name.lower())


def is_legacy(name: str) -> bool:
    """True for a pre-2.3.2 name that httpd still accepts as an alias."""
    directive = lookup(name)
    return directive is not None and directive.key != name.lower()


# FcgidCmdOptions options -> the server directive they replace (fcgid_conf.c L972-1146).
# When a command has FcgidCmdOptions, every option it does not give takes the
# compiled-in default, not the server/vhost value, and FcgidInitialEnv is dropped.
CMD_OPTIONS: dict[str, str] = {
    "connecttimeout": "FcgidConnectTimeout",
    "idletimeout": "FcgidIdleTimeout",
    "iotimeout": "FcgidIOTimeout",
    "maxprocesses": "FcgidMaxProcessesPerClass",
    "maxprocesslifetime": "FcgidProcessLifeTime",
    "maxrequestsperprocess": "FcgidMaxRequestsPerProcess",
    "minprocesses": "FcgidMinProcessesPerClass",
}

# php-cgi (cgi_main.c): default request limit and the int range atoi() yields.
PHP_DEFAULT_MAX_REQUESTS = 500
INT_MAX = 2147483647

# php.ini built-in defaults (main/main.c), used when no php.ini is found.
PHP_INI_DEFAULTS: dict[str, str] = {
    "max_execution_time": "30",
    "post_max_size": "8M",
    "upload_max_filesize": "2M",
    "memory_limit": "128M",
    "cgi.fix_pathinfo": "1",
    # Paths php-cgi must reach; open_basedir limits them (main/fopen_wrappers.c php_check_open_basedir).
    "open_basedir": "",
    "upload_tmp_dir": "",
    "sys_temp_dir": "",
}

# httpd core LimitRequestBody: 0 (unlimited) until 2.4.53, 1 GiB since 2.4.54 (CHANGES, CVE-2022-29404).
LIMIT_REQUEST_BODY_DEFAULT = 1073741824

# mod_fcgid 2.3.9 INITENV_VAL_LEN: longer FcgidInitialEnv values are cut silently.
INITENV_VAL_LEN = 128

# Section names that scope directives per directory (not conditionals, not vhosts).
PER_DIR_SECTIONS = frozenset(
    {
        "directory",
        "directorymatch",
        "location",
        "locationmatch",
        "files",
        "filesmatch",
        "if",
        "elseif",
        "else",
        "proxy",
        "proxymatch",
        "limit",
        "limitexcept",
    }
)
CONDITIONAL_SECTIONS = frozenset({"ifmodule", "ifdefine", "ifversion", "ifdirective", "iffile", "ifsection"})

# Argument counts of the httpd directives that sit beside mod_fcgid's (min, max; -1: any), and what
# their words are, so a '#' on a directive's line can be told apart: refused, or read as more words.
# ITERATE/ITERATE2: modules/http/mod_mime.c L422-469, modules/metadata/mod_env.c L151-155;
# TAKEn: server/core.c L4776-4947, modules/mappers/mod_actions.c L142, mod_alias.c L750-760,
# modules/generators/mod_suexec.c L119, modules/core/mod_so.c L429; DirectoryIndex (modules/mappers/mod_dir.c
# L150) takes RAW_ARGS and splits them into words itself.
HTTPD_ARITY: dict[str, tuple[int, int, str]] = {
    "addhandler": (2, -1, "extensions"), "addtype": (2, -1, "extensions"),
    "addoutputfilter": (2, -1, "extensions"), "addinputfilter": (2, -1, "extensions"),
    "addcharset": (2, -1, "extensions"), "addencoding": (2, -1, "extensions"),
    "addlanguage": (2, -1, "extensions"), "removehandler": (1, -1, "extensions"),
    "removetype": (1, -1, "extensions"), "passenv": (1, -1, "variable names"),
    "unsetenv": (1, -1, "variable names"), "directoryindex": (1, -1, "index file names"),
    "sethandler": (1, 1, ""), "forcetype": (1, 1, ""), "setoutputfilter": (1, 1, ""),
    "setinputfilter": (1, 1, ""), "documentroot": (1, 1, ""), "servername": (1, 1, ""),
    "serveradmin": (1, 1, ""), "setenv": (1, 2, ""), "action": (2, 3, ""), "alias": (1, 2, ""),
    "scriptalias": (1, 2, ""), "aliasmatch": (2, 2, ""), "scriptaliasmatch": (2, 2, ""),
    "suexecusergroup": (2, 2, ""), "loadmodule": (2, 2, ""),
}


def arity(name: str) -> tuple[int, int, str] | None:
    """(min, max, what the words are) of a mod_fcgid or common httpd directive; None if unknown."""
    directive = lookup(name)
    if directive is not None:
        return directive.min_args, directive.max_args, "arguments"
    return HTTPD_ARITY.get(name.lower())
