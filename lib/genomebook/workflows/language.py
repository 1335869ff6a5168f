"""DNA language models, end to end: corpora, tokenisers, MLM / MLM+SOP pre-training, scores, cache.

The workflow of the dna_language_models chapter (Small transformers I, thesis chapters 4-5
and appendix B) and the source of the pre-trained encoders of the part-II chapters:

* :func:`load_corpora` - the mitochondrial language and the nuclear stand-in (or a reader's
  FASTA), with the thesis's split by genome and the split by genus beside it.
* :func:`train_tokenisers` - k-mer words + BPE (k = 6, 9, 12) and BigBird-style words + BPE,
  trained on the training split only, cached.
* :func:`pretrain_language_model` - one run of :data:`RUNS` (model x tokeniser x task x
  corpus x split): token rows cut from the split's records, masked anew every epoch by
  :class:`genomebook.tokenize.MLMCollator` (the one masking collator), trained by
  :func:`genomebook.train.fit` (the one training loop) through
  :class:`genomebook.models.language.LanguageModelTask`; cached in the results store keyed
  by corpus, tokeniser, model, task, sizes and seed, so a later chapter reads it (and
  pre-trains when it is absent).
* :func:`evaluate` - per test row: masked-token loss and accuracy, all-token accuracy, the
  copy baseline, SOP accuracy and the n-gram baseline on the same masked positions.

Sizes come from the ``dna_language_models`` block of ``profiles.yaml``.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, RandomSampler

from genomebook import dna_words, train
from genomebook import seq as gseq
from genomebook.datasets import corpora
from genomebook.datasets._io import atomic_write
from genomebook.models.language import LanguageModelTask, NGramMaskedLM, build_language_model, parameter_count
from genomebook.tokenize import CLS_ID, IGNORE_INDEX, SEP_ID, MLMCollator

__all__ = ["TOKENISERS", "RunSpec", "RUNS", "SCORES", "Pretrained", "load_corpora", "train_tokenisers", "token_rows",
           "pretrain_language_model", "evaluate", "run_label", "split_sequences", "THESIS_NUMBERS", "thesis_row", "scores", "difference", "epochs_to_plateau"]

#: Tokeniser names, in table order: k-mer words + BPE, and BigBird-style words + BPE.
TOKENISERS = ("6-mer BPE", "9-mer BPE", "12-mer BPE", "BigBird words")
_CACHE_VERSION = 1


@dataclass(frozen=True)
class RunSpec:
    """One pre-training run: which model, tokeniser, task (``"MLM"`` or ``"MLM+SOP"``), corpus
    (``"mitochondrial"``, ``"nuclear stand-in"`` or ``"your DNA"``) and split (``"genome"``:
    the thesis's; ``"genus"``: no genus on two sides)."""

    model: str
    tokeniser: str = "9-mer BPE"
    task: str = "MLM"
    corpus: str = "mitochondrial"
    split: str = "genome"


def run_label(spec: RunSpec) -> str:
    """A short name of a run for tables and legends, e.g. ``Longformer · 9-mer BPE · MLM``."""
    extra = [] if spec.corpus == "mitochondrial" else [spec.corpus]
    extra += [] if spec.split == "genome" else [f"split by {spec.split}"]
    return " · ".join([spec.model, spec.tokeniser, spec.task, *extra])


#: The runs of the chapter (every profile): Table 5.1's rows that carry its findings, Table B.1's
#: large model, the ELMo baseline, the genus split and the nuclear stand-in.
RUNS = (
    RunSpec("Longformer", "6-mer BPE"),
    RunSpec("Longformer", "9-mer BPE"),
    RunSpec("Longformer", "12-mer BPE"),
    RunSpec("Longformer", "BigBird words"),
    RunSpec("Longformer", "9-mer BPE", "MLM+SOP"),
    RunSpec("Longalbert", "9-mer BPE"),
    RunSpec("Large Longformer", "9-mer BPE"),
    RunSpec("ELMo", "9-mer BPE"),
    RunSpec("Longformer", "9-mer BPE", split="genus"),
    RunSpec("Longformer", "9-mer BPE", corpus="nuclear stand-in"),
)


@dataclass
class Pretrained:
    """A pre-trained language model and how it got there."""

    spec: RunSpec
    task: LanguageModelTask       # the Lightning wrapper; ``task.model`` is the plain nn.Module
    tokenizer: Any
    history: pd.DataFrame         # one row per epoch: train_loss, val_loss, val_masked_accuracy, ...
    seconds: float                # wall time of the pre-training (also when read from the cache)
    cached: bool
    key: str
    parameters: int


# --------------------------------------------------------------------------- data


def _reader_corpus(path: str | Path) -> pd.DataFrame:
    """A reader's FASTA as a corpus table: one record per genome, genus from the header's
    second word when it looks like a binomial (else the record is its own genus)."""
    rows = []
    for rec in gseq.read_fasta_records(path):
        rid = rec.header.split()[0] if rec.header.strip() else f"record{rec.line}"
        species, genus = corpora.parse_taxon(" ".join(rec.header.split()[1:3]) or None)
        s = dna_words.normalise(rec.sequence)
        rows.append({"id": rid, "genome": rid, "organism": rec.header, "species": species,
                     "genus": genus if genus != "?" else rid, "family": pd.NA, "source": Path(path).name,
                     "gene": pd.NA, "length": len(s), "sequence": s, "duplicate_of": pd.NA, "duplicate_kind": pd.NA})
    if len(rows) < 10:
        raise ValueError(f"{path}: {len(rows)} FASTA record(s); a corpus needs at least 10 (whole records are "
                         "split 81/9/10 into train, dev and test).")
    table = pd.DataFrame(rows)
    if table["id"].duplicated().any():
        table["id"] = [f"{r}#{i}" for i, r in enumerate(table["id"])]
        table["genome"] = table["id"]
    table.attrs["notes"] = []
    return table


def load_corpora(sizes: dict[str, Any], *, seed: int = 0, fasta_path: str | Path | None = None) -> dict[str, dict]:
    """The corpora of the chapter with their splits: name -> dict(table, splits={"genome": ..., "genus": ...}).

    Without ``fasta_path``: ``"mitochondrial"`` (:func:`genomebook.datasets.corpora.mitochondrial_corpus`
    capped at ``sizes["max_genomes"]`` / ``sizes["max_bp"]``) and ``"nuclear stand-in"``
    (:func:`~genomebook.datasets.corpora.nuclear_standin_corpus`, ``sizes["nuclear_max_bp"]``).
    With it: ``"your DNA"`` only, split by record (the genus split uses a binomial in the
    header when there is one). Used by the dna_language_models chapter.
    """
    if fasta_path is not None:
        names = {"your DNA": _reader_corpus(fasta_path)}
    else:
        names = {"mitochondrial": corpora.mitochondrial_corpus(max_genomes=sizes["max_genomes"],
                                                               max_bp=sizes["max_bp"], seed=seed),
                 "nuclear stand-in": corpora.nuclear_standin_corpus(max_bp=sizes["nuclear_max_bp"],
                                                                    segment=sizes["nuclear_segment"])}
    return {name: {"table": t, "splits": {"genome": corpora.split_by_genome(t, seed=seed),
                                          "genus": corpora.split_by_genus(t, seed=seed)}}
            for name, t in names.items()}


def split_sequences(corpus: dict, split: str, part: str) -> list[str]:
    """The DNA of the records of ``corpus`` (from :func:`load_corpora`) in ``part`` (train/dev/test)
    under ``split`` ("genome" or "genus"). Used by the dna_language_models chapter."""
    mask = np.asarray(corpus["splits"][split]) == part
    return [s for s, m in zip(corpus["table"]["sequence"], mask) if m]


def _cache_dir(cache_dir: str | Path | None) -> Path:
    return Path(cache_dir if cache_dir is not None else Path("results").resolve() / "_cache") / "language"


def train_tokenisers(train_seqs: list[str], sizes: dict[str, Any], *, names=TOKENISERS, seed: int = 0,
                     cache_dir: str | Path | None = None) -> dict[str, Any]:
    """Tokeniser name -> trained tokeniser, each trained on ``train_seqs`` (the training split).

    k-mer words then BPE (:class:`genomebook.dna_words.KmerBPETokenizer`) with the vocabulary
    ``sizes["vocab"][k]``, and BigBird-style random-length words then BPE
    (:class:`~genomebook.dna_words.BigBirdBPETokenizer`, thesis Algorithm 1) with
    ``sizes["vocab"]["bigbird"]``, its words drawn from ``sizes["bigbird_repeats"]`` random
    cuttings of the DNA (the thesis's 10 by default). Saved under ``<cache_dir>/language/tok-<key>`` (key: the
    training DNA, the name, the vocabulary and ``seed``) and read back from there. Used by
    the dna_language_models chapter.
    """
    out = {}
    corpus_key = gseq.fingerprint(train_seqs)[:16]
    for name in names:
        kind = "bigbird" if name.startswith("BigBird") else int(name.split("-")[0])
        vocab = int(sizes["vocab"][kind])
        repeats = int(sizes.get("bigbird_repeats", 10)) if kind == "bigbird" else None
        key = hashlib.sha256(json.dumps([corpus_key, name, vocab, repeats, seed, _CACHE_VERSION]).encode()
                             ).hexdigest()[:16]
        folder = _cache_dir(cache_dir) / f"tok-{key}"
        if (folder / dna_words.CONFIG_FILE).exists():
            out[name] = dna_words.load_tokenizer(folder)
            continue
        if kind == "bigbird":
            tok = dna_words.BigBirdBPETokenizer.train(train_seqs, vocab, seed=seed, repeats=repeats)
        else:
            tok = dna_words.KmerBPETokenizer.train(train_seqs, kind, vocab)
        tok.save(folder)
        out[name] = tok
    return out


def token_rows(tokenizer: Any, seqs: list[str], max_tokens: int) -> list[list[int]]:
    """Each sequence tokenised (no specials) and cut into consecutive pieces of ``max_tokens - 1``
    ids (the last piece kept when it has at least 10): the thesis's samples of up to 256 tokens,
    before ``[CLS] ... [SEP]`` (MLM) or Algorithm 2 (MLM + SOP) is applied."""
    n = max_tokens - 1
    rows = []
    for ids in tokenizer.encode_batch(seqs, add_special_tokens=False):
        for s in range(0, len(ids), n):
            piece = ids[s:s + n]
            if len(piece) >= 10:
                rows.append(list(piece))
    return rows


def _examples(rows: list[list[int]], task: str, max_tokens: int, rng: np.random.Generator) -> list:
    if task == "MLM+SOP":
        return [dna_words.sop_sample(r, rng, max_tokens=max_tokens) for r in rows]
    return [torch.tensor([CLS_ID, *r[:max_tokens - 2], SEP_ID]) for r in rows]


def _fixed_batches(rows: list[list[int]], tokenizer, task: str, sizes: dict, seed: int) -> list[dict]:
    """Validation/test batches with their masks (and SOP cuts) drawn once: the same every epoch."""
    rng = np.random.default_rng(seed)
    ex = _examples(rows, task, sizes["max_tokens"], rng)
    collate = MLMCollator(tokenizer, seed=seed)
    b = int(sizes["batch"])
    return [collate(ex[i:i + b]) for i in range(0, len(ex), b)]


def _subset(rows: list[list[int]], n: int | None, seed: int) -> list[list[int]]:
    if n is None or len(rows) <= n:
        return rows
    idx = np.sort(np.random.default_rng(seed).choice(len(rows), size=int(n), replace=False))
    return [rows[i] for i in idx]


# --------------------------------------------------------------------------- pre-training


def _model_kwargs(spec: RunSpec, sizes: dict, vocab_size: int) -> dict[str, Any]:
    kw: dict[str, Any] = {"vocab_size": vocab_size}
    if spec.model == "ELMo":
        kw["objective"] = "masked"
    else:
        kw["max_tokens"] = int(sizes["max_tokens"])
        kw["sop"] = spec.task == "MLM+SOP"
    return kw


def pretrain_language_model(spec: RunSpec, corpus: dict, tokenizer: Any, sizes: dict[str, Any], *, seed: int = 0,
                            cache: bool = True, cache_dir: str | Path | None = None) -> Pretrained:
    """Pre-train one run (:class:`RunSpec`) on ``corpus``'s training split; cached.

    Training rows: :func:`token_rows` of the training records; each epoch draws
    ``sizes["steps_per_epoch"]`` batches of ``sizes["batch"]`` rows at random (all rows
    when it is None), masked anew (dynamic masking, 15%, 80/10/10); MLM + SOP rows are
    Algorithm 2 samples drawn once. Validation after every epoch on at most
    ``sizes["eval_rows"]`` dev rows with fixed masks. Model at ``sizes["model_size"]``
    (:func:`genomebook.models.language.language_model_config`), Adam at ``sizes["lr"]`` for
    ``sizes["epochs"]`` epochs; the weights of the epoch with the lowest validation loss are kept
    (:func:`genomebook.train.fit`). Returns a :class:`Pretrained` (model in eval mode, on the GPU
    when there is one). Cache:
    ``<cache_dir>/language/<key>.pt``, key = training DNA, tokeniser vocabulary, run, sizes
    and seed. Used by the dna_language_models chapter (and, through the cache, part II).
    """
    train_seqs = split_sequences(corpus, spec.split, "train")
    dev_seqs = split_sequences(corpus, spec.split, "dev")
    size_keys = ("model_size", "max_tokens", "batch", "steps_per_epoch", "epochs", "lr", "eval_rows")
    spec_sizes = {k: sizes[k] for k in size_keys}
    vocab_key = hashlib.sha256(json.dumps(tokenizer._hf.get_vocab(), sort_keys=True).encode()).hexdigest()[:16]
    key = hashlib.sha256(json.dumps({"corpus": gseq.fingerprint(train_seqs)[:16],
                                     "dev": gseq.fingerprint(dev_seqs)[:16],
                                     "tok": vocab_key, "run": spec.__dict__, "sizes": spec_sizes, "seed": seed,
                                     "v": _CACHE_VERSION}, sort_keys=True).encode()).hexdigest()[:20]
    path = _cache_dir(cache_dir) / f"{key}.pt"
    kwargs = _model_kwargs(spec, sizes, int(tokenizer.vocab_size))
    if cache and path.exists():
        state = torch.load(path, map_location="cpu", weights_only=False)
        model = build_language_model(spec.model, sizes["model_size"], **kwargs)
        task = LanguageModelTask(model, lr=sizes["lr"])
        task.load_state_dict(state["state_dict"])
        task.to("cuda" if train.uses_cuda() else "cpu").eval()
        return Pretrained(spec, task, tokenizer, pd.DataFrame(state["history"]), state["seconds"], True, key,
                          parameter_count(model))
    t0 = time.perf_counter()
    train.seed_everything(seed)
    rng = np.random.default_rng(seed)
    rows = token_rows(tokenizer, train_seqs, sizes["max_tokens"])
    dev_rows = _subset(token_rows(tokenizer, dev_seqs, sizes["max_tokens"]), sizes["eval_rows"], seed)
    if not rows or not dev_rows:
        raise ValueError(f"{run_label(spec)}: no training or validation rows (train {len(rows)}, dev {len(dev_rows)}); "
                         "the corpus is too small for its split.")
    examples = _examples(rows, spec.task, sizes["max_tokens"], rng)
    steps = sizes["steps_per_epoch"]
    sampler = RandomSampler(examples, replacement=False,
                            num_samples=None if steps is None else min(len(examples), int(steps) * int(sizes["batch"])))
    loader = DataLoader(examples, batch_size=int(sizes["batch"]), sampler=sampler,
                        collate_fn=MLMCollator(tokenizer, seed=seed),
                        # no workers: each would copy the collator's seeded generator and repeat its masks;
                        # masking a batch of ids costs far less than a step
                        **train.loader_options(num_workers=0))
    val = _fixed_batches(dev_rows, tokenizer, spec.task, sizes, seed + 1)
    model = build_language_model(spec.model, sizes["model_size"], **kwargs)
    task = LanguageModelTask(model, lr=sizes["lr"])
    history = train.History()
    train.fit(task, train_dataloaders=loader, val_dataloaders=DataLoader(val, batch_size=None),
              max_epochs=int(sizes["epochs"]), callbacks=[history], num_sanity_val_steps=0)
    seconds = time.perf_counter() - t0
    hist = history.frame()
    if cache:
        payload = {"state_dict": task.state_dict(), "history": hist.to_dict("list"), "seconds": seconds,
                   "spec": spec.__dict__, "sizes": spec_sizes}
        atomic_write(path, lambda tmp: torch.save(payload, tmp))
    return Pretrained(spec, task, tokenizer, hist, seconds, False, key, parameter_count(model))


# --------------------------------------------------------------------------- evaluation


def evaluate(pre: Pretrained, corpus: dict, sizes: dict[str, Any], *, seed: int = 0, part: str = "test",
             ngram: NGramMaskedLM | None = None) -> pd.DataFrame:
    """Per row of ``part`` (test by default; at most ``sizes["eval_rows"]``, fixed masks):
    ``nll`` (nats summed over masked tokens), ``masked``, ``masked_correct``, ``tokens``,
    ``all_correct``, ``copy_correct``, ``all_nll`` (nats over every token), ``sop_correct`` (-1 without SOP), ``ngram_correct``
    (the n-gram baseline on the same masked positions, when ``ngram`` is given) and the
    row's ``bases`` (DNA letters under its tokens). Used by the dna_language_models chapter.
    """
    seqs = split_sequences(corpus, pre.spec.split, part)
    rows = _subset(token_rows(pre.tokenizer, seqs, sizes["max_tokens"]), sizes["eval_rows"], seed)
    batches = _fixed_batches(rows, pre.tokenizer, pre.spec.task, sizes, seed + 2)
    device = next(pre.task.parameters()).device
    frames = []
    pre.task.eval()
    for batch in batches:
        scores = pre.task.score({k: v.to(device) for k, v in batch.items()})
        df = pd.DataFrame({k: v.cpu().numpy() for k, v in scores.items()})
        if ngram is not None:
            sel = batch["labels"] != IGNORE_INDEX
            hit = (ngram.predict(batch["input_ids"], batch["labels"]) == batch["labels"][sel]).long()
            per_row = torch.zeros(len(sel), dtype=torch.long).index_add_(0, sel.nonzero()[:, 0], hit)
            df["ngram_correct"] = per_row.numpy()
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out["bases"] = [len(pre.tokenizer.decode(r)) for r in rows]
    out["ids"] = [len(r) for r in rows]
    return out


# --------------------------------------------------------------------------- scores with intervals

#: The scores of one evaluation (:func:`scores`), in table order.
SCORES = ("masked accuracy", "masked loss", "perplexity", "bits per base", "all-token accuracy", "all-token perplexity",
          "copy baseline", "n-gram accuracy", "SOP accuracy")


def _stat(ev: pd.DataFrame, name: str, idx: np.ndarray | None = None) -> np.ndarray | float:
    """Score ``name`` of an evaluation (:func:`evaluate`), pooled over rows; over each resample
    ``idx`` (B, n) of rows when given."""
    def s(col: str):
        v = ev[col].to_numpy(dtype=float)
        return v.sum() if idx is None else v[idx].sum(-1)

    with np.errstate(divide="ignore", invalid="ignore"):
        if name == "masked accuracy":
            return s("masked_correct") / s("masked")
        if name == "masked loss":
            return s("nll") / s("masked")
        if name == "perplexity":
            return np.exp(s("nll") / s("masked"))
        if name == "bits per base":
            return s("nll") / s("masked") * s("ids") / s("bases") / np.log(2)
        if name == "all-token accuracy":
            return s("all_correct") / s("tokens")
        if name == "all-token perplexity":
            return np.exp(s("all_nll") / s("tokens"))
        if name == "copy baseline":
            return s("copy_correct") / s("tokens")
        if name == "n-gram accuracy":
            return s("ngram_correct") / s("masked") if "ngram_correct" in ev else np.nan * s("masked")
        if name == "SOP accuracy":
            sop = ev["sop_correct"].to_numpy(dtype=float)
            if (sop < 0).all():
                return np.nan if idx is None else np.full(len(idx), np.nan)
            return sop.mean() if idx is None else sop[idx].mean(-1)
    raise KeyError(f"no score {name!r}; scores are {', '.join(SCORES)}")


def _resample(n: int, n_boot: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(n_boot, n))


def scores(ev: pd.DataFrame, *, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Every score of :data:`SCORES` with a 95% percentile-bootstrap interval over rows (one
    resample for all): columns ``score``, ``value``, ``ci_low``, ``ci_high``, ``n`` (rows).
    Masked loss is the mean cross-entropy per masked token (nats); perplexity is its exponential; all-token accuracy and all-token perplexity count every
    token, copied ones included (the thesis's reading, Table 5.1); bits per base is
    :func:`genomebook.dna_words.bits_per_base` of the same loss. Used by the
    dna_language_models chapter."""
    idx = _resample(len(ev), n_boot, seed)
    out = []
    for name in SCORES:
        value = float(_stat(ev, name))
        dist = np.asarray(_stat(ev, name, idx), dtype=float)
        dist = dist[np.isfinite(dist)]
        lo, hi = np.quantile(dist, [0.025, 0.975]) if dist.size and np.isfinite(value) else (np.nan, np.nan)
        out.append({"score": name, "value": value, "ci_low": float(lo), "ci_high": float(hi), "n": len(ev)})
    return pd.DataFrame(out)


def difference(ev_a: pd.DataFrame, ev_b: pd.DataFrame, score_a: str, score_b: str | None = None, *,
               paired: bool, n_boot: int = 1000, seed: int = 0) -> dict[str, float]:
    """``score_a`` of ``ev_a`` minus ``score_b`` (default the same) of ``ev_b``, with a 95% bootstrap interval.

    ``paired``: the two evaluations score the same rows with the same masks (e.g. a model and
    the n-gram baseline, or two models on one tokeniser), so one resample of rows serves
    both; otherwise (different tokenisers or corpora cut different rows) each is resampled on
    its own. Returns ``value``, ``ci_low``, ``ci_high``, ``n`` (rows of ``ev_a``). Used by the
    dna_language_models chapter's claims.
    """
    score_b = score_b or score_a
    if paired and len(ev_a) != len(ev_b):
        raise ValueError(f"paired difference needs the same rows; got {len(ev_a)} and {len(ev_b)}.")
    ia = _resample(len(ev_a), n_boot, seed)
    ib = ia if paired else _resample(len(ev_b), n_boot, seed + 1)
    value = float(_stat(ev_a, score_a)) - float(_stat(ev_b, score_b))
    dist = np.asarray(_stat(ev_a, score_a, ia), dtype=float) - np.asarray(_stat(ev_b, score_b, ib), dtype=float)
    dist = dist[np.isfinite(dist)]
    lo, hi = np.quantile(dist, [0.025, 0.975]) if dist.size and np.isfinite(value) else (np.nan, np.nan)
    return {"value": value, "ci_low": float(lo), "ci_high": float(hi), "n": len(ev_a)}


def epochs_to_plateau(history: pd.DataFrame, column: str = "val_loss", tolerance: float = 0.01) -> int | None:
    """The first epoch (1-based) whose ``column`` (a loss) is within ``tolerance`` (relative) of
    the run's best, or None when the run has not plateaued: its last epoch still improved on the
    one before by more than ``tolerance``. How fast a run converges, for the thesis's
    BigBird-words finding; a run that is still improving cannot say. Used by the
    dna_language_models chapter."""
    v = history[column].to_numpy(dtype=float)
    if len(v) >= 2 and (v[-2] - v[-1]) > tolerance * abs(v[-2]):
        return None
    return int(np.flatnonzero(v <= np.nanmin(v) + tolerance * abs(np.nanmin(v)))[0]) + 1


# --------------------------------------------------------------------------- the thesis's tables

#: Every number of Table 5.1, Table B.1 and the test set of appendix B.2 (``data/published``),
#: in the thesis's order; :func:`thesis_row` says which run and score of ours each one meets.
THESIS_NUMBERS = (
    "small_transformers.table5_1.mito.longalbert.6mer.mlm.accuracy",
    "small_transformers.table5_1.mito.longalbert.6mer.mlm.perplexity",
    "small_transformers.table5_1.mito.longalbert.9mer.mlm.accuracy",
    "small_transformers.table5_1.mito.longalbert.9mer.mlm.perplexity",
    "small_transformers.table5_1.mito.longalbert.12mer.mlm.accuracy",
    "small_transformers.table5_1.mito.longalbert.12mer.mlm.perplexity",
    "small_transformers.table5_1.mito.longformer.6mer.mlm.accuracy",
    "small_transformers.table5_1.mito.longformer.6mer.mlm.perplexity",
    "small_transformers.table5_1.mito.longformer.9mer.mlm.accuracy",
    "small_transformers.table5_1.mito.longformer.9mer.mlm.perplexity",
    "small_transformers.table5_1.mito.longformer.12mer.mlm.accuracy",
    "small_transformers.table5_1.mito.longformer.12mer.mlm.perplexity",
    "small_transformers.table5_1.mito.longformer.bb.mlm.accuracy",
    "small_transformers.table5_1.mito.longformer.bb.mlm.perplexity",
    "small_transformers.table5_1.mito.longformer.6mer.mlm_sop.accuracy",
    "small_transformers.table5_1.mito.longformer.6mer.mlm_sop.perplexity",
    "small_transformers.table5_1.mito.longformer.6mer.mlm_sop.sop_accuracy",
    "small_transformers.table5_1.mito.longformer.9mer.mlm_sop.accuracy",
    "small_transformers.table5_1.mito.longformer.9mer.mlm_sop.perplexity",
    "small_transformers.table5_1.mito.longformer.9mer.mlm_sop.sop_accuracy",
    "small_transformers.table5_1.mito.longformer.12mer.mlm_sop.accuracy",
    "small_transformers.table5_1.mito.longformer.12mer.mlm_sop.perplexity",
    "small_transformers.table5_1.mito.longformer.12mer.mlm_sop.sop_accuracy",
    "small_transformers.table5_1.mito.longformer.bb.mlm_sop.accuracy",
    "small_transformers.table5_1.mito.longformer.bb.mlm_sop.perplexity",
    "small_transformers.table5_1.mito.longformer.bb.mlm_sop.sop_accuracy",
    "small_transformers.table5_1.hg38.longalbert.12mer.mlm_sop.accuracy",
    "small_transformers.table5_1.hg38.longalbert.12mer.mlm_sop.perplexity",
    "small_transformers.table5_1.hg38.longalbert.12mer.mlm_sop.sop_accuracy",
    "small_transformers.table5_1.hg38.longformer.9mer.mlm.accuracy",
    "small_transformers.table5_1.hg38.longformer.9mer.mlm.perplexity",
    "small_transformers.table5_1.reference.bigbird.perplexity",
    "small_transformers.table5_1.reference.random.mlm_accuracy",
    "small_transformers.table5_1.reference.random.sop_accuracy",
    "small_transformers.tableB_1.longformer.accuracy",
    "small_transformers.tableB_1.longformer.perplexity",
    "small_transformers.tableB_1.large_longformer.accuracy",
    "small_transformers.tableB_1.large_longformer.perplexity",
    "small_transformers.appendixB_2.large_longformer.test.accuracy",
    "small_transformers.appendixB_2.large_longformer.test.perplexity",
)

_MODEL = {"longformer": "Longformer", "longalbert": "Longalbert", "large_longformer": "Large Longformer"}
_TOKENISER = {"6mer": "6-mer BPE", "9mer": "9-mer BPE", "12mer": "12-mer BPE", "bb": "BigBird words"}
#: The thesis's metric -> our score of the same definition (our reading: its accuracy and its
#: perplexity count every token, the copied ones included; see the chapter).
THESIS_SCORE = {"accuracy": "all-token accuracy", "perplexity": "all-token perplexity",
                "sop_accuracy": "SOP accuracy"}


def thesis_row(pid: str) -> tuple[RunSpec | None, str, str, str]:
    """(run, score, split, why not) of the published number ``pid`` (one of :data:`THESIS_NUMBERS`).

    ``run`` is the :class:`RunSpec` of ours that meets it on the mitochondrial language (split by
    genome), or None with ``why not`` saying why (hg38 is not here; a row the chapter does not
    run; a reference value); ``score`` is one of :data:`SCORES`; ``split`` is ``"dev"`` (the
    thesis's validation numbers) or ``"test"`` (appendix B.2). The random MLM baseline meets our
    copy baseline of the Longformer 9-mer run. Used by the dna_language_models chapter.
    """
    parts = pid.split(".")[1:]
    table, metric = parts[0], parts[-1]
    if table == "table5_1" and parts[1] == "reference":
        if parts[2] == "random" and metric == "mlm_accuracy":
            return RunSpec("Longformer"), "copy baseline", "dev", ""
        return None, "", "", "a reference value (chance, or BigBird on hg38)"
    if table == "table5_1":
        language, model, tok, task = parts[1:5]
        if language != "mito":
            return None, "", "", "hg38 is registered for the paper profile only"
        spec = RunSpec(_MODEL[model], _TOKENISER[tok], "MLM+SOP" if task == "mlm_sop" else "MLM")
        if spec not in RUNS:
            return None, "", "", "a row of the thesis this chapter does not run"
        return spec, THESIS_SCORE[metric], "dev", ""
    model = parts[1]
    return RunSpec(_MODEL[model]), THESIS_SCORE[metric], "test" if table == "appendixB_2" else "dev", ""
