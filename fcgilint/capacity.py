"""Stage 2b: what each FastCGI process class can sustain, from the model's values.

mod_fcgid throttles spawning per class with a score (``fcgid_spawn_ctl.c``):
each process start adds FcgidSpawnScore (L102-104), each exit that the process
manager reaps adds FcgidTerminationScore (L105-107), the score decays by
FcgidTimeScore per elapsed second (L110-113), and no process is started while
the class's score is at or above FcgidSpawnScoreUpLimit (L203-210), nor beyond
FcgidMaxProcessesPerClass (L215-221) or FcgidMaxProcesses in total (L167-173).
The four score directives are global (``ap_check_cmd_context(GLOBAL_ONLY)``,
``fcgid_conf.c`` L410-454), so they are read from the main server only.

A class that recycles every R requests (mod_fcgid's FcgidMaxRequestsPerProcess,
``fcgid_bridge.c`` L198-202, or php-cgi's own PHP_FCGI_MAX_REQUESTS) pays
SpawnScore + TerminationScore per R requests while the score decays TimeScore
per second, so in the long run it serves at most
``R x TimeScore / (SpawnScore + TerminationScore)`` requests per second. From
idle it first gets a burst of about ``SpawnScoreUpLimit / SpawnScore`` process
starts. Each process serves one request at a time and every request holds an
httpd worker, so concurrency is capped by the class's process ceiling and the
MPM's worker ceiling. FcgidMinProcessesPerClass processes of every class that
has run are never reaped for idleness or lifetime (``is_kill_allowed``,
``fcgid_spawn_ctl.c`` L246-250; ``scan_idlelist``, ``fcgid_pm_main.c``
L82-88): that is the idle floor.

Every number is a :class:`Figure` with the chain of steps that produced it, like
the model's values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fcgilint.knowledge import INT_MAX
from fcgilint.load.apache_tree import ConfigTree, VHost
from fcgilint.model import Model, ProcessClass, Step, Value, atol, server_value

SCORE_NAMES = ("FcgidSpawnScore", "FcgidTerminationScore", "FcgidTimeScore", "FcgidSpawnScoreUpLimit")

# httpd's MPM defaults (line numbers of httpd trunk; 2.4 has the same values, checked against apache2 -t in the
# tests): server/mpm/event/mpm_default.h L52 (ThreadsPerChild 25),
# server/mpm/event/event.c L121 (ServerLimit 16), L139 (ThreadLimit 64); worker.c the same;
# server/mpm/prefork/prefork.c L76 (ServerLimit 256, which is also MaxRequestWorkers' default, L1376).
THREADED_DEFAULTS = {"threadsperchild": 25, "serverlimit": 16, "threadlimit": 64}
PREFORK_SERVER_LIMIT = 256
MPMS = ("event", "worker", "prefork")
#: The rate (requests/s) each class is expected to sustain when neither the project nor evidence says.
DEFAULT_RATE = 20.0


@dataclass(slots=True)
class Figure:
    """A computed capacity number; ``number`` is None when it is unlimited or unknown (see ``shown``)."""

    name: str
    number: float | None
    shown: str
    chain: list[Step] = field(default_factory=list)
    why: str = ""  # what decided it, in a few words

    @property
    def known(self) -> bool:
        return self.number is not None


@dataclass
class Workers:
    """The MPM's ceiling on requests in progress at once (each fcgid request holds one)."""

    mpm: str
    mpm_source: str
    ceiling: Figure


@dataclass(slots=True)
class ClassCapacity:
    """One class: recycle length, ceilings, sustainable rate and idle floor."""

    pc: ProcessClass
    recycle: Figure
    processes: Figure
    rate: Figure
    burst: Figure
    concurrency: Figure
    idle_floor: Value


@dataclass
class ServerCapacity:
    """The whole server: spawn score in force, worker ceiling, and every class."""

    score: dict[str, Value]
    max_processes: Value
    workers: Workers
    classes: list[ClassCapacity]
    idle_floor: Figure

    def of(self, pc: ProcessClass) -> ClassCapacity | None:
        """The capacity of one class of the model."""
        return next((c for c in self.classes if c.pc is pc), None)


def _chain(value: Value) -> list[Step]:
    return [Step(f"{value.name}: {step.text}", step.location, step.dropped) for step in value.chain]


def fmt_rate(number: float) -> str:
    """A rate as shown: one decimal below 100, whole numbers above."""
    return f"{number:.1f}" if number < 100 else f"{number:.0f}"


