"""Promoters that evolve down a species tree, so that TSS-localisation transfer versus evolutionary
distance has a known cause. Used by the tss_localisation chapter ("does it transfer across species?").

The world
---------
* **Tree.** A ladder ("human-centred") tree: the human lineage is the spine and species X leaves
  it at ``t_X`` Myr before present (its divergence time from human, e.g. TimeTree's; the chapter
  reads them from ``data/published/timetree.yaml`` through :data:`TIMETREE_IDS`), then evolves
  on its own for ``t_X`` Myr. The path from human to X is ``2 t_X`` Myr long. Only distances
  from human are modelled: two species with the same ``t`` (mouse and rat) are two independent
  branches of that node, not sisters.
* **Ancestral promoters.** ``n`` windows of the layout of :func:`genomebook.datasets.tss.promoters`
  (default :data:`genomebook.datasets.tss.COMMON_WINDOW`, -200..+100, the TSS at index ``-a``),
  uniform i.i.d. background (the stationary composition of the substitution model, so no
  species differs in composition), with core-promoter elements sampled from the PPMs of
  :mod:`genomebook.simulate.promoters` at its positions: an Inr in every promoter with its A
  on the TSS, a TATA box starting at -31..-24 in ``tata_fraction`` of them, and GC boxes / a
  CCAAT box starting in -100..-40 (either strand) as that module's ``P_ELEMENT`` draws them.
* **Evolution.** Background bases follow Jukes-Cantor at ``rate`` substitutions per base per
  Myr: on a branch of ``L`` Myr a base is redrawn uniformly with probability
  ``1 - exp(-4/3 rate L)``. Bases of motif sites are under purifying selection: they are
  redrawn at ``selection * rate`` and **from their PPM column**, so a site stays a site (its
  stationary distribution is the PPM). With ``turnover > 0`` each GC box / CCAAT site of a
  lineage is lost at that rate per Myr (its bases then drift as background) and a new one is
  planted at a random free start of the same element's window; TATA and Inr never move. No
  insertions or deletions: the TSS stays at index ``-a`` in every species.

Expected identity of a base to its human ortholog, with ``lam`` the redraw rate (``4/3 rate`` for
background, ``4/3 selection rate`` for motif bases) and ``pi`` the redraw distribution (uniform, or
the PPM column): ``sum(pi^2) + (1 - sum(pi^2)) exp(-2 lam t)`` (:func:`expected_identity`), i.e.
``1/4 + 3/4 exp(-8/3 rate t)`` for background.

* :func:`promoter_evolution_world` - the table (columns of ``tss.promoters()`` plus
  ``divergence_mya``), with the planted sites and ortholog groups in ``attrs``.
* :func:`identity_to_human` - measured identity to the human ortholog, background vs motif
  bases, beside the expected value.
* :func:`built_in` / :data:`BUILT_IN` - what the world makes true, with numbers.

Every constant below is **chosen** (documented where it comes from); divergence times are data
(``data/published/timetree.yaml``) and come in as an argument.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from genomebook.datasets.tss import COMMON_WINDOW, PROMOTER_SOURCES, resolve_species
from genomebook.simulate.background import LETTER_CODES
from genomebook.simulate.builtin import BuiltIn
from genomebook.simulate.plant import random_positions
from genomebook.simulate.promoters import ELEMENTS, MAX_GC_BOXES, P_ELEMENT, STRANDS, WINDOWS, element_ppms

__all__ = ["BUILT_IN", "DEFAULT_RATE", "DEFAULT_SELECTION", "HUMAN", "TIMETREE_IDS", "built_in",
           "expected_identity", "identity_to_human", "promoter_evolution_world"]

# --------------------------------------------------------------------------- constants (chosen)

HUMAN = "H. sapiens"
#: Species (keys of ``tss.PROMOTER_SOURCES``) -> id of their divergence time from human in
#: ``data/published/timetree.yaml``. Only species whose time we found in a source are listed
#: (fly, worm, maize, Arabidopsis and P. falciparum are not: see the yaml's header).
TIMETREE_IDS: dict[str, str] = {
    "M. musculus": "timetree.human.mouse",
    "R. norvegicus": "timetree.human.rat",
    "G. gallus": "timetree.human.chicken",
    "D. rerio": "timetree.human.zebrafish",
    "S. cerevisiae": "timetree.human.yeast",
}
#: Background substitutions per base per Myr (chosen: with the TimeTree times, expected identity to
#: human runs from ~0.84 at 90 Myr to ~0.29 at 1,105 Myr, so the distance range is not saturated).
DEFAULT_RATE = 1e-3
#: Substitution rate at motif bases relative to background (chosen: 10x fewer substitutions).
DEFAULT_SELECTION = 0.1
#: Share of ancestral promoters with a TATA box (the default of simulate.promoters.promoter_world).
DEFAULT_TATA_FRACTION = 0.3
#: Elements that may turn over (move within their window); the core (TATA, Inr) never does.
TURNOVER_ELEMENTS = ("GC box", "CCAAT")
#: Attempts to find a free start for a moved site before the site is simply lost.
TURNOVER_TRIES = 20
#: Claim keys this world bears on (the chapter marks its claims with them).
CLAIMS = ("tss_transfer_no_decline", "tss_transfer_vs_distance", "tss_pwm_baseline", "tss_homology_split")

_BRANCH_SALT = 7_919  # separates the per-branch random streams from the ancestor's


# --------------------------------------------------------------------------- expected values


def expected_identity(t_mya: float | np.ndarray, rate: float = DEFAULT_RATE, *, selection: float = 1.0,
                      pi: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    """Expected identity of a base to its human ortholog ``t_mya`` Myr after their split.

    ``sum(pi^2) + (1 - sum(pi^2)) exp(-2 lam t)`` with ``lam = 4/3 selection rate`` the redraw
    rate and ``pi`` the distribution a redraw samples (default uniform: Jukes-Cantor,
    ``1/4 + 3/4 exp(-8/3 rate t)``; a PPM column for a motif base). Both lineages evolve ``t``
    Myr from a common ancestor whose base is drawn from ``pi``. Used by the tss_localisation
    chapter and by :func:`built_in`.

    Examples
    --------
    >>> float(expected_identity(0.0))
    1.0
    >>> round(float(expected_identity(1e6)), 3)
    0.25
    """
    p = np.full(4, 0.25) if pi is None else np.asarray(pi, dtype=float)
    if p.shape != (4,) or (p < 0).any() or not np.isclose(p.sum(), 1.0):
        raise ValueError(f"pi must be 4 probabilities (A, C, G, T) summing to 1, got {pi!r}.")
    floor = float((p ** 2).sum())
    lam = 4.0 / 3.0 * float(selection) * float(rate)
    return floor + (1.0 - floor) * np.exp(-2.0 * lam * np.asarray(t_mya, dtype=float))


def _mean_ppm_floor() -> float:
    """Mean over all bases of the four elements of sum(pi^2) of their PPM columns."""
    cols = np.concatenate([p.T for p in element_ppms().values()])
    return float((cols ** 2).sum(axis=1).mean())


# --------------------------------------------------------------------------- built in by construction


def built_in(*, rate: float = DEFAULT_RATE, selection: float = DEFAULT_SELECTION, turnover: float = 0.0,
             tata_fraction: float = DEFAULT_TATA_FRACTION,
             divergence_mya: Mapping[str, float] | None = None) -> list[BuiltIn]:
    """What a promoter-evolution world with these parameters makes true, with numbers.

    ``divergence_mya`` (species -> Myr from human) puts the expected identities of each species
    into the records; without it they are given at 100, 500 and 1,000 Myr. Returns a list of
    :class:`genomebook.simulate.builtin.BuiltIn` (claim keys in :data:`CLAIMS`). Used by the
    tss_localisation chapter for its "Built into this world" box.
    """
    times = ({resolve_species(k): float(v) for k, v in divergence_mya.items() if resolve_species(k) != HUMAN}
             if divergence_mya else {f"{t:g} Myr": float(t) for t in (100, 500, 1000)})
    label = {k: (PROMOTER_SOURCES[k].common if k in PROMOTER_SOURCES else k) for k in times}
    bg = {k: float(expected_identity(t, rate)) for k, t in times.items()}
    floor = _mean_ppm_floor()
    motif = {k: floor + (1 - floor) * float(np.exp(-2 * 4 / 3 * selection * rate * t)) for k, t in times.items()}
    deepest = max(times, key=times.get)

    def fmt(d: dict[str, float]) -> str:
        return ", ".join(f"{label[k]} ({times[k]:g} Myr) {d[k]:.2f}" for k in sorted(times, key=times.get))

    inr_a = float(element_ppms()["Inr"][0, -WINDOWS["Inr"][0]])
    t_lo, t_hi = WINDOWS["TATA"]
    u_lo, u_hi = WINDOWS["GC box"]
    fold = (1 / selection) if selection > 0 else float("inf")
    items = [
        BuiltIn("every species' promoters descend from one ancestral set along a human-centred ladder tree: species "
                "X leaves the human lineage at its divergence time t_X (TimeTree) and evolves alone for t_X Myr, so "
                "human and X are 2 t_X Myr apart; promoter i of every species is the ortholog of human promoter i "
                "(attrs['ortholog'])",
                "test promoters of a close species are diverged copies of the human training promoters: unless the "
                "split keeps ortholog groups apart, transfer to mouse partly measures memory of human promoters",
                claims=("tss_transfer_no_decline", "tss_homology_split")),
        BuiltIn(f"background bases drift (Jukes-Cantor, {rate:g} substitutions per base per Myr, uniform "
                f"composition in every species): expected identity to human 1/4 + 3/4 exp(-8/3 r t) = {fmt(bg)}",
                "whatever reads background sequence (k-mer composition, near-duplicate matching, memorised "
                "promoters) loses its human signal with distance: a model that relies on it declines with "
                "divergence by construction",
                claims=("tss_transfer_vs_distance", "tss_transfer_no_decline")),
        BuiltIn(f"motif bases (Inr, TATA, GC box, CCAAT) are under purifying selection: {fold:g}x fewer substitutions "
                f"than background, each redrawn from the element's PPM, so sites stay functional; expected identity "
                f"of motif bases to human (mean PPM floor {floor:.2f}) = {fmt(motif)}",
                f"a model that reads the motifs transfers to every species by construction: at the deepest split "
                f"({label[deepest]}) motif bases keep {motif[deepest]:.2f} identity to human against "
                f"{bg[deepest]:.2f} for background, so 'accuracy does not fall with distance' is built in for such "
                "a model",
                claims=("tss_transfer_no_decline", "tss_pwm_baseline")),
        BuiltIn(f"the TSS is at index -a of every window in every species (no insertions or deletions); every "
                f"promoter has an Inr with its A on the TSS (P(A) = {inr_a:.2f} in its PPM) and {tata_fraction:.0%} a "
                f"TATA box starting at {t_lo}..{t_hi}",
                "the offset from Inr and TATA to the TSS is the same in every species: an Inr/TATA PWM scan locates "
                "the TSS about equally well everywhere, and so can any model that learned these two words",
                claims=("tss_pwm_baseline", "tss_transfer_no_decline")),
    ]
    if turnover > 0:
        moved = {k: 1 - float(np.exp(-2 * turnover * t)) for k, t in times.items()}
        items.append(BuiltIn(
            f"GC box and CCAAT sites turn over at {turnover:g} per site per Myr (lost, and re-planted at a free start "
            f"in {u_lo}..{u_hi}); TATA and Inr never move: expected share of upstream sites moved in human or the "
            f"species since their split = {fmt(moved)}",
            "upstream-element positions decorrelate with distance while the core does not: a model that uses the "
            "GC/CCAAT positions declines with distance, one that uses the core does not",
            claims=("tss_transfer_vs_distance",)))
    else:
        items.append(BuiltIn(
            "no motif turnover (turnover=0): every site keeps its position in every species",
            "only substitutions separate species; a decline on real promoters that this world does not show points "
            "to what it leaves out (turnover, indels, species-specific elements and spacing, composition)",
            claims=("tss_transfer_no_decline",)))
    return items


#: What the world makes true at the default parameters (times 100, 500 and 1,000 Myr as examples;
#: ``promoter_evolution_world(...).attrs["built_in"]`` has the records of a given world).
BUILT_IN = built_in()


# --------------------------------------------------------------------------- building


def _oriented_ppms() -> dict[tuple[str, int], np.ndarray]:
    """(element, strand) -> PPM (4, w) in the + strand's reading (reverse complement for -1)."""
    out = {}
    for name, ppm in element_ppms().items():
        out[(name, 1)] = ppm
        out[(name, -1)] = ppm[::-1, ::-1].copy()  # rows A,C,G,T reversed = complement; columns reversed
    return out


