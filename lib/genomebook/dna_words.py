"""DNA as words: k-mer and BigBird-style words with byte-pair encoding, SOP samples, tokeniser statistics.

The tokenisers and pre-training samples of the Small-transformers thesis (Lorello 2021,
chapters 4-5), used by the dna_language_models chapter (issue 13). DNA has no word
boundaries, so the thesis first cuts it into *words* and then learns sub-word tokens with
byte-pair encoding (BPE), as a natural-language tokeniser would:

* :func:`kmer_words` - non-overlapping k-mers (k = 6, 9, 12 in the thesis), and
  :class:`KmerBPETokenizer`, BPE trained on them (Hugging Face ``tokenizers``);
* :func:`bigbird_split` / :func:`bigbird_words` - BigBird-style random-length words
  (thesis Algorithm 1), and :class:`BigBirdBPETokenizer`, BPE trained on them;
* :func:`sop_sample` / :func:`sop_collate` - sentence-order-prediction samples (thesis
  Algorithm 2);
* :func:`tokeniser_stats` and :func:`bits_per_base` - the comparison of tokenisers on
  the same held-out DNA (tokens per kb, vocabulary used, throughput, bits per base),
  which also takes DNABERT's overlapping :class:`genomebook.tokenize.KmerTokenizer`.

Conventions:

* Special tokens ``[PAD] [UNK] [CLS] [SEP] [MASK]`` have ids 0..4, as in
  :mod:`genomebook.tokenize` (the thesis writes ``<cls>``, ``<sep>``, ``<mask>``).
* Letters are upper-cased; every letter other than A, C, G, T (IUPAC codes included)
  becomes ``N``. BPE is trained only on words made of A/C/G/T (a word holding an ``N`` is
  left out, so no merge learns ``N``), but ``N`` is in the alphabet: such words still
  encode, one ``N`` token per N, and decode back exactly. Nothing maps to ``[UNK]``.
* Tokens never cross a word boundary, and words tile the sequence, so decoding is the
  concatenation of the tokens' letters.
* ``random(lo, hi)`` in the thesis's pseudo-code is read as a uniform integer in
  ``[lo, hi]``, both ends included (Algorithm 2 draws ``swap = random(0, 1)`` and swaps
  "with probability 50%", which needs ``hi`` included). The random source (``rng``) is
  an int seed, None, a ``numpy.random.Generator``, or any object with numpy's
  ``integers(low, high)`` method (high excluded), e.g. a scripted one in tests.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import torch

from genomebook.tokenize import (CLS_ID, MASK_ID, PAD_ID, SEP_ID, SPECIAL_TOKENS, UNK_ID, KmerTokenizer)

if TYPE_CHECKING:  # imported lazily: tokenizers / transformers are slow to import
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

__all__ = [
    "THESIS_VOCAB_SIZE",
    "normalise",
    "kmer_words",
    "bigbird_split",
    "bigbird_words",
    "KmerBPETokenizer",
    "BigBirdBPETokenizer",
    "load_tokenizer",
    "SOPSample",
    "sop_sample",
    "sop_collate",
    "bits_per_base",
    "TokeniserStats",
    "tokeniser_stats",
]

N_SPECIAL = len(SPECIAL_TOKENS)
ALPHABET = "ACGTN"  # BPE's initial alphabet: every normalised letter has a token
# Target vocabularies of the thesis (section 4.2.1): 5,000 for 6-mer words (more than the
# 4**6 = 4,096 6-mers), 30,000 for 9-mer, 12-mer and BigBird-style words. Method settings.
THESIS_VOCAB_SIZE = {6: 5000, 9: 30000, 12: 30000, "bigbird": 30000}
CONFIG_FILE = "dna_words.json"
# bases-per-token is measured after training on the first this-many bases of training words
_BPT_BASES = 1_000_000

# bytes.translate table: a/c/g/t -> upper case, every other byte -> N.
_NORMALISE = bytearray(b"N" * 256)
for _b in b"ACGT":
    _NORMALISE[_b] = _b
    _NORMALISE[_b + 32] = _b
_NORMALISE = bytes(_NORMALISE)


def normalise(seq: str) -> str:
    """Upper-case DNA with every letter other than A/C/G/T written as N; same length (str).

    Used by the tokenisers of this module (dna_language_models chapter).

    Examples
    --------
    >>> normalise("acgtRYn-")
    'ACGTNNNN'
    """
    if not isinstance(seq, str):
        raise TypeError(f"expected a DNA str, got {type(seq).__name__}")
    return seq.encode("ascii", errors="replace").translate(_NORMALISE).decode()


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int (the thesis uses 6, 9 and 12), got {k!r}")
    return int(k)


def kmer_words(seq: str, k: int, *, tail: str = "keep") -> list[str]:
    """Non-overlapping k-mer words of one sequence, from its first base: ``seq[0:k], seq[k:2k], ...``.

    The sequence is normalised first (:func:`normalise`: upper case, non-ACGT letters as
    N); words holding N are kept (the tokenisers skip them in training only). The *tail*,
    the last ``len(seq) % k`` bases, is a last, shorter word with ``tail="keep"``
    (default: no base is lost, so decoding gives the whole sequence back) and is dropped
    with ``tail="drop"``. Used by :class:`KmerBPETokenizer` (dna_language_models chapter).

    Examples
    --------
    >>> kmer_words("ACGTACGTac", 3)
    ['ACG', 'TAC', 'GTA', 'C']
    >>> kmer_words("ACGTACGTac", 3, tail="drop")
    ['ACG', 'TAC', 'GTA']
    """
    k = _check_k(k)
    if tail not in ("keep", "drop"):
        raise ValueError(f"tail must be 'keep' or 'drop', got {tail!r}")
    s = normalise(seq)
    end = len(s) if tail == "keep" else len(s) - len(s) % k
    return [s[i:i + k] for i in range(0, end, k)]


# --------------------------------------------------------------------------- random draws


def _as_rng(rng: Any) -> Any:
    """A source of ``integers(low, high)``: the object itself if it has one, else numpy's Generator(seed)."""
    if hasattr(rng, "integers"):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(None if rng is None else int(rng))
    raise TypeError(f"rng must be an int seed, None or a numpy Generator, got {type(rng).__name__}")