def recycle_length(pc: ProcessClass) -> Figure:
    """R: after how many requests a process of the class is replaced (None: never, by request count)."""
    fcgid = pc.values.get("FcgidMaxRequestsPerProcess")
    php = pc.values.get("PHP_FCGI_MAX_REQUESTS") if pc.is_php else None
    chain: list[Step] = []
    limits: list[tuple[int, str]] = []
    if fcgid is not None:
        chain += _chain(fcgid)
        if fcgid.number is not None and fcgid.number < 0:
            limits.append((
                1, "a negative FcgidMaxRequestsPerProcess retires after every request (fcgid_bridge.c L198)"
            ))
        elif fcgid.number:
            limits.append((fcgid.number, "FcgidMaxRequestsPerProcess: mod_fcgid retires the process"))
    if php is not None:
        chain += _chain(php)
        if php.number is None:
            chain.append(Step("PHP_FCGI_MAX_REQUESTS cannot be known: the recycle length is unknown"))
            return Figure("recycle length", None, "unknown", chain)
        if 0 < php.number <= INT_MAX:
            limits.append((php.number, "PHP_FCGI_MAX_REQUESTS: php-cgi exits by itself"))
    if fcgid is not None and fcgid.number is None:
        chain.append(Step("FcgidMaxRequestsPerProcess cannot be known: the recycle length is unknown"))
        return Figure("recycle length", None, "unknown", chain)
    if not limits:
        chain.append(Step("neither mod_fcgid nor php-cgi recycles the process by request count"))
        return Figure("recycle length", None, "unlimited", chain)
    number, why = min(limits)
    chain.append(Step(f"recycle length R = {number} requests ({why})"))
    return Figure("recycle length", float(number), f"{number} requests", chain, why)


def score_chain(score: dict[str, Value]) -> list[Step]:
    """The provenance of the three scores the sustainable rate uses: server-wide, so built once per model."""
    return [step for n in SCORE_NAMES[:3] for step in _chain(score[n])]


def sustainable_rate(recycle: Figure, score: dict[str, Value], score_steps: list[Step]) -> Figure:
    """R x TimeScore / (SpawnScore + TerminationScore) requests per second, in the long run
    (``score_steps``: :func:`score_chain` of ``score``)."""
    spawn, term, time_ = (score[n].number for n in ("FcgidSpawnScore", "FcgidTerminationScore", "FcgidTimeScore"))
    chain = list(recycle.chain) + score_steps
    if recycle.number is None:
        shown = "not limited by recycling" if recycle.shown == "unlimited" else "unknown"
        return Figure("sustainable rate", None, shown, chain)
    if spawn is None or term is None or time_ is None:
        chain.append(Step("a spawn-score setting cannot be known"))
        return Figure("sustainable rate", None, "unknown", chain)
    cost = spawn + term
    if cost <= 0:
        chain.append(Step(f"SpawnScore + TerminationScore = {cost}: the score never rises, recycling is not throttled"))
        return Figure("sustainable rate", None, "not limited by the spawn score", chain)
    if time_ <= 0:
        chain.append(Step(f"FcgidTimeScore {time_}: the score never decays, so once it reaches the up limit the class "
                          "can never start another process"))
        return Figure("sustainable rate", 0.0, "0 req/s once the spawn score is spent", chain)
    rate = recycle.number * time_ / cost
    chain.append(Step(f"each process life costs SpawnScore {spawn} + TerminationScore {term} = {cost} points and the "
                      f"score decays {time_} per second (fcgid_spawn_ctl.c L101-113): at most {time_}/{cost} process "
                      f"starts per second, {recycle.number:.0f} x {time_} / {cost} = {fmt_rate(rate)} requests/s"))
    return Figure("sustainable rate", rate, f"{fmt_rate(rate)} req/s", chain)


def burst(recycle: Figure, score: dict[str, Value]) -> Figure:
    """Requests a class can serve from idle before the score stops it: R x UpLimit / SpawnScore."""
    spawn, limit = score["FcgidSpawnScore"].number, score["FcgidSpawnScoreUpLimit"].number
    if recycle.number is None or spawn is None or limit is None or spawn <= 0:
        return Figure("burst", None, "not limited", [])
    starts = max(limit / spawn, 1.0)
    requests = recycle.number * starts
    step = Step(f"from idle about {starts:.0f} process starts (FcgidSpawnScoreUpLimit {limit} / FcgidSpawnScore "
                f"{spawn}) of {recycle.number:.0f} requests each before the first wait")
    return Figure("burst", requests, f"about {requests:.0f} requests", [step])