def _sample_columns(dist: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One base code per row of dist (..., 4) drawn from that row."""
    cum = np.cumsum(dist, axis=-1)[..., :3]
    u = rng.random(dist.shape[:-1])
    return (u[..., None] >= cum).sum(axis=-1).astype(np.int8)


def _plan(n: int, tss: int, tata_fraction: float, rng: np.random.Generator) -> pd.DataFrame:
    """Ancestral sites: rows seq, element, start (0-based index in the window), strand."""
    width = {e: p.shape[1] for e, p in element_ppms().items()}
    rows: list[tuple[int, str, int, int]] = []
    kinds = np.where(rng.random(n) < tata_fraction, "TATA", "non-TATA")
    for i, kind in enumerate(kinds):
        if kind == "TATA":
            lo, hi = WINDOWS["TATA"]
            rows.append((i, "TATA", tss + int(rng.integers(lo, hi + 1)), 1))
        rows.append((i, "Inr", tss + WINDOWS["Inr"][0], 1))
        p = P_ELEMENT[kind]
        n_gc = int(rng.integers(1, MAX_GC_BOXES + 1)) if rng.random() < p["GC box"] else 0
        has_ccaat = bool(rng.random() < p["CCAAT"])
        if kind == "non-TATA" and n_gc == 0 and not has_ccaat:  # as simulate.promoters: at least one
            n_gc, has_ccaat = (1, False) if rng.random() < 0.5 else (0, True)
        upstream = ["GC box"] * n_gc + ["CCAAT"] * int(has_ccaat)
        if upstream:
            lo = WINDOWS["GC box"][0]
            widths = np.array([width[e] for e in upstream])
            span = WINDOWS["GC box"][1] - lo + int(widths.min())
            starts = random_positions([len(upstream)], span, widths, rng, min_gap=1)
            for e, s in zip(upstream, starts):
                strand = int(STRANDS[e][int(rng.integers(len(STRANDS[e])))])
                rows.append((i, e, tss + lo + int(s), strand))
    return pd.DataFrame(rows, columns=["seq", "element", "start", "strand"])


class _Lineage:
    """Sequences (N, L) int8 codes, the redraw distribution of motif bases (N, L, 4), their mask, and sites."""

    def __init__(self, codes: np.ndarray, dist: np.ndarray, mask: np.ndarray, sites: pd.DataFrame):
        self.codes, self.dist, self.mask, self.sites = codes, dist, mask, sites

    def copy(self) -> _Lineage:
        """An independent copy (a branch starts from its parent's state)."""
        return _Lineage(self.codes.copy(), self.dist.copy(), self.mask.copy(), self.sites.copy())


def _ancestor(n: int, length: int, tss: int, tata_fraction: float, rng: np.random.Generator) -> _Lineage:
    codes = rng.integers(0, 4, size=(n, length)).astype(np.int8)  # uniform: Jukes-Cantor's stationary composition
    dist = np.zeros((n, length, 4))
    mask = np.zeros((n, length), dtype=bool)
    sites = _plan(n, tss, tata_fraction, rng)
    ppms = _oriented_ppms()
    ends = []
    for i, e, s, strand in sites.itertuples(index=False):
        ppm = ppms[(e, strand)]
        w = ppm.shape[1]
        dist[i, s:s + w] = ppm.T
        mask[i, s:s + w] = True
        ends.append(s + w)
    sites["end"] = np.asarray(ends, dtype=np.int64)
    codes[mask] = _sample_columns(dist[mask], rng)
    return _Lineage(codes, dist, mask, sites[["seq", "element", "start", "end", "strand"]])


def _turnover(lin: _Lineage, length_myr: float, turnover: float, tss: int, rng: np.random.Generator) -> None:
    """Move GC box / CCAAT sites of a lineage in place (lost at turnover per Myr, re-planted where free)."""
    movable = np.flatnonzero(lin.sites["element"].isin(TURNOVER_ELEMENTS).to_numpy())
    hit = movable[rng.random(movable.size) < 1.0 - np.exp(-turnover * length_myr)]
    if not hit.size:
        return
    ppms = _oriented_ppms()
    keep = np.ones(len(lin.sites), dtype=bool)
    for r in hit:
        i, e, s, end, strand = lin.sites.iloc[r][["seq", "element", "start", "end", "strand"]]
        lin.mask[i, s:end] = False
        lin.dist[i, s:end] = 0.0
        lo, hi = WINDOWS[e]
        ppm = ppms[(e, int(strand))]
        w = ppm.shape[1]
        for _ in range(TURNOVER_TRIES):
            new = tss + int(rng.integers(lo, hi + 1))
            if not lin.mask[i, max(new - 1, 0):new + w + 1].any():  # 1 bp gap to any other site
                lin.dist[i, new:new + w] = ppm.T
                lin.mask[i, new:new + w] = True
                lin.codes[i, new:new + w] = _sample_columns(ppm.T, rng)
                lin.sites.iloc[r, lin.sites.columns.get_loc("start")] = new
                lin.sites.iloc[r, lin.sites.columns.get_loc("end")] = new + w
                break
        else:
            keep[r] = False  # no free start: the site is lost
    lin.sites = lin.sites[keep].sort_values(["seq", "start"], kind="stable").reset_index(drop=True)


def _evolve(parent: _Lineage, length_myr: float, *, rate: float, selection: float, turnover: float, tss: int,
            rng: np.random.Generator) -> _Lineage:
    """The lineage after length_myr Myr: turnover first, then substitutions (background JC, motif bases from PPMs)."""
    lin = parent.copy()
    if length_myr <= 0:
        return lin
    if turnover > 0:
        _turnover(lin, length_myr, turnover, tss, rng)
    q_bg = 1.0 - np.exp(-4.0 / 3.0 * rate * length_myr)
    q_motif = 1.0 - np.exp(-4.0 / 3.0 * selection * rate * length_myr)
    u = rng.random(lin.codes.shape)
    redraw = np.where(lin.mask, u < q_motif, u < q_bg)
    bg = redraw & ~lin.mask
    lin.codes[bg] = rng.integers(0, 4, size=int(bg.sum())).astype(np.int8)
    mo = redraw & lin.mask
    if mo.any():
        lin.codes[mo] = _sample_columns(lin.dist[mo], rng)
    return lin


def _check_times(divergence_mya: Mapping[str, float], species: Sequence[str] | None) -> dict[str, float]:
    if divergence_mya is None:
        raise ValueError("promoter_evolution_world needs divergence_mya (species -> Myr since its split from human), "
                         "e.g. {sp: genomebook.published.value(i) for sp, i in TIMETREE_IDS.items()} "
                         "(data/published/timetree.yaml).")
    times: dict[str, float] = {HUMAN: 0.0}
    for key, t in divergence_mya.items():
        name = resolve_species(key)
        t = float(t)
        if name == HUMAN:
            if t != 0:
                raise ValueError(f"divergence_mya gives human {t} Myr; human is the reference (0).")
            continue
        if not np.isfinite(t) or t <= 0:
            raise ValueError(f"divergence_mya[{key!r}] = {t}: a divergence time from human must be > 0 Myr.")
        times[name] = t
    if species is None:
        return times
    chosen = {HUMAN: 0.0}
    for key in species:
        name = resolve_species(key)
        if name not in times:
            raise ValueError(f"{name}: no divergence time from human in divergence_mya (it has "
                             f"{', '.join(sorted(times))}). Add one from a source (data/published/timetree.yaml) "
                             "or leave the species out.")
        chosen[name] = times[name]
    return chosen


def promoter_evolution_world(n_promoters: int, *, divergence_mya: Mapping[str, float],
                             species: Sequence[str] | None = None, rate: float = DEFAULT_RATE,
                             selection: float = DEFAULT_SELECTION, turnover: float = 0.0,
                             tata_fraction: float = DEFAULT_TATA_FRACTION,
                             window: tuple[int, int] = COMMON_WINDOW, seed: int = 0) -> pd.DataFrame:
    """Simulated promoters of several species, descended from one ancestral set along a species tree.

    Parameters
    ----------
    n_promoters : int
        Ancestral promoters; every species gets one ortholog of each.
    divergence_mya : mapping
        Species (name, common name or EPD code, see :func:`genomebook.datasets.tss.resolve_species`)
        -> Myr since its split from human; the chapter passes
        ``{sp: published.value(i) for sp, i in TIMETREE_IDS.items()}``. Human is always included (0).
    species : sequence of str, optional
        The species to build (default: human and every species of ``divergence_mya``).
    rate : float
        Background substitutions per base per Myr (Jukes-Cantor).
    selection : float
        Substitution rate at motif bases relative to ``rate`` (0 freezes them, 1 is no selection);
        a motif base is redrawn from its PPM column, so it stays part of a working site.
    turnover : float
        Per site per Myr: GC box / CCAAT sites lost and re-planted elsewhere in their window (0: none).
    tata_fraction : float
        Share of ancestral promoters with a TATA box.
    window : (int, int)
        Positions ``a..b`` around the TSS (both included), as in :func:`genomebook.datasets.tss.promoters`;
        it must hold the element windows (a <= -110, b >= 5).
    seed : int
        Deterministic for the same arguments.

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (``anc<i>_<common name>``), ``species`` (:data:`genomebook.datasets.tss.PROMOTER_SOURCES`
        key), ``sequence`` (``b - a + 1`` bases), ``tss`` (``-a``), ``source`` (``"simulated"``) and
        ``divergence_mya`` (from human), human first, then by divergence time; rows of a species in
        ortholog order. ``attrs``: ``ortholog`` (ancestral index of each row), ``sites`` (species, id,
        element, start, end, strand: planted sites, 0-based half-open in ``sequence``), ``window``,
        ``notes`` and ``built_in`` (:func:`built_in` of these parameters and times). Used by the
        tss_localisation chapter.
    """
    if n_promoters < 1:
        raise ValueError(f"n_promoters must be >= 1, got {n_promoters}.")
    if rate < 0 or not 0 <= selection <= 1 or turnover < 0 or not 0 <= tata_fraction <= 1:
        raise ValueError(f"need rate >= 0, 0 <= selection <= 1, turnover >= 0 and 0 <= tata_fraction <= 1; got "
                         f"rate={rate}, selection={selection}, turnover={turnover}, tata_fraction={tata_fraction}.")
    a, b = (int(x) for x in window)
    need_up = -min(WINDOWS["GC box"][0], WINDOWS["CCAAT"][0]) + max(p.shape[1] for p in element_ppms().values())
    need_down = max(p.shape[1] for p in element_ppms().values())
    if a > -need_up or b < need_down:
        raise ValueError(f"window {(a, b)} must hold every element's window: a <= {-need_up} and b >= {need_down} "
                         f"(the default is {COMMON_WINDOW}).")
    times = _check_times(divergence_mya, species)
    tss, length = -a, b - a + 1
    root = _ancestor(int(n_promoters), length, tss, tata_fraction, np.random.default_rng([seed, 0]))
    kw = dict(rate=float(rate), selection=float(selection), turnover=float(turnover), tss=tss)
    order = sorted(set(times.values()), reverse=True)
    lineages: dict[str, _Lineage] = {}
    spine, now, branch = root, order[0], 0
    for t in order:  # walk the human lineage from the oldest split to the present
        branch += 1
        spine = _evolve(spine, now - t, rng=np.random.default_rng([seed, _BRANCH_SALT, branch]), **kw)
        now = t
        for name in sorted(n for n, tn in times.items() if tn == t and n != HUMAN):
            branch += 1
            lineages[name] = _evolve(spine, t, rng=np.random.default_rng([seed, _BRANCH_SALT, branch]), **kw)
    lineages[HUMAN] = spine
    names = sorted(times, key=lambda n: (times[n], n))
    frames, sites = [], []
    for name in names:
        lin = lineages[name]
        common = PROMOTER_SOURCES[name].common.replace(" ", "_")
        text = LETTER_CODES[lin.codes.astype(np.int64)].tobytes().decode("ascii")
        ids = [f"anc{i:05d}_{common}" for i in range(n_promoters)]
        frames.append(pd.DataFrame({"id": ids, "species": name,
                                    "sequence": [text[i * length:(i + 1) * length] for i in range(n_promoters)],
                                    "tss": tss, "source": "simulated", "divergence_mya": times[name]}))
        s = lin.sites.copy()
        sites.append(s.assign(species=name, id=np.asarray(ids, dtype=object)[s["seq"].to_numpy()]))
    df = pd.concat(frames, ignore_index=True)
    site_table = pd.concat(sites, ignore_index=True)[["species", "id", "element", "start", "end", "strand"]]
    df.attrs.update(
        ortholog=np.tile(np.arange(n_promoters), len(names)),
        sites=site_table,
        window=(a, b),
        notes=[f"simulated: {n_promoters} ancestral promoters evolved to {len(names)} species along a ladder tree "
               f"(rate {rate:g}/base/Myr, motif selection {selection:g}, turnover {turnover:g}/site/Myr, seed {seed})."],
        built_in=built_in(rate=rate, selection=selection, turnover=turnover, tata_fraction=tata_fraction,
                          divergence_mya={n: t for n, t in times.items() if n != HUMAN} or None),
    )
    return df


# --------------------------------------------------------------------------- measured


def identity_to_human(table: pd.DataFrame) -> pd.DataFrame:
    """Measured identity of each species to its human orthologs, at background and at motif bases.

    Motif bases are those covered by a planted site in the *human* ortholog (``attrs["sites"]``);
    the rest is background. Returns one row per non-human species: ``species``, ``divergence_mya``,
    ``background_identity`` and ``motif_identity`` (compare them with :func:`expected_identity` at
    the world's rate). Used by the tss_localisation chapter and its tests to show that the world
    does what it declares.
    """
    if "sites" not in table.attrs or "ortholog" not in table.attrs:
        raise ValueError("identity_to_human needs a table from promoter_evolution_world (attrs 'sites', 'ortholog').")
    orth = np.asarray(table.attrs["ortholog"])
    human = table[(table["species"] == HUMAN).to_numpy()]
    if human.empty:
        raise ValueError("identity_to_human: the table has no human rows to compare with.")
    h_codes = np.frombuffer("".join(human["sequence"]).encode("ascii"), dtype=np.uint8).reshape(len(human), -1)
    h_orth = orth[(table["species"] == HUMAN).to_numpy()]
    row_of = np.empty(h_orth.max() + 1, dtype=np.int64)
    row_of[h_orth] = np.arange(len(h_orth))
    motif = np.zeros(h_codes.shape, dtype=bool)
    hs = table.attrs["sites"]
    hs = hs[hs["species"] == HUMAN]
    id_row = {i: r for r, i in enumerate(human["id"])}
    for i, s, e in zip(hs["id"], hs["start"], hs["end"]):
        motif[id_row[i], s:e] = True
    rows = []
    for name, sub in table.groupby("species", sort=False):
        if name == HUMAN:
            continue
        codes = np.frombuffer("".join(sub["sequence"]).encode("ascii"), dtype=np.uint8).reshape(len(sub), -1)
        r = row_of[orth[(table["species"] == name).to_numpy()]]
        same = codes == h_codes[r]
        m = motif[r]
        rows.append({"species": name, "divergence_mya": float(sub["divergence_mya"].iloc[0]),
                     "background_identity": float(same[~m].mean()), "motif_identity": float(same[m].mean())})
    return pd.DataFrame(rows, columns=["species", "divergence_mya", "background_identity", "motif_identity"])