def _random(rng: Any, lo: int, hi: int) -> int:
    """The thesis's ``random(lo, hi)``: a uniform integer in [lo, hi], both ends included."""
    if hi < lo:
        raise ValueError(f"random({lo}, {hi}): empty range")
    return int(rng.integers(lo, hi + 1))


# --------------------------------------------------------------------------- Algorithm 1


def bigbird_split(seq: str, rng: Any = None, *, start_max: int = 500, sentence_max: int = 10000,
                  word_min: int = 50, word_max: int = 500) -> list[str]:
    """BigBird-style random-length words of one chromosome, one pass (the body of thesis Algorithm 1).

    Our reading of Algorithm 1 (thesis section 4.2.1, the pseudo-code before "Algorithm 1:
    Big Bird word splitting algorithm"), whose printed text uses ``offset`` without
    reading it and ``i`` without setting it, and never advances ``start``:

    1. ``start = random(0, start_max)``: the first ``start`` bases are skipped, so that
       each pass aligns the words differently ("multiple random alignments");
    2. while the position ``p = start + offset`` is inside the chromosome (the printed
       ``start <= length`` with ``offset`` read for ``i``; ``<`` rather than ``<=``, since
       at ``p == length`` nothing is left): the next *sentence* has length
       ``min(length - p, random(0, sentence_max))`` (the printed
       ``min(length - start + i, ...)`` read as the bases left), is ``seq[p : p + that]``,
       and ``offset`` grows by that length (a draw of 0 gives an empty sentence and a new
       draw);
    3. each sentence is cut into words of ``random(word_min, word_max)`` bases from its
       start; the last word of a sentence is what is left (it can be shorter than
       ``word_min``, down to 1 base), exactly as the printed inner loop does.

    The words tile ``seq[start:]``. ``seq`` is normalised (:func:`normalise`). Draw order
    per pass: ``start``, then for each sentence its length followed by its word lengths.
    With ``start_max=0`` the words cover the whole sequence (used to encode new DNA).
    Used by :func:`bigbird_words` and :class:`BigBirdBPETokenizer` (dna_language_models
    chapter).
    """
    for name, v in (("start_max", start_max), ("sentence_max", sentence_max), ("word_min", word_min),
                    ("word_max", word_max)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must be an int >= 0, got {v!r}")
    if word_min < 1 or word_max < word_min:
        raise ValueError(f"word lengths must satisfy 1 <= word_min <= word_max, got {word_min}, {word_max}")
    if sentence_max < 1:
        raise ValueError(f"sentence_max must be >= 1, got {sentence_max}")
    rng = _as_rng(rng)
    s = normalise(seq)
    length = len(s)
    words: list[str] = []
    start = _random(rng, 0, start_max)
    offset = 0
    while start + offset < length:
        p = start + offset
        n = min(length - p, _random(rng, 0, sentence_max))
        sentence = s[p:p + n]
        offset += n
        j = 0
        while j < len(sentence):
            old_j = j
            j += _random(rng, word_min, word_max)
            words.append(sentence[old_j:j])
    return words


def bigbird_words(chromosomes: str | Iterable[str], seed: Any = 0, *, repeats: int = 10,
                  start_max: int = 500, sentence_max: int = 10000, word_min: int = 50,
                  word_max: int = 500) -> list[str]:
    """Thesis Algorithm 1: all BigBird-style words of ``repeats`` passes over each chromosome (list of str).

    Loops as printed: for each chromosome, ``repeats`` passes of :func:`bigbird_split`
    (our reading of ``for repeats in 0..10`` is 10 passes, range end excluded: the thesis's
    BigBird-style data set is its genomes "resampled 10 times"), all drawing from one
    random source seeded by ``seed``; the words are concatenated in that order. The same
    input and seed give the same words. One pass over one chromosome is one document of
    words: call :func:`bigbird_split` yourself to keep them apart. Used by
    :class:`BigBirdBPETokenizer` (dna_language_models chapter).
    """
    if isinstance(chromosomes, str):
        chromosomes = [chromosomes]
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ValueError(f"repeats must be an int >= 1, got {repeats!r}")
    rng = _as_rng(seed)
    words: list[str] = []
    for chrom in chromosomes:
        for _ in range(int(repeats)):
            words += bigbird_split(chrom, rng, start_max=start_max, sentence_max=sentence_max,
                                   word_min=word_min, word_max=word_max)
    return words


# --------------------------------------------------------------------------- BPE over words


def _train_bpe(words: Iterable[str], vocab_size: int, min_frequency: int) -> tuple[Tokenizer, dict]:
    """A Hugging Face BPE tokenizer trained on the A/C/G/T-only words; also word counts (dict)."""
    # optional and slow to import (tokenizers): only training and loading need it
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    if isinstance(vocab_size, bool) or not isinstance(vocab_size, (int, np.integer)) \
            or vocab_size < N_SPECIAL + len(ALPHABET):
        raise ValueError(f"vocab_size must be an int >= {N_SPECIAL + len(ALPHABET)} (5 specials + the "
                         f"letters {ALPHABET}), got {vocab_size!r}")
    counts = {"n_words": 0, "n_words_skipped": 0, "n_bases": 0}

    def batches() -> Iterator[str]:  # one space-separated str per 1,000 words: fewer Python calls
        buf: list[str] = []
        for w in words:
            counts["n_words"] += 1
            if "N" in w or not w:
                counts["n_words_skipped"] += 1
                continue
            counts["n_bases"] += len(w)
            buf.append(w)
            if len(buf) == 1000:
                yield " ".join(buf)
                buf = []
        if buf:
            yield " ".join(buf)

    hf = Tokenizer(models.BPE(unk_token=SPECIAL_TOKENS[UNK_ID]))
    hf.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.BpeTrainer(vocab_size=int(vocab_size), min_frequency=int(min_frequency),
                                  special_tokens=list(SPECIAL_TOKENS), initial_alphabet=list(ALPHABET),
                                  limit_alphabet=len(ALPHABET), show_progress=False)
    hf.train_from_iterator(batches(), trainer=trainer)
    if counts["n_bases"] == 0:
        raise ValueError("no training word is made of A/C/G/T only (words holding N are left out); "
                         "give DNA sequences with A/C/G/T letters.")
    vocab = hf.get_vocab()
    for i, t in enumerate(SPECIAL_TOKENS):  # the fixed ids every model of the book relies on
        assert vocab[t] == i, (t, vocab[t])
    return hf, counts


class _WordBPE:
    """BPE over DNA words (shared code of :class:`KmerBPETokenizer` and :class:`BigBirdBPETokenizer`)."""

    kind = ""
    pad_id, unk_id, cls_id, sep_id, mask_id = PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID
    pad_token, unk_token, cls_token, sep_token, mask_token = SPECIAL_TOKENS

    def __init__(self, hf: Tokenizer, config: dict) -> None:
        self._hf = hf
        self.config = dict(config)
        vocab = hf.get_vocab()
        self.id_to_token: list[str] = [""] * len(vocab)
        for t, i in vocab.items():
            self.id_to_token[i] = t
        if tuple(self.id_to_token[:N_SPECIAL]) != SPECIAL_TOKENS:
            raise ValueError(f"the tokenizer's first ids are {self.id_to_token[:N_SPECIAL]}, expected "
                             f"{list(SPECIAL_TOKENS)}; was it trained by this module?")
        self.vocab: dict[str, int] = dict(vocab)
        lengths = np.array([len(t) for t in self.id_to_token], dtype=np.int64)
        lengths[:N_SPECIAL] = 0
        self.token_lengths = lengths  # bases of each id (0 for specials)

    # -- to be provided by the subclasses
    def words(self, seq: str) -> list[str]:
        """The words of one sequence, as encoding cuts it (list of str tiling the normalised sequence)."""
        raise NotImplementedError

    # -- basics
    @property
    def vocab_size(self) -> int:
        """Number of ids, specials included (can be below the target: see ``config['vocab_size_target']``)."""
        return len(self.id_to_token)

    def __len__(self) -> int:
        return self.vocab_size

    @property
    def bases_per_token(self) -> float:
        """Mean bases per token over the first 1 Mb of training words (A/C/G/T only), measured after training."""
        return float(self.config["bases_per_token"])

    @property
    def name(self) -> str:
        """Short label for tables, e.g. ``'9-mer BPE'``."""
        return self.config.get("name", self.kind)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.name}; vocab_size={self.vocab_size} of target "
                f"{self.config['vocab_size_target']}, {self.bases_per_token:.2f} bases/token)")

    # -- encoding
    def encode(self, seq: str, add_special_tokens: bool = True) -> list[int]:
        """Token ids of one sequence (list of int), framed ``[CLS] ... [SEP]`` with ``add_special_tokens``.

        The sequence is normalised, cut into :meth:`words`, and each word is split into
        BPE tokens; every base lies in exactly one token. No truncation: cut the ids into
        model windows yourself (e.g. :func:`sop_sample` with ``max_tokens``).
        """
        if not isinstance(seq, str):
            raise TypeError(f"encode takes one DNA str, got {type(seq).__name__}; use encode_batch for lists.")
        return self.encode_batch([seq], add_special_tokens)[0]

    def encode_batch(self, seqs: Sequence[str], add_special_tokens: bool = True) -> list[list[int]]:
        """Token ids of several sequences (list of lists of int), one Hugging Face batch call."""
        seqs = [seqs] if isinstance(seqs, str) else list(seqs)
        words = [self.words(s) for s in seqs]
        nonempty = [w for w in words if w]
        enc = iter(self._hf.encode_batch(nonempty, is_pretokenized=True, add_special_tokens=False)
                   if nonempty else [])
        out = []
        for w in words:
            ids = list(next(enc).ids) if w else []
            out.append([CLS_ID, *ids, SEP_ID] if add_special_tokens else ids)
        return out

    def tokens(self, seq: str) -> list[str]:
        """The tokens of one sequence as strings (no specials)."""
        return [self.id_to_token[i] for i in self.encode(seq, add_special_tokens=False)]

    def decode(self, ids: Sequence[int] | np.ndarray | torch.Tensor) -> str:
        """DNA of one id sequence (1-D): the tokens' letters joined; ``[PAD] [CLS] [SEP]`` are skipped.

        ``[UNK]`` and ``[MASK]`` (never produced by :meth:`encode`) become one ``N`` each:
        their length is unknown. ``decode(encode(seq)) == normalise(seq)`` for every
        sequence of :class:`KmerBPETokenizer` with ``tail="keep"`` and of
        :class:`BigBirdBPETokenizer`.
        """
        if isinstance(ids, torch.Tensor):
            ids = ids.detach().cpu().numpy()
        arr = np.asarray(ids)
        if arr.ndim != 1:
            raise ValueError(f"decode takes one sequence of ids (1-D), got shape {arr.shape}")
        if arr.size and (arr.min() < 0 or arr.max() >= self.vocab_size):
            raise ValueError(f"ids must lie in 0..{self.vocab_size - 1}, found {int(arr.min())}..{int(arr.max())}. "
                             "Labels use -100 for ignored positions: decode input_ids, not labels.")
        skip = (PAD_ID, CLS_ID, SEP_ID)
        return "".join("N" if i in (UNK_ID, MASK_ID) else self.id_to_token[i] for i in arr.tolist() if i not in skip)

    # -- files
    def save(self, folder: str | os.PathLike) -> Path:
        """Write ``folder/tokenizer.json`` (Hugging Face) and ``folder/dna_words.json`` (word settings); the folder."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self._hf.save(str(folder / "tokenizer.json"))
        (folder / CONFIG_FILE).write_text(json.dumps(self.config, indent=1, sort_keys=True) + "\n")
        return folder

    @classmethod
    def load(cls, folder: str | os.PathLike) -> _WordBPE:
        """The tokenizer saved in ``folder`` by :meth:`save` (class checked against the saved kind)."""
        tok = load_tokenizer(folder)
        if not isinstance(tok, cls):
            raise ValueError(f"{folder} holds a {type(tok).__name__}, not a {cls.__name__}; use load_tokenizer.")
        return tok

    def to_hf_text(self, seq: str) -> str:
        """Input text of :meth:`to_hf`'s tokenizer for one sequence: its words joined by spaces."""
        return " ".join(self.words(seq))

    def to_hf(self) -> PreTrainedTokenizerFast:
        """A ``transformers.PreTrainedTokenizerFast`` with the same BPE, specials and ids.

        Its input is :meth:`to_hf_text` (the words; ``tokenizers`` cannot cut words itself);
        it adds ``[CLS] ... [SEP]`` (pairs: ``[CLS] A [SEP] B [SEP]``, segment 1 for B, with
        ``return_token_type_ids=True``), so
        transformers' collators (e.g. ``DataCollatorForLanguageModeling``) can use it.
        """
        # optional and slow to import (transformers): only the Hugging Face bridge needs them
        from tokenizers import Tokenizer, processors
        from transformers import PreTrainedTokenizerFast

        tok = Tokenizer.from_str(self._hf.to_str())
        tok.post_processor = processors.TemplateProcessing(
            single=f"{self.cls_token} $A {self.sep_token}",
            pair=f"{self.cls_token} $A {self.sep_token} $B:1 {self.sep_token}:1",
            special_tokens=[(self.cls_token, CLS_ID), (self.sep_token, SEP_ID)])
        return PreTrainedTokenizerFast(
            tokenizer_object=tok, unk_token=self.unk_token, pad_token=self.pad_token, cls_token=self.cls_token,
            sep_token=self.sep_token, mask_token=self.mask_token, model_max_length=int(1e30),
            padding_side="right", truncation_side="right")

    # -- training helper
    def _measure(self, words: list[str]) -> None:
        """Store bases per token over the first 1 Mb of A/C/G/T training words in the config."""
        sample, n = [], 0
        for w in words:
            if w and "N" not in w:
                sample.append(w)
                n += len(w)
                if n >= _BPT_BASES:
                    break
        n_tokens = sum(len(e.ids) for e in self._hf.encode_batch([[w] for w in sample], is_pretokenized=True,
                                                                 add_special_tokens=False))
        self.config["bases_per_token"] = n / max(n_tokens, 1)