def window_rate(recycle: Figure, score: dict[str, Value], seconds: float) -> float | None:
    """The most a class serves per second over ``seconds`` from idle: R x (UpLimit + TimeScore x seconds) / SpawnScore.

    The score starts at 0 and an exit is scored only when the process manager reaps
    it, an error scan or two later (``fcgid_pm_main.c`` L287-292, FcgidErrorScanInterval
    3 s), so over a short window only the starts count: at most (UpLimit + TimeScore x
    window) / SpawnScore of them. None when recycling is not throttled.
    """
    spawn, term, time_, limit = (score[n].number for n in SCORE_NAMES)
    if recycle.number is None or None in (spawn, term, time_, limit) or seconds <= 0:
        return None
    assert spawn is not None and term is not None and time_ is not None and limit is not None
    if spawn + term <= 0 or spawn <= 0:
        return None
    return recycle.number * (max(limit, 0) + max(time_, 0) * seconds) / spawn / seconds


def process_ceiling(pc: ProcessClass, max_processes: Value) -> Figure:
    """The most processes the class can have: FcgidMaxProcessesPerClass, within FcgidMaxProcesses."""
    per_class = pc.values.get("FcgidMaxProcessesPerClass")
    chain = _chain(per_class) if per_class is not None else []
    chain += _chain(max_processes)
    numbers = [v.number for v in (per_class, max_processes) if v is not None and v.number is not None]
    if len(numbers) < 2:
        return Figure("process ceiling", None, "unknown", chain)
    ceiling = max(min(numbers), 1)
    chain.append(Step(f"at most {ceiling} processes (fcgid_spawn_ctl.c L167-173, L215-221)"))
    return Figure("process ceiling", float(ceiling), f"{ceiling} processes", chain)


def _last(tree: ConfigTree, *names: str) -> Value | None:
    placed = [d for d in tree.named(*names) if d.vhost is None and not d.in_directory and d.args]
    if not placed:
        return None
    chosen = placed[-1]
    number = atol(chosen.args[0])
    step = Step(f"{chosen.name} {chosen.args[0]}", chosen.location)
    return Value(chosen.name, chosen.args[0], number, chosen.location, [step], "main server")


def mpm_of(tree: ConfigTree) -> tuple[str, str]:
    """The MPM and how it was decided: a LoadModule line, the stated module set, or Debian's default."""
    loaded = [d for d in tree.named("LoadModule") if d.args and d.args[0].lower().startswith("mpm_")]
    if loaded:
        name = loaded[-1].args[0].lower().removeprefix("mpm_").removesuffix("_module")
        if name in MPMS:
            return name, f"LoadModule at {loaded[-1].location}"
    stated = sorted(m.removeprefix("mpm_") for m in tree.modules if m.startswith("mpm_") and m != "mpm_event")
    if stated and stated[0] in MPMS:
        return stated[0], "the stated module set"
    return "event", "assumed (no LoadModule mpm_*; state another with -M mpm_prefork)"


def workers(tree: ConfigTree) -> Workers:
    """MaxRequestWorkers as httpd applies it (event/worker: within ServerLimit x ThreadsPerChild)."""
    mpm, source = mpm_of(tree)
    chain = [Step(f"MPM {mpm}: {source}")]
    mrw = _last(tree, "MaxRequestWorkers", "MaxClients")
    if mrw is not None:
        chain += mrw.chain
    if mpm == "prefork":
        limit = _last(tree, "ServerLimit")
        server_limit = limit.number if limit is not None and limit.number else PREFORK_SERVER_LIMIT
        wanted = mrw.number if mrw is not None and mrw.number is not None else server_limit
        ceiling = max(min(wanted, server_limit), 1)
        chain.append(Step(f"prefork: MaxRequestWorkers {wanted} within ServerLimit {server_limit} = {ceiling} "
                          "(prefork.c L1434-1459)"))
        return Workers(mpm, source, Figure("worker ceiling", float(ceiling), f"{ceiling} workers", chain))
    got = {key: _last(tree, name) for key, name in
           (("threadsperchild", "ThreadsPerChild"), ("serverlimit", "ServerLimit"), ("threadlimit", "ThreadLimit"))}
    n = {key: (v.number if v is not None and v.number else THREADED_DEFAULTS[key]) for key, v in got.items()}
    chain += [step for v in got.values() if v is not None for step in v.chain]
    threads = min(n["threadsperchild"], n["threadlimit"])
    wanted = mrw.number if mrw is not None and mrw.number is not None else n["serverlimit"] * threads
    ceiling = max(wanted, threads) // threads * threads
    ceiling = min(ceiling, n["serverlimit"] * threads)
    chain.append(Step(f"{mpm}: MaxRequestWorkers {wanted}, a multiple of ThreadsPerChild {threads}, within ServerLimit "
                      f"{n['serverlimit']} x {threads} = {ceiling} (event.c L4247-4301)"))
    return Workers(mpm, source, Figure("worker ceiling", float(ceiling), f"{ceiling} workers", chain))


