"""The registry of real datasets (``data/registry.yaml``): where each file comes from, how to
check it, and which reader turns it into a table.

A file is looked for, in order, in

1. the mirror folder (``mirror=`` or ``$GENOMEBOOK_MIRROR``) at ``<mirror>/<mirror_path>``;
2. the cache (``cache=`` or ``$GENOMEBOOK_CACHE`` or ``~/.cache/genomebook``) at
   ``<cache>/<name>/<file name of the url>``;
3. the network: ``pooch.retrieve`` of ``url`` into that cache path (unless ``download=False``).

Every copy is checked against ``content_sha256``, the sha256 of the upstream bytes: mirror files
``stored_as: gzip`` are hashed after gunzip (streamed), ``as_upstream`` files as they are, and
``derived`` files (converted from their upstream, see the entry's note) as the derived bytes,
gunzipped when the mirror copy is gzip. Hashes already computed are remembered in
``<cache>/verified-hashes.json`` keyed by (path, size, mtime), so repeated fetches do not rehash.

Any failure raises :class:`DataUnavailable` with one message that names the dataset, every
location tried and why it failed, and how to fix it.
"""

from __future__ import annotations

import difflib
import functools
import gzip
import hashlib
import importlib
import json
import os
import time
import zipfile
import zlib
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

import pandas as pd
import yaml

from genomebook.datasets._io import is_gzip

__all__ = ["DATA_SOURCES", "DataUnavailable", "Entry", "UnknownDataset", "available", "cache_dir",
           "data_card", "entry", "fetch", "load_registry", "mirror_dir", "read", "resolve_source",
           "verify"]

REGISTRY_ENV = "GENOMEBOOK_REGISTRY"
MIRROR_ENV = "GENOMEBOOK_MIRROR"
CACHE_ENV = "GENOMEBOOK_CACHE"
DEFAULT_REGISTRY = Path(__file__).resolve().parent.parent.parent.parent / "data" / "registry.yaml"
HASH_DB = "verified-hashes.json"
CHUNK = 1 << 20


class DataUnavailable(RuntimeError):
    """A dataset could not be found, verified or downloaded; the message says why and how to fix."""


class UnknownDataset(KeyError):
    """A name that is not in the registry; the message lists close matches."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Entry:
    """One dataset of ``data/registry.yaml``."""

    name: str
    task: str
    url: str
    licence: str
    citation: str
    scale: str = "book"
    content_sha256: str | None = None
    mirror_path: str | None = None
    stored_as: str | None = None
    bytes: int | None = None
    size: str | None = None
    format: str | None = None
    records: str | None = None
    reader: str | None = None
    group: str | None = None
    chapters: list[str] = field(default_factory=list)
    description: str | None = None
    note: str | None = None
    fetch: str | None = None
    archive_member: str | None = None

    @property
    def manual(self) -> bool:
        return self.fetch == "manual"

    @property
    def cache_name(self) -> str:
        """File name in the cache: the url's (or, for an archive, its member's) last part."""
        if self.archive_member:
            return PurePosixPath(self.archive_member).name
        if self.stored_as == "derived" and self.mirror_path:  # the url is its source, not it
            name = PurePosixPath(self.mirror_path).name
            return name[:-3] if name.endswith(".gz") else name
        name = PurePosixPath(unquote(urlparse(self.url).path)).name
        return name or self.name

    def cache_path(self, cache: str | os.PathLike | None = None) -> Path:
        return cache_dir(cache) / self.name / self.cache_name


_FIELDS = {f.name for f in fields(Entry)}
_REQUIRED = {"task", "url", "licence", "citation"}


def _registry_path(path: str | os.PathLike | None) -> Path:
    if path is not None:
        return Path(path).expanduser().resolve()
    env = os.environ.get(REGISTRY_ENV)
    return Path(env).expanduser().resolve() if env else DEFAULT_REGISTRY


def load_registry(path: str | os.PathLike | None = None) -> dict[str, Entry]:
    """The registry as ``{name: Entry}``: ``path``, else ``$GENOMEBOOK_REGISTRY``, else the
    repository's ``data/registry.yaml``. Parsed once per file (cached)."""
    p = _registry_path(path)
    try:
        mtime = p.stat().st_mtime_ns
    except FileNotFoundError:
        raise FileNotFoundError(
            f"Data registry {p} does not exist. Set {REGISTRY_ENV} to the path of a "
            "registry.yaml, or run from a genomebook checkout (data/registry.yaml).") from None
    return dict(_load(str(p), mtime))