class KmerBPETokenizer(_WordBPE):
    """BPE on non-overlapping k-mer words (thesis: k = 6, 9, 12; vocabularies 5,000 / 30,000).

    Train with :meth:`train`; then :meth:`encode` (DNA -> ids), :meth:`decode` (ids ->
    DNA), :meth:`save` / :meth:`load` (a folder with ``tokenizer.json``), ``vocab_size``
    and ``bases_per_token``. Words are :func:`kmer_words` (the tail shorter than k is a
    last, shorter word unless ``tail="drop"``); a BPE token never crosses a word, so a
    k-mer word is 1 token when the vocabulary holds the whole k-mer and several
    otherwise. Round trip: ``decode(encode(s)) == normalise(s)`` for any DNA ``s`` with
    ``tail="keep"`` (with ``"drop"``, for lengths that are multiples of k). Training is
    deterministic (the same words give the same merges). Used by the
    dna_language_models chapter.
    """

    kind = "kmer"

    @property
    def k(self) -> int:
        """Word length in bases."""
        return int(self.config["k"])

    def words(self, seq: str) -> list[str]:
        """Non-overlapping k-mer words of ``seq`` (:func:`kmer_words` with this tokenizer's k and tail rule)."""
        return kmer_words(seq, self.k, tail=self.config["tail"])

    @classmethod
    def train(cls, sequences: str | Iterable[str], k: int, vocab_size: int | None = None, *,
              min_frequency: int = 2, tail: str = "keep") -> KmerBPETokenizer:
        """Train BPE on the k-mer words of ``sequences`` up to ``vocab_size`` ids (specials included).

        ``vocab_size`` defaults to the thesis's: 5,000 for k <= 6, 30,000 otherwise. Words
        holding N are left out of training; so are the tails (with ``tail="keep"`` they
        are encoded but not learnt from: a tail is not a k-mer). BPE starts from the 5
        specials and the letters A C G N T and adds the most frequent pair of adjacent
        tokens inside a word until ``vocab_size`` is reached, or until no pair occurs
        ``min_frequency`` times (default 2: a pair seen once is not a pattern) - on a
        small corpus the vocabulary stays below the target (``vocab_size`` tells; the
        target is ``config['vocab_size_target']``). At most ``5 + 5 + sum_{j=2..k}
        4**j`` ids can be made (every substring of a k-mer), e.g. 5,466 for k = 6, so
        the thesis's 5,000 need not make every 6-mer a single token (the chapter can count them).
        """
        k = _check_k(k)
        if vocab_size is None:
            vocab_size = THESIS_VOCAB_SIZE[6] if k <= 6 else THESIS_VOCAB_SIZE[9]
        if isinstance(sequences, str):
            sequences = [sequences]
        words = [w for s in sequences for w in kmer_words(s, k, tail="drop")]
        hf, counts = _train_bpe(words, vocab_size, min_frequency)
        tok = cls(hf, {"kind": cls.kind, "name": f"{k}-mer BPE", "k": k, "tail": tail,
                       "vocab_size_target": int(vocab_size), "min_frequency": int(min_frequency), **counts})
        tok._measure(words)
        return tok