def _concurrency(processes: Figure, ceiling: Figure) -> Figure:
    chain = [Step("one request at a time per process, and each holds an httpd worker")]
    numbers = [f.number for f in (processes, ceiling) if f.number is not None]
    if not numbers:
        return Figure("concurrency ceiling", None, "unknown", chain)
    top = min(numbers)
    chain.append(Step(f"min(process ceiling {processes.shown}, worker ceiling {ceiling.shown}) = {top:.0f}"))
    return Figure("concurrency ceiling", top, f"{top:.0f} requests at once", chain)


def _class(pc: ProcessClass, score: dict[str, Value], score_steps: list[Step], max_processes: Value,
           ceiling: Figure) -> ClassCapacity:
    recycle = recycle_length(pc)
    processes = process_ceiling(pc, max_processes)
    floor = pc.values["FcgidMinProcessesPerClass"]
    return ClassCapacity(pc, recycle, processes, sustainable_rate(recycle, score, score_steps), burst(recycle, score),
                         _concurrency(processes, ceiling), floor)


def _idle_floor(classes: list[ClassCapacity]) -> Figure:
    total = sum(max(c.idle_floor.number or 0, 0) for c in classes)
    step = Step(f"{len(classes)} classes x their FcgidMinProcessesPerClass = {total} processes that stay once started "
                "(is_kill_allowed, fcgid_spawn_ctl.c L246-250)")
    return Figure("idle floor", float(total), f"{total} processes", [step])


def spawn_score(tree: ConfigTree) -> dict[str, Value]:
    """The four spawn-score settings, from the main server (they are server-wide)."""
    return {name: server_value(tree, None, name) for name in SCORE_NAMES}


def vhost_names(model: Model, pc: ProcessClass) -> set[str]:
    """ServerName and ServerAlias values of the class's vhost, lower case."""
    if pc.vhost is None or model.tree is None:
        return set()
    names = {pc.vhost.server_name.lower()} if pc.vhost.server_name else set()
    for alias in model.tree.scoped(("ServerAlias",), pc.vhost):
        names.update(a.lower() for a in alias.args)
    return names


def logged_by(tree: ConfigTree, source: str) -> list[VHost | None] | None:
    """The vhosts (None: main server) whose CustomLog/TransferLog writes ``source``, None if none does."""
    target = Path(source).resolve()
    found: list[VHost | None] = []
    for placed in tree.named("CustomLog", "TransferLog"):
        if not placed.args or placed.args[0].startswith("|"):
            continue
        named = placed.args[0]
        if not named.startswith("/"):
            named = f"{tree.server_root.rstrip('/')}/{named}"
        if Path(tree.paths.to_host(named)).resolve() == target:
            found.append(placed.vhost)
    return found or None


def measured_classes(model: Model, vhost: str | None, source: str) -> list[ProcessClass]:
    """The classes an access log's requests went to: by %v, by CustomLog, or the only class there is."""
    apache = [pc for pc in model.classes if pc.apache_known]
    if vhost is not None:
        return [pc for pc in apache if vhost.lower() in vhost_names(model, pc)]
    scopes = logged_by(model.tree, source) if model.tree is not None else None
    if scopes is not None:
        return [pc for pc in apache if any(pc.vhost is s for s in scopes)]
    return apache if len(apache) == 1 else []


def measured_peak(model: Model, pc: ProcessClass) -> tuple[float, str] | None:
    """The highest rate measured for the class's requests (``--evidence`` access logs), and where."""
    peaks = [(rate, f"measured at {at} in {source}") for vhost, source, rate, at in model.measured
             if any(c is pc for c in measured_classes(model, vhost, source))]
    return max(peaks) if peaks else None


def of(model: Model) -> ServerCapacity | None:
    """The capacity of every Apache-side class of the model, None without a tree (computed once per model)."""
    tree = model.tree
    if tree is None:
        return None
    cached = model.derived.get("capacity")
    if isinstance(cached, ServerCapacity):
        return cached
    score = spawn_score(tree)
    max_processes = server_value(tree, None, "FcgidMaxProcesses")
    mpm = workers(tree)
    steps = score_chain(score)
    classes = [_class(pc, score, steps, max_processes, mpm.ceiling) for pc in model.classes if pc.apache_known]
    model.derived["capacity"] = result = ServerCapacity(score, max_processes, mpm, classes, _idle_floor(classes))
    return result