@functools.lru_cache(maxsize=8)
def _load(path: str, _mtime: int) -> dict[str, Entry]:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping of dataset name -> fields at top level.")
    out: dict[str, Entry] = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict):
            raise ValueError(f"{path}: entry {name!r} must be a mapping of fields.")
        unknown = set(spec) - _FIELDS
        if unknown:
            raise ValueError(f"{path}: entry {name!r} has unknown field(s) "
                             f"{', '.join(sorted(unknown))}; allowed: "
                             f"{', '.join(sorted(_FIELDS))}.")
        missing = _REQUIRED - {k for k, v in spec.items() if v}
        if missing:
            raise ValueError(f"{path}: entry {name!r} lacks {', '.join(sorted(missing))}.")
        if not spec.get("content_sha256") and spec.get("fetch") != "manual":
            raise ValueError(f"{path}: entry {name!r} has no content_sha256; give one, or mark "
                             "it 'fetch: manual'.")
        spec = dict(spec)
        spec["chapters"] = list(spec.get("chapters") or [])
        if spec.get("records") is not None:
            spec["records"] = str(spec["records"])
        out[str(name)] = Entry(name=str(name), **spec)
    return out


def entry(name: str, registry: dict[str, Entry] | None = None) -> Entry:
    """The registry entry ``name``; an unknown name raises :class:`UnknownDataset` (a KeyError)
    that suggests close matches."""
    reg = load_registry() if registry is None else registry
    if name in reg:
        return reg[name]
    close = difflib.get_close_matches(name, list(reg), n=5, cutoff=0.5)
    if not close:
        low = name.lower()
        close = [n for n in reg if low in n.lower()][:5]
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise UnknownDataset(f"No dataset named {name!r} in the registry.{hint} "
                         "List them with: python -m genomebook.datasets list")


# --------------------------------------------------------------------------- locations

def mirror_dir(mirror: str | os.PathLike | None = None) -> Path | None:
    """The mirror folder: ``mirror``, else ``$GENOMEBOOK_MIRROR``, else None."""
    if mirror is not None:
        return Path(mirror).expanduser().absolute()
    env = os.environ.get(MIRROR_ENV)
    return Path(env).expanduser().absolute() if env else None


def cache_dir(cache: str | os.PathLike | None = None) -> Path:
    """The download cache: ``cache``, else ``$GENOMEBOOK_CACHE``, else ``~/.cache/genomebook``."""
    if cache is not None:
        return Path(cache).expanduser().absolute()
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser().absolute() if env else Path.home() / ".cache" / "genomebook"


# --------------------------------------------------------------------------- hashing

class _Corrupt(Exception):
    pass


def _hash_mode(e: Entry, path: Path, in_mirror: bool) -> str:
    """'gunzip' when the bytes to check are inside a gzip the mirror made, else 'raw'."""
    if in_mirror and e.stored_as == "gzip":
        return "gunzip"
    if e.stored_as == "derived" and is_gzip(path):
        return "gunzip"
    return "raw"