class BigBirdBPETokenizer(_WordBPE):
    """BPE on BigBird-style random-length words (thesis Algorithm 1; vocabulary 30,000 in the thesis).

    Trained on :func:`bigbird_words` (``repeats`` randomly aligned passes over each
    sequence). New DNA is cut for encoding by one pass of :func:`bigbird_split` with
    ``start_max=0`` (so no base is skipped) and a random source re-seeded with the
    tokenizer's ``seed`` for every sequence: the same sequence always gets the same
    tokens, and ``decode(encode(s)) == normalise(s)``. The thesis notes that this
    splitting does not carry over to fine-tuning (there the word boundaries are one
    random draw, not many). Used by the dna_language_models chapter.
    """

    kind = "bigbird"

    def words(self, seq: str) -> list[str]:
        """Random-length words tiling ``seq``: one :func:`bigbird_split` pass from base 0, seeded with ``seed``."""
        c = self.config
        return bigbird_split(seq, np.random.default_rng(c["seed"]), start_max=0, sentence_max=c["sentence_max"],
                             word_min=c["word_min"], word_max=c["word_max"])

    @classmethod
    def train(cls, sequences: str | Iterable[str], vocab_size: int = THESIS_VOCAB_SIZE["bigbird"], *,
              seed: int = 0, repeats: int = 10, start_max: int = 500, sentence_max: int = 10000,
              word_min: int = 50, word_max: int = 500, min_frequency: int = 2) -> BigBirdBPETokenizer:
        """Train BPE on the words of :func:`bigbird_words` (seeded) up to ``vocab_size`` ids.

        The word settings are Algorithm 1's (``random(0, 500)`` start, sentences up to
        10,000 bases, words of 50..500 bases, 10 passes); the BPE rules are those of
        :meth:`KmerBPETokenizer.train` (words holding N left out, ``min_frequency``).
        """
        words = bigbird_words(sequences, seed, repeats=repeats, start_max=start_max, sentence_max=sentence_max,
                              word_min=word_min, word_max=word_max)
        hf, counts = _train_bpe(words, vocab_size, min_frequency)
        tok = cls(hf, {"kind": cls.kind, "name": "BigBird-style BPE", "seed": int(seed), "repeats": int(repeats),
                       "start_max": int(start_max), "sentence_max": int(sentence_max), "word_min": int(word_min),
                       "word_max": int(word_max), "vocab_size_target": int(vocab_size),
                       "min_frequency": int(min_frequency), **counts})
        tok._measure(words)
        return tok


_KINDS = {KmerBPETokenizer.kind: KmerBPETokenizer, BigBirdBPETokenizer.kind: BigBirdBPETokenizer}


def load_tokenizer(folder: str | os.PathLike) -> KmerBPETokenizer | BigBirdBPETokenizer:
    """The BPE tokenizer saved in ``folder`` (``tokenizer.json`` + ``dna_words.json``), of the saved class.

    Used by the dna_language_models chapter (tokenisers cached in the results store).
    """
    # optional and slow to import (tokenizers): only loading and training need it
    from tokenizers import Tokenizer

    folder = Path(folder)
    path, cfg = folder / "tokenizer.json", folder / CONFIG_FILE
    if not path.exists() or not cfg.exists():
        raise FileNotFoundError(f"{folder}: expected tokenizer.json and {CONFIG_FILE} written by "
                                "KmerBPETokenizer.save / BigBirdBPETokenizer.save.")
    config = json.loads(cfg.read_text())
    if config.get("kind") not in _KINDS:
        raise ValueError(f"{cfg}: unknown kind {config.get('kind')!r}; expected one of {sorted(_KINDS)}")
    return _KINDS[config["kind"]](Tokenizer.from_file(str(path)), config)


# --------------------------------------------------------------------------- Algorithm 2


class SOPSample(NamedTuple):
    """One sentence-order-prediction sample: ids with specials, segment ids, label, and the cuts ``(a, b, c)``."""

    input_ids: list[int]
    token_type_ids: list[int]
    label: int
    cuts: tuple[int, int, int]