def _sha256(path: Path, mode: str) -> str:
    h = hashlib.sha256()
    try:
        opener = gzip.open if mode == "gunzip" else open
        with opener(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                h.update(chunk)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise _Corrupt(f"{path} is a truncated or corrupt gzip file ({exc})") from None
    return h.hexdigest()


class _HashDB:
    """Hashes already computed, in ``<cache>/verified-hashes.json``, keyed by path/size/mtime."""

    def __init__(self, cache: Path):
        self.path = cache / HASH_DB
        try:
            self.data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(self.data, dict):
                self.data = {}
        except (OSError, ValueError):
            self.data = {}

    @staticmethod
    def key(path: Path, mode: str) -> str:
        st = path.stat()
        return f"{mode}|{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"

    def sha256(self, path: Path, mode: str, rehash: bool = False) -> str:
        key = self.key(path, mode)
        if not rehash and isinstance(self.data.get(key), str):
            return self.data[key]
        digest = _sha256(path, mode)
        self.data[key] = digest
        self._save()
        return digest

    def _save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.data, indent=0, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only cache only costs a rehash next time


def _check(e: Entry, path: Path, in_mirror: bool, db: _HashDB, rehash: bool = False) -> str | None:
    """None when ``path`` holds the entry's bytes, else the reason it does not."""
    try:
        got = db.sha256(path, _hash_mode(e, path, in_mirror), rehash=rehash)
    except _Corrupt as exc:
        fix = ("copy it again from the mirror's source" if in_mirror
               else "delete it and fetch again")
        return f"{exc}; {fix}"
    except OSError as exc:
        return f"{path} could not be read ({exc})"
    if got != e.content_sha256:
        what = "gunzipped content" if _hash_mode(e, path, in_mirror) == "gunzip" else "file"
        return (f"checksum mismatch for {path}: expected sha256 {e.content_sha256}, got {got} "
                f"(sha256 of the {what})")
    return None


# --------------------------------------------------------------------------- fetch

def _manual_message(e: Entry, cache: Path) -> str:
    size = f" ({e.size})" if e.size else ""
    note = f" {e.note}" if e.note else ""
    return (f"Dataset {e.name!r} is not fetched automatically{size}: there is no single file "
            f"whose checksum the registry records. Download it by hand from {e.url} and give "
            f"its path to the chapter's parameters (or keep it under {cache / e.name}).{note}")


def _download(e: Entry, target: Path) -> None:
    import pooch  # optional, slow to import: only a download needs it, reading the registry never does

    target.parent.mkdir(parents=True, exist_ok=True)
    if not e.archive_member:
        pooch.retrieve(e.url, known_hash=f"sha256:{e.content_sha256}", fname=target.name,
                       path=str(target.parent), progressbar=True)
        return
    # The upstream file is an archive (a QIIME 2 .qza is a zip) whose member is the dataset;
    # its own hash is not recorded, the member's is, and is checked after extraction.
    archive_name = PurePosixPath(unquote(urlparse(e.url).path)).name
    archive = Path(pooch.retrieve(e.url, known_hash=None, fname=archive_name,
                                  path=str(target.parent), progressbar=True))
    with zipfile.ZipFile(archive) as zf:
        members = [m for m in zf.namelist()
                   if m == e.archive_member or m.endswith("/" + e.archive_member)]
        if not members:
            raise DataUnavailable(f"{archive} has no member {e.archive_member}")
        tmp = target.with_name(target.name + ".part")
        with zf.open(members[0]) as src, open(tmp, "wb") as dst:
            while chunk := src.read(CHUNK):
                dst.write(chunk)
        os.replace(tmp, target)


def _fix(e: Entry, cache_path: Path) -> str:
    mirror_part = (f"set {MIRROR_ENV} to a folder holding {e.mirror_path}"
                   if e.mirror_path else "")
    if e.stored_as == "derived":
        return (f"How to fix: {mirror_part} (this file was derived from {e.url}, so it cannot be "
                "downloaded as is; see the registry note).")
    by_hand = f"download {e.url} by hand to {cache_path}"
    if e.archive_member:
        by_hand = (f"download {e.url} by hand and extract its member {e.archive_member} "
                   f"to {cache_path}")
    return "How to fix: " + (f"{mirror_part}, or {by_hand}." if mirror_part else f"{by_hand}.")


def _locate(e: Entry, mirror, cache: Path, db: _HashDB, download: bool,
            rehash: bool = False) -> tuple[Path | None, list[str], str]:
    """(verified path or None, reasons per location, status of the best copy)."""
    reasons: list[str] = []
    status = "missing"
    mdir = mirror_dir(mirror)
    if not e.mirror_path:
        reasons.append("mirror: this dataset has no mirror copy")
    elif mdir is None:
        reasons.append(f"mirror: not set (no mirror= given and {MIRROR_ENV} is unset)")
    elif not mdir.is_dir():
        reasons.append(f"mirror: folder {mdir} does not exist")
    else:
        p = mdir / e.mirror_path
        if not p.is_file():
            reasons.append(f"mirror: {p} is missing")
        else:
            why = _check(e, p, True, db, rehash)
            if why is None:
                return p, reasons, "ok"
            reasons.append(f"mirror: {why}")
            status = "mismatch"

    cpath = e.cache_path(cache)
    if cpath.is_file():
        why = _check(e, cpath, False, db, rehash)
        if why is None:
            return cpath, reasons, "ok"
        reasons.append(f"cache: {why}")
        status = "mismatch"
    else:
        reasons.append(f"cache: {cpath} is missing")

    if not download:
        reasons.append("download: not attempted (download=False)")
    elif e.stored_as == "derived":
        reasons.append(f"download: not possible, this file is derived from {e.url}")
    else:
        try:
            _download(e, cpath)  # pooch replaces a cached copy whose hash is wrong
        except Exception as exc:  # network errors, pooch's hash check, bad archives
            reasons.append(f"download: {e.url} failed ({type(exc).__name__}: {exc})")
        else:
            why = _check(e, cpath, False, db, rehash=True) if cpath.is_file() else \
                f"{cpath} was not written"
            if why is None:
                return cpath, reasons, "ok"
            reasons.append(f"download: {why}")
            status = "mismatch"
    return None, reasons, status


def fetch(name: str, *, mirror: str | os.PathLike | None = None,
          cache: str | os.PathLike | None = None, download: bool = True) -> Path:
    """Path to a verified local copy of dataset ``name`` (mirror, then cache, then download).

    Raises :class:`UnknownDataset` (a KeyError) for a name not in the registry and
    :class:`DataUnavailable` when no verified copy can be had."""
    e = entry(name)
    cdir = cache_dir(cache)
    if e.manual:
        raise DataUnavailable(_manual_message(e, cdir))
    path, reasons, _ = _locate(e, mirror, cdir, _HashDB(cdir), download)
    if path is not None:
        return path
    lines = "\n".join(f"  - {r}" for r in reasons)
    raise DataUnavailable(f"Dataset {name!r} is not available. Tried:\n{lines}\n"
                          f"{_fix(e, e.cache_path(cdir))}")


def available(name: str, *, mirror: str | os.PathLike | None = None,
              cache: str | os.PathLike | None = None) -> bool:
    """Whether the mirror or the cache holds a verified copy of ``name``; never downloads."""
    e = entry(name)
    if e.manual:
        return False
    try:
        fetch(name, mirror=mirror, cache=cache, download=False)
    except DataUnavailable:
        return False
    return True


def read(name: str, *, mirror: str | os.PathLike | None = None,
         cache: str | os.PathLike | None = None, download: bool = True, **kwargs):
    """Read dataset ``name`` with its registered reader: ``reader(fetch(name), **kwargs)``.

    Entries that share a ``group`` (files read together, such as EPIANN's enhancer bed,
    promoter bed and labels) are read as ``reader(*paths of the group in registry order)``,
    whichever member is named."""
    reg = load_registry()
    e = entry(name, reg)
    if not e.reader:
        how = f" {e.note}" if e.note else ""
        raise ValueError(f"Dataset {name!r} has no reader in genomebook.datasets.{how} Get its "
                         f"path with genomebook.datasets.registry.fetch({name!r}) and read it "
                         "yourself.")
    module_name, _, func_name = e.reader.rpartition(".")
    try:
        func = getattr(importlib.import_module(module_name), func_name)
    except (ImportError, AttributeError) as exc:
        raise ImportError(f"Reader {e.reader} of dataset {name!r} cannot be imported ({exc}); "
                          "check the 'reader' field in data/registry.yaml.") from exc
    members = [n for n, o in reg.items() if e.group and o.group == e.group] or [name]
    paths = [fetch(n, mirror=mirror, cache=cache, download=download) for n in members]
    return func(*paths, **kwargs)


def verify(names: list[str] | None = None, *, mirror: str | os.PathLike | None = None,
           cache: str | os.PathLike | None = None, rehash: bool = False):
    """Check local copies without downloading: a DataFrame with one row per dataset and columns
    name, location (path checked, or None), status (ok / missing / mismatch / manual),
    seconds, detail. ``names=None`` checks every entry that has a checksum."""
    reg = load_registry()
    if names is None:
        names = [n for n, e in reg.items() if not e.manual]
    cdir = cache_dir(cache)
    db = _HashDB(cdir)
    rows = []
    for name in names:
        e = entry(name, reg)
        t0 = time.perf_counter()
        if e.manual:
            rows.append((name, None, "manual", 0.0, _manual_message(e, cdir)))
            continue
        path, reasons, status = _locate(e, mirror, cdir, db, download=False, rehash=rehash)
        location = path
        if path is None:
            bad = [r for r in reasons if "checksum mismatch" in r or "corrupt" in r]
            location = _first_path(e, mirror, cdir)
            detail = "; ".join(bad or reasons)
        else:
            detail = ""
        rows.append((name, str(location) if location else None, status,
                     round(time.perf_counter() - t0, 4), detail))
    return pd.DataFrame(rows, columns=["name", "location", "status", "seconds", "detail"])


def _first_path(e: Entry, mirror, cache: Path) -> Path | None:
    mdir = mirror_dir(mirror)
    if mdir is not None and e.mirror_path and (mdir / e.mirror_path).is_file():
        return mdir / e.mirror_path
    cpath = e.cache_path(cache)
    return cpath if cpath.is_file() else None


DATA_SOURCES = ("auto", "simulated", "real")


def resolve_source(data_source: str, names: list[str]) -> tuple[str, str]:
    """A chapter's data: ``("real", "")`` or ``("simulated", why)`` for ``data_source``.

    ``"simulated"`` always simulates; ``"real"`` needs every dataset in ``names`` (it fetches
    them, so a missing one stops with :class:`DataUnavailable` naming the fix); ``"auto"``
    uses real data when the mirror or cache holds all of ``names`` and falls back to the
    simulated world otherwise, saying why.
    """
    if data_source not in DATA_SOURCES:
        raise ValueError(f"data_source must be one of {', '.join(DATA_SOURCES)}; "
                         f"got {data_source!r}.")
    if data_source == "simulated":
        return "simulated", "data_source='simulated'"
    if data_source == "real":
        for name in names:
            fetch(name)
        return "real", ""
    missing = [n for n in names if not available(n)]
    if missing:
        return "simulated", (f"data_source='auto' and {missing[0]!r} is not in the mirror or "
                             f"cache; set {MIRROR_ENV} or run `python -m genomebook.datasets "
                             f"fetch {missing[0]}` to use real data")
    return "real", ""


def data_card(frames: dict[str, "object"], label: str = "label"):
    """A data card for real data: per dataset its source, licence, citation, records and
    class balance (``frames`` maps registry names to the tables read from them)."""
    rows = []
    for name, df in frames.items():
        e = entry(name)
        balance = ""
        if label in getattr(df, "columns", []):
            counts = df[label].value_counts().sort_index()
            balance = ", ".join(f"{k}: {v:,} ({v / len(df):.0%})" for k, v in counts.items())
        rows.append({"dataset": name, "records": f"{len(df):,}", "class balance": balance,
                     "licence": e.licence, "citation": e.citation, "source": e.url})
    return pd.DataFrame(rows)