def sop_sample(sample: Sequence[int] | np.ndarray | torch.Tensor | str, rng: Any = None, *,
               tokenizer: Any = None, max_tokens: int | None = None, cls_id: int = CLS_ID,
               sep_id: int = SEP_ID) -> SOPSample:
    """Thesis Algorithm 2: a sentence-order-prediction sample from one full-length sample of n tokens.

    ``sample`` is token ids without specials (or a DNA str, encoded with ``tokenizer``
    without specials). With ``m = n // 10`` (our reading of ``sample.length / 10``:
    integer division; ``* 9 / 10`` likewise ``(9 * n) // 10``), the draws, in this order,
    are (``random`` includes both ends)::

        a = random(1, m)                    # tokens eroded on the left: a (>= 1)
        c = random((9 * n) // 10, n - 1)    # tokens eroded on the right: n - c (>= 1)
        b = random(a + m, c - m)            # the cut; each piece keeps >= m tokens
        first, second = sample[a:b], sample[b:c]
        swap = random(0, 1)

    and the result is ``[CLS] second [SEP] first [SEP]`` with label 1 if ``swap`` else
    ``[CLS] first [SEP] second [SEP]`` with label 0 (label 1 = swapped, as printed). Segment
    ids (``token_type_ids``) are 0 for ``[CLS]``, the first piece shown and its ``[SEP]``,
    1 for the second piece and the last ``[SEP]`` (ALBERT's convention). The output has
    ``c - a + 3 <= n + 1`` tokens, so a model window of T tokens takes samples of
    ``n = T - 1`` tokens: ``max_tokens=T`` keeps the first ``T - 1`` ids of ``sample``.
    Needs n >= 10 (so that m >= 1). MLM masking is applied afterwards, on the pieces only.
    Used by the dna_language_models chapter (MLM + SOP pre-training).
    """
    if isinstance(sample, str):
        if tokenizer is None:
            raise ValueError("sop_sample got DNA text: pass tokenizer= to encode it (or give token ids).")
        sample = tokenizer.encode(sample, add_special_tokens=False)
    if isinstance(sample, torch.Tensor):
        sample = sample.detach().cpu().numpy()
    ids = [int(i) for i in np.asarray(sample).reshape(-1)]
    if np.asarray(sample).ndim != 1:
        raise ValueError(f"sample must be one 1-D sequence of token ids, got shape {np.asarray(sample).shape}")
    if max_tokens is not None:
        if max_tokens < 11:
            raise ValueError(f"max_tokens must be >= 11 (a sample of >= 10 tokens + 1), got {max_tokens}")
        ids = ids[:max_tokens - 1]
    n = len(ids)
    if n < 10:
        raise ValueError(f"Algorithm 2 needs a sample of at least 10 tokens (length / 10 >= 1), got {n}")
    rng = _as_rng(rng)
    m = n // 10
    a = _random(rng, 1, m)
    c = _random(rng, (9 * n) // 10, n - 1)
    b = _random(rng, a + m, c - m)
    first, second = ids[a:b], ids[b:c]
    swap = _random(rng, 0, 1)
    one, two = (second, first) if swap else (first, second)
    input_ids = [cls_id, *one, sep_id, *two, sep_id]
    token_type_ids = [0] * (len(one) + 2) + [1] * (len(two) + 1)
    return SOPSample(input_ids, token_type_ids, int(swap), (a, b, c))


def sop_collate(samples: Sequence[SOPSample], pad_id: int = PAD_ID) -> dict[str, torch.Tensor]:
    """Batch :class:`SOPSample` s: dict of (N, T) ``input_ids``, ``token_type_ids``, ``attention_mask``
    (right-padded with ``pad_id``) and (N,) ``sentence_order_label`` (the name ALBERT's
    pre-training head takes). MLM masking is a separate step. Used by the
    dna_language_models chapter.
    """
    if len(samples) == 0:
        raise ValueError("sop_collate got an empty batch")
    width = max(len(s.input_ids) for s in samples)
    n = len(samples)
    ids = torch.full((n, width), pad_id, dtype=torch.long)
    seg = torch.zeros((n, width), dtype=torch.long)
    mask = torch.zeros((n, width), dtype=torch.long)
    for i, s in enumerate(samples):
        t = len(s.input_ids)
        ids[i, :t] = torch.tensor(s.input_ids)
        seg[i, :t] = torch.tensor(s.token_type_ids)
        mask[i, :t] = 1
    labels = torch.tensor([s.label for s in samples], dtype=torch.long)
    return {"input_ids": ids, "token_type_ids": seg, "attention_mask": mask, "sentence_order_label": labels}


# --------------------------------------------------------------------------- comparing tokenisers


def bits_per_base(mean_nats_per_token: float, n_tokens: int, n_bases: int) -> float:
    """A language model's loss in bits per base: ``mean_nats_per_token * n_tokens / ln 2 / n_bases``.

    ``mean_nats_per_token`` is the model's mean cross-entropy (natural log) over the
    tokens it predicts (for MLM: the masked tokens); ``n_tokens`` and ``n_bases`` are the
    tokens (specials excluded) and bases of the same DNA under that model's tokeniser
    (:class:`TokeniserStats`). So the mean loss stands for every token, the total is
    converted to bits, and spread over the bases: the only perplexity comparable across
    tokenisers (per-token perplexity ``exp(mean_nats)`` is not, since a token holds 1 base
    for one tokeniser and 12 for another). ``2 ** bits_per_base`` is the per-base
    perplexity; 2 bits per base is a uniform guess over A/C/G/T. Used by the
    dna_language_models chapter.

    Examples
    --------
    >>> round(bits_per_base(math.log(4 ** 6), n_tokens=100, n_bases=600), 6)  # uniform 6-mers
    2.0
    """
    if n_bases <= 0:
        raise ValueError(f"n_bases must be > 0, got {n_bases}")
    if n_tokens < 0 or mean_nats_per_token < 0:
        raise ValueError(f"need n_tokens >= 0 and a non-negative loss, got {n_tokens}, {mean_nats_per_token}")
    return float(mean_nats_per_token) * n_tokens / math.log(2) / n_bases


@dataclass(frozen=True)
class TokeniserStats:
    """How one tokeniser cuts a set of DNA sequences (one row of the tokeniser comparison).

    ``n_bases`` counts every letter of the sequences once (N included), whatever the
    tokeniser; ``n_tokens`` excludes specials. ``vocab_used`` is the number of distinct
    non-special ids seen, ``vocab_share`` that over the non-special vocabulary
    (``vocab_size - 5``); ``unk_share`` the share of tokens that are ``[UNK]``;
    ``bp_per_s`` the bases encoded per second (best of the timed passes, one ``encode``
    call per sequence). ``overlapping`` marks DNABERT's overlapping k-mers (see
    :func:`tokeniser_stats`). Used by the dna_language_models chapter.
    """

    name: str
    n_sequences: int
    n_bases: int
    n_tokens: int
    tokens_per_kb: float
    vocab_size: int
    vocab_used: int
    vocab_share: float
    unk_share: float
    seconds: float
    bp_per_s: float
    overlapping: bool

    def bits_per_base(self, mean_nats_per_token: float) -> float:
        """:func:`bits_per_base` of a model's mean per-token loss on these tokens."""
        return bits_per_base(mean_nats_per_token, self.n_tokens, self.n_bases)

    def as_row(self) -> dict[str, Any]:
        """The fields as a dict (a table row)."""
        return asdict(self)


def tokeniser_stats(tokenizer: Any, sequences: str | Iterable[str], *, name: str | None = None,
                    repeats: int = 1) -> TokeniserStats:
    """Tokens per kb, vocabulary used, unknown share and throughput of a tokeniser on held-out DNA.

    ``tokenizer`` is anything with ``encode(seq, add_special_tokens=False)`` and
    ``vocab_size`` whose ids 0..4 are the specials: :class:`KmerBPETokenizer`,
    :class:`BigBirdBPETokenizer` or :class:`genomebook.tokenize.KmerTokenizer` (used
    without its ``max_length``: every k-mer counts). Each sequence is encoded ``repeats``
    times; the fastest pass gives ``bp_per_s``.

    How bases are counted: every base of the held-out DNA once (``n_bases = sum of
    lengths``). For DNABERT's overlapping k-mers a sequence of L bases gives L-k+1 tokens
    (about 1,000 per kb) and each base lies in up to k tokens, so the sum of per-token
    losses counts a base up to k times: :func:`bits_per_base` of an overlapping k-mer
    model is *not* an information rate per base (a uniform model over k-mers gives about
    2k bits per base, not 2) and is not comparable with the non-overlapping tokenisers;
    ``overlapping=True`` flags that row. Used by the dna_language_models chapter.
    """
    if isinstance(sequences, str):
        sequences = [sequences]
    seqs = list(sequences)
    overlapping = isinstance(tokenizer, KmerTokenizer)
    if overlapping and tokenizer.max_length is not None:
        tokenizer = KmerTokenizer(tokenizer.k, None, base_order=tokenizer.base_order, strict=tokenizer.strict)
    if name is None:
        name = getattr(tokenizer, "name", None) or (f"{tokenizer.k}-mer overlapping" if overlapping
                                                    else type(tokenizer).__name__)
    n_bases = sum(len(s) for s in seqs)
    if n_bases == 0:
        raise ValueError("tokeniser_stats needs some DNA (the sequences hold no bases)")
    best = math.inf
    ids: list[list[int]] = []
    for _ in range(max(int(repeats), 1)):
        t0 = time.perf_counter()
        ids = [tokenizer.encode(s, add_special_tokens=False) for s in seqs]
        best = min(best, time.perf_counter() - t0)
    flat = np.fromiter((i for row in ids for i in row), dtype=np.int64)
    used = np.unique(flat[flat >= N_SPECIAL])
    n_tokens = int(flat.size)
    vocab_size = int(tokenizer.vocab_size)
    return TokeniserStats(
        name=str(name), n_sequences=len(seqs), n_bases=int(n_bases), n_tokens=n_tokens,
        tokens_per_kb=1000.0 * n_tokens / n_bases, vocab_size=vocab_size, vocab_used=int(used.size),
        vocab_share=float(used.size) / max(vocab_size - N_SPECIAL, 1),
        unk_share=float(np.count_nonzero(flat == UNK_ID)) / max(n_tokens, 1),
        seconds=float(best), bp_per_s=float(n_bases / best) if best > 0 else math.inf, overlapping=overlapping)
