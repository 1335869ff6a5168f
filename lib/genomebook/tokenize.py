"""DNABERT's overlapping k-mer tokeniser, its span masking for pre-training, and k-mer files.

DNABERT (Ji et al. 2021) reads DNA as overlapping k-mers (k = 3..6, stride 1): a
sequence of L bases gives L-k+1 tokens, framed as ``[CLS] k-mers [SEP]`` and at most
512 tokens long. Conventions of this module:

* Vocabulary (``4**k + 5`` tokens): the 5 special tokens ``[PAD] [UNK] [CLS] [SEP] [MASK]``
  (ids 0..4, the order of DNABERT's ``vocab.txt``), then all k-mers in lexicographic
  order of ``base_order``. The default ``"ACGT"`` gives ``id = 5 + base-4 value`` with
  A=0, C=1, G=2, T=3 (the codes of :data:`genomebook.seq.BASE_CODE`). DNABERT's released
  ``vocab.txt`` files list the k-mers in *ATCG* order (AAA, AAT, AAC, AAG, ATA, ...);
  use ``base_order="ATCG"`` (or :meth:`KmerTokenizer.from_vocab` on such a file) to
  match the embedding rows of DNABERT's pre-trained checkpoints.
* A k-mer with any letter other than A, C, G, T (``N``, IUPAC codes, anything) is
  ``[UNK]``. Lower case is accepted. With ``strict=True`` letters other than ACGTN are an
  error instead.
* Truncation rule: ``max_length`` counts every token, specials included (DNABERT: 512 =
  ``[CLS]`` + 510 k-mers + ``[SEP]``). Longer inputs keep their *first* k-mers (the 5' end):
  ``max_length - 2`` k-mers, i.e. the first ``max_length - 2 + k - 1`` bases; the
  ``[SEP]`` is kept. ``truncation=False`` makes an over-long input an error instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from genomebook.seq import BASE_CODE, SequenceError, validate

if TYPE_CHECKING:  # imported lazily: transformers takes seconds to import
    from transformers import PreTrainedTokenizerFast

__all__ = [
    "SPECIAL_TOKENS",
    "PAD_ID",
    "UNK_ID",
    "CLS_ID",
    "SEP_ID",
    "MASK_ID",
    "KmerTokenizer",
    "mask_kmer_spans",
    "mask_tokens",
    "span_offsets",
    "MLMCollator",
    "detokenize_kmers",
]

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID = range(5)
N_SPECIAL = len(SPECIAL_TOKENS)
K_RANGE = (3, 4, 5, 6)
BASE_ORDERS = ("ACGT", "ATCG")
IGNORE_INDEX = -100  # label of positions that are not predicted (torch.nn.CrossEntropyLoss default)

# str.translate table that upper-cases only a/c/g/t/n: keeps the length of any str
# (str.upper() would not: "ß".upper() == "SS").
_UPPER_DNA = str.maketrans("acgtn", "ACGTN")


def check_k(k: int) -> int:
    """``k`` as an int when it is a supported k-mer size (3..6, DNABERT-3 .. DNABERT-6); else ValueError."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or int(k) not in K_RANGE:
        raise ValueError(f"k must be one of {K_RANGE} (DNABERT-3 .. DNABERT-6), got {k!r}. "
                         "Pick k from 3 to 6; larger vocabularies (4**k + 5 tokens) are not supported.")
    return int(k)


def _kmer_list(k: int, base_order: str) -> list[str]:
    """All 4**k k-mers in lexicographic order of ``base_order`` (list of str)."""
    letters = np.frombuffer(base_order.encode(), dtype=np.uint8)
    ids = np.arange(4**k)
    digits = np.stack([(ids // 4 ** (k - 1 - j)) % 4 for j in range(k)], axis=1)  # (4**k, k)
    return [row.tobytes().decode() for row in letters[digits]]


def _as_seq_list(seqs: str | Iterable[str]) -> list[str]:
    if isinstance(seqs, str):
        return [seqs]
    out = list(seqs)
    for i, s in enumerate(out):
        if not isinstance(s, str):
            raise TypeError(f"sequence #{i + 1} is a {type(s).__name__}, expected str (DNA letters)")
    return out


class KmerTokenizer:
    """DNABERT's overlapping k-mer tokeniser (k = 3..6) with a vectorised path and a Hugging Face view.

    Parameters
    ----------
    k : int
        k-mer size, 3 to 6.
    max_length : int or None
        Longest token sequence, specials included (DNABERT: 512); None means no limit.
    base_order : {"ACGT", "ATCG"}
        Order of the k-mers in the vocabulary: ``"ACGT"`` (default, id = 5 + base-4 value
        of the k-mer with A=0 C=1 G=2 T=3) or ``"ATCG"`` (DNABERT's released vocab.txt).
    strict : bool
        If True, letters other than A, C, G, T, N (any case) raise :class:`SequenceError`;
        if False (default) they silently make their k-mers ``[UNK]``.
    """

    pad_token, unk_token, cls_token, sep_token, mask_token = SPECIAL_TOKENS
    pad_id, unk_id, cls_id, sep_id, mask_id = PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID

    def __init__(self, k: int, max_length: int | None = 512, *, base_order: str = "ACGT",
                 strict: bool = False) -> None:
        self.k = check_k(k)
        if base_order not in BASE_ORDERS:
            raise ValueError(f"base_order must be one of {BASE_ORDERS}, got {base_order!r}: 'ACGT' is "
                             "lexicographic order, 'ATCG' the order of DNABERT's released vocab.txt.")
        if max_length is not None and (not isinstance(max_length, (int, np.integer)) or max_length < 3):
            raise ValueError(f"max_length must be an int >= 3 ([CLS] + one k-mer + [SEP]) or None, "
                             f"got {max_length!r}.")
        self.max_length = None if max_length is None else int(max_length)
        self.base_order = base_order
        self.strict = bool(strict)
        self.id_to_token: list[str] = list(SPECIAL_TOKENS) + _kmer_list(self.k, base_order)
        self.vocab: dict[str, int] = {t: i for i, t in enumerate(self.id_to_token)}
        # k-mers only: "[CLS]" inside a DNA str (k=5) must not become the special token.
        self._kmer_ids = {t: i for t, i in self.vocab.items() if i >= N_SPECIAL}
        # code (BASE_CODE: A0 C1 G2 T3, other 4) -> digit in base_order; 4 stays "unknown".
        self._digit = np.array([base_order.index(b) for b in "ACGT"] + [4], dtype=np.int64)
        self._weights = 4 ** np.arange(self.k - 1, -1, -1, dtype=np.int64)  # 4^(k-1-j)

    # ------------------------------------------------------------------ basics

    @property
    def vocab_size(self) -> int:
        """Number of tokens, ``4**k + 5``."""
        return len(self.id_to_token)

    def __len__(self) -> int:
        return self.vocab_size

    def __repr__(self) -> str:
        return (f"KmerTokenizer(k={self.k}, max_length={self.max_length}, base_order={self.base_order!r}, "
                f"strict={self.strict}; vocab_size={self.vocab_size})")

    def _check_letters(self, seqs: list[str]) -> None:
        if self.strict:
            validate(seqs)  # raises SequenceError naming record and position

    def _max_kmers(self, max_length: int | None, add_special_tokens: bool) -> int | None:
        limit = self.max_length if max_length is None else max_length
        if limit is None:
            return None
        n = limit - (2 if add_special_tokens else 0)
        if n < 1:
            raise ValueError(f"max_length={limit} leaves no room for a k-mer; use max_length >= 3.")
        return n

    def _too_long(self, i: int, n_kmers: int, n_max: int, length: int) -> ValueError:
        return ValueError(
            f"sequence #{i + 1} ({length} bp) gives {n_kmers} k-mers (k={self.k}) but max_length allows "
            f"{n_max}. Pass truncation=True to keep the first {n_max} k-mers ({n_max + self.k - 1} bp), "
            f"or cut the sequence into windows of at most {n_max + self.k - 1} bp.")

    # ------------------------------------------------------------------ slow (string) path

    def tokens(self, seq: str, add_special_tokens: bool = False) -> list[str]:
        """Overlapping k-mer tokens of one sequence (list of L-k+1 str, ``[UNK]`` for non-ACGT k-mers)."""
        return [self.id_to_token[i] for i in self.encode(seq, add_special_tokens)]

    def _encode_one(self, seq: str, add_special_tokens: bool, n_max: int | None, index: int,
                    truncation: bool = True) -> list[int]:
        s = seq.translate(_UPPER_DNA)
        k, get = self.k, self._kmer_ids.get
        n = len(s) - k + 1
        if n_max is not None and n > n_max:
            if not truncation:
                raise self._too_long(index, n, n_max, len(s))
            n = n_max
        ids = [get(s[i:i + k], UNK_ID) for i in range(max(n, 0))]
        return [CLS_ID, *ids, SEP_ID] if add_special_tokens else ids

    def encode(self, seq: str, add_special_tokens: bool = True, *, truncation: bool = True,
               max_length: int | None = None) -> list[int]:
        """Token ids of one sequence: ``[CLS]`` + L-k+1 overlapping k-mer ids + ``[SEP]`` (list of int).

        Sequences shorter than k give no k-mers (only ``[CLS] [SEP]``). ``max_length``
        overrides the tokenizer's limit for this call; see the module docstring for the
        truncation rule.
        """
        if not isinstance(seq, str):
            raise TypeError(f"encode takes one DNA str, got {type(seq).__name__}; use batch_encode for lists.")
        self._check_letters([seq])
        return self._encode_one(seq, add_special_tokens, self._max_kmers(max_length, add_special_tokens), 0,
                                truncation)

    def decode(self, ids: Sequence[int] | np.ndarray | torch.Tensor, *, check: bool = True) -> str:
        """DNA of one id sequence (1-D), joining the overlapping k-mers; str of T+k-1 bases for T k-mer tokens.

        ``[PAD]``, ``[CLS]`` and ``[SEP]`` are skipped. ``[UNK]`` and ``[MASK]`` keep their
        place; bases that no known k-mer covers come out as ``N``. With ``check=True``
        overlapping k-mers must agree on their shared bases (always true for the output
        of :meth:`encode`); ``check=False`` lets the earlier k-mer win, e.g. for a model's
        predicted ids.
        """
        if isinstance(ids, torch.Tensor):
            ids = ids.detach().cpu().numpy()
        arr = np.asarray(ids)
        if arr.ndim != 1:
            raise ValueError(f"decode takes one sequence of ids (1-D), got shape {arr.shape}; "
                             "loop over the rows of a batch.")
        if arr.size and (arr.min() < 0 or arr.max() >= self.vocab_size):
            raise ValueError(f"ids must lie in 0..{self.vocab_size - 1} (vocab of k={self.k}), found "
                             f"{int(arr.min())}..{int(arr.max())}. Labels use -100 for ignored positions: "
                             "decode input_ids, not labels.")
        toks = [int(i) for i in arr if i not in (PAD_ID, CLS_ID, SEP_ID)]
        if not toks:
            return ""
        k = self.k
        out = ["N"] * (len(toks) + k - 1)
        owner = [-1] * len(out)  # which token set each base, for error messages
        for t, i in enumerate(toks):
            if i < N_SPECIAL:
                continue
            kmer = self.id_to_token[i]
            for j, b in enumerate(kmer):
                p = t + j
                if owner[p] < 0:
                    out[p], owner[p] = b, t
                elif check and out[p] != b:
                    raise ValueError(
                        f"k-mer token {t + 1} ({kmer}) disagrees with token {owner[p] + 1} "
                        f"({self.id_to_token[toks[owner[p]]]}) on base {p + 1}: overlapping k-mers must "
                        "share k-1 bases. Are these ids from another k or a model's predictions? "
                        "Pass check=False to let the earlier k-mer win.")
        return "".join(out)

    def batch_encode(self, seqs: str | Iterable[str], padding: bool | str = True,
                     max_length: int | None = None, *, truncation: bool = True,
                     add_special_tokens: bool = True) -> dict[str, torch.Tensor]:
        """Encode N sequences of any lengths: dict(input_ids (N, T) int64, attention_mask (N, T) int64).

        ``padding``: True / ``"longest"`` pads with ``[PAD]`` to the longest row;
        ``"max_length"`` pads to ``max_length`` (or the tokenizer's); False requires all rows
        to have the same number of tokens. ``attention_mask`` is 1 on real tokens, 0 on padding.
        """
        seqs = _as_seq_list(seqs)
        self._check_letters(seqs)
        n_max = self._max_kmers(max_length, add_special_tokens)
        rows = [self._encode_one(s, add_special_tokens, n_max, i, truncation) for i, s in enumerate(seqs)]
        lengths = [len(r) for r in rows]
        if padding in (True, "longest"):
            width = max(lengths, default=0)
        elif padding == "max_length":
            limit = self.max_length if max_length is None else max_length
            if limit is None:
                raise ValueError("padding='max_length' needs a max_length (argument or tokenizer's).")
            width = limit
        elif padding is False or padding == "do_not_pad":
            if len(set(lengths)) > 1:
                raise ValueError(f"padding=False needs equal token counts, got {min(lengths)}..{max(lengths)}; "
                                 "pass padding=True to pad with [PAD].")
            width = lengths[0] if lengths else 0
        else:
            raise ValueError(f"padding must be True, False, 'longest' or 'max_length', got {padding!r}")
        ids = np.full((len(rows), width), PAD_ID, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = r
            mask[i, : len(r)] = 1
        return {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}

    # ------------------------------------------------------------------ fast (array) path

    def encode_codes(self, codes: np.ndarray) -> np.ndarray:
        """k-mer ids of base codes by base-4 arithmetic: (N, L) or (L,) uint8 -> (N, L-k+1) or (L-k+1,) int64.

        ``codes`` are :data:`genomebook.seq.BASE_CODE` values (A0 C1 G2 T3, anything else
        4). The id of window j is ``5 + sum_i digit[j+i] * 4**(k-1-i)``; a window holding any
        code > 3 is ``[UNK]``. No special tokens are added; no strings are built.
        """
        codes = np.asarray(codes)
        if codes.ndim not in (1, 2):
            raise ValueError(f"codes must have shape (N, L) or (L,), got {codes.shape}")
        if not np.issubdtype(codes.dtype, np.integer):
            raise TypeError(f"codes must be integers (genomebook.seq.BASE_CODE values), got {codes.dtype}")
        k = self.k
        width = max(codes.shape[-1] - k + 1, 0)
        digits = self._digit[np.minimum(codes, 4).astype(np.intp)]  # (N, L) int64, 4 = unknown
        ids = np.zeros(codes.shape[:-1] + (width,), dtype=np.int64)
        unknown = np.zeros(ids.shape, dtype=bool)
        for j in range(k):  # k (<= 6) vectorised passes over the batch
            d = digits[..., j:j + width]
            ids += d * self._weights[j]
            unknown |= d == 4
        ids += N_SPECIAL
        ids[unknown] = UNK_ID
        return ids

    def batch_encode_equal(self, seqs: str | Sequence[str], max_length: int | None = None, *,
                           truncation: bool = True) -> dict[str, torch.Tensor]:
        """Encode N equal-length sequences via :meth:`encode_codes`: dict(input_ids (N, T), attention_mask (N, T)).

        T = L-k+1 + 2 (``[CLS]`` and ``[SEP]``), after truncation by the module's rule.
        Gives exactly the ids of :meth:`batch_encode`, much faster.
        """
        seqs = _as_seq_list(seqs)
        self._check_letters(seqs)
        length = len(seqs[0]) if seqs else 0
        for i, s in enumerate(seqs):
            if len(s) != length:
                raise SequenceError(
                    f"record #{i + 1} has length {len(s)} but record #1 has length {length}; "
                    "batch_encode_equal needs equal lengths. Use batch_encode (pads), or "
                    "genomebook.seq.pad_or_trim(seqs, length) first.")
        n_max = self._max_kmers(max_length, True)
        n_kmers = max(length - self.k + 1, 0)
        if n_max is not None and n_kmers > n_max:
            if not truncation:
                raise self._too_long(0, n_kmers, n_max, length)
            length = n_max + self.k - 1
            seqs = [s[:length] for s in seqs]
        buf = "".join(seqs).encode("ascii", errors="replace")  # one byte per letter
        codes = BASE_CODE[np.frombuffer(buf, dtype=np.uint8)].reshape(len(seqs), length)
        kmer_ids = self.encode_codes(codes)
        ids = np.empty((len(seqs), kmer_ids.shape[1] + 2), dtype=np.int64)
        ids[:, 0], ids[:, -1], ids[:, 1:-1] = CLS_ID, SEP_ID, kmer_ids
        return {"input_ids": torch.from_numpy(ids), "attention_mask": torch.ones_like(torch.from_numpy(ids))}

    # ------------------------------------------------------------------ vocabulary files

    def save_vocabulary(self, directory: str | os.PathLike) -> Path:
        """Write ``directory/vocab.txt`` (one token per line, DNABERT's format) and return its path."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "vocab.txt"
        path.write_text("\n".join(self.id_to_token) + "\n")
        return path

    @classmethod
    def from_vocab(cls, path: str | os.PathLike, max_length: int | None = 512, *,
                   strict: bool = False) -> KmerTokenizer:
        """Tokenizer of a k-mer ``vocab.txt`` (or a directory holding one); k and the k-mer order are inferred.

        The file must list the 5 specials ``[PAD] [UNK] [CLS] [SEP] [MASK]`` first, then all
        4**k k-mers (k = 3..6) in ACGT or ATCG (DNABERT's) lexicographic order.
        """
        path = Path(path)
        if path.is_dir():
            path = path / "vocab.txt"
        if not path.exists():
            raise FileNotFoundError(f"{path}: vocabulary file does not exist. Give a vocab.txt written by "
                                    "KmerTokenizer.save_vocabulary or DNABERT's dnabert-config/bert-config-k/.")
        lines = path.read_text().splitlines()
        while lines and not lines[-1].strip():
            lines.pop()
        lines = [ln.strip() for ln in lines]
        if tuple(lines[:N_SPECIAL]) != SPECIAL_TOKENS:
            raise ValueError(f"{path}: the first {N_SPECIAL} lines are {lines[:N_SPECIAL]}, expected "
                             f"{list(SPECIAL_TOKENS)} (DNABERT's order). Is this a k-mer vocabulary?")
        kmers = lines[N_SPECIAL:]
        k = len(kmers[0]) if kmers else 0
        if k not in K_RANGE or len(kmers) != 4**k:
            raise ValueError(f"{path}: {len(kmers)} tokens after the specials (first {kmers[:1]}); a k-mer "
                             f"vocabulary has 4**k of them with k in {K_RANGE} (64, 256, 1024 or 4096).")
        for order in BASE_ORDERS:
            if kmers == _kmer_list(k, order):
                return cls(k, max_length, base_order=order, strict=strict)
        bad = next((i for i, t in enumerate(kmers) if len(t) != k or set(t) - set("ACGT")), None)
        where = (f"line {bad + N_SPECIAL + 1} ({kmers[bad]!r}) is not a {k}-mer of A, C, G, T" if bad is not None
                 else f"the {k}-mers are in neither {BASE_ORDERS[0]} nor {BASE_ORDERS[1]} lexicographic order")
        raise ValueError(f"{path}: {where}. Write the vocabulary with KmerTokenizer.save_vocabulary.")

    # ------------------------------------------------------------------ Hugging Face view

    def to_hf_text(self, seq: str) -> str:
        """Input text of :meth:`to_hf`'s tokenizer for one sequence: its overlapping k-mers joined by spaces.

        This is how DNABERT itself feeds sequences (``seq2kmer``; its sample files store
        this text). Letters other than ACGT are written as N, so any k-mer holding them
        maps to ``[UNK]`` exactly as in :meth:`encode`.
        """
        s = seq.translate(_UPPER_DNA)
        k = self.k
        if any(c not in "ACGT" for c in s):
            codes = BASE_CODE[np.frombuffer(s.encode("ascii", errors="replace"), dtype=np.uint8)]
            s = np.frombuffer(b"ACGTN", dtype=np.uint8)[codes].tobytes().decode()
        return " ".join(s[i:i + k] for i in range(len(s) - k + 1))

    def to_hf(self) -> PreTrainedTokenizerFast:
        """A ``transformers.PreTrainedTokenizerFast`` with the same vocabulary, specials and ids.

        Built with the ``tokenizers`` library: a WordLevel model over this vocabulary,
        a normaliser upper-casing a/c/g/t/n, a ``WhitespaceSplit`` pre-tokenizer and a
        ``TemplateProcessing`` post-processor adding ``[CLS] ... [SEP]``. The ``tokenizers``
        pre-tokenizers cannot emit *overlapping* pieces (regex splits do not overlap, and
        custom Python pre-tokenizers cannot be saved), so - as in DNABERT - the input is
        the space-separated k-mers: ``hf(tok.to_hf_text(seq))`` gives ``tok.encode(seq)``,
        and ``hf(texts, padding=True, truncation=True)`` follows the same truncation rule.
        ``save_pretrained`` / ``from_pretrained`` work offline.
        """
        # optional and slow to import (transformers): only the Hugging Face bridge needs them
        from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
        from transformers import PreTrainedTokenizerFast

        tok = Tokenizer(models.WordLevel(dict(self.vocab), unk_token=self.unk_token))
        tok.normalizer = normalizers.Sequence([normalizers.Replace(c, c.upper()) for c in "acgtn"])
        tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
        tok.post_processor = processors.TemplateProcessing(
            single=f"{self.cls_token} $A {self.sep_token}",
            pair=f"{self.cls_token} $A {self.sep_token} $B:1 {self.sep_token}:1",
            special_tokens=[(self.cls_token, CLS_ID), (self.sep_token, SEP_ID)],
        )
        hf = PreTrainedTokenizerFast(
            tokenizer_object=tok, unk_token=self.unk_token, pad_token=self.pad_token,
            cls_token=self.cls_token, sep_token=self.sep_token, mask_token=self.mask_token,
            model_max_length=self.max_length if self.max_length is not None else int(1e30),
            padding_side="right", truncation_side="right",
        )
        return hf


# --------------------------------------------------------------------------- span masking


def span_offsets(k: int) -> range:
    """Offsets of the k tokens masked around a span centre: DNABERT's MASK_LIST plus the centre.

    k=3: -1..1, k=4: -1..2, k=5: -2..2, k=6: -2..3 (a range of k offsets).
    """
    k = check_k(k)
    start = -((k - 1) // 2)
    return range(start, start + k)


def centre_probability(mlm_probability: float, k: int) -> float:
    """Per-token span-centre probability that masks ``mlm_probability`` of interior tokens: 1 - (1-p)**(1/k)."""
    return 1.0 - (1.0 - mlm_probability) ** (1.0 / k)


def _check_ids(input_ids: torch.Tensor, mlm_probability: float) -> None:
    if not isinstance(input_ids, torch.Tensor) or input_ids.ndim != 2:
        raise ValueError("input_ids must be an (N, T) torch tensor of token ids; got "
                         f"{type(input_ids).__name__} of shape {tuple(getattr(input_ids, 'shape', ()))}. "
                         "Use input_ids[None] for a single sequence.")
    if input_ids.dtype.is_floating_point or input_ids.dtype == torch.bool:
        raise TypeError(f"input_ids must be integer token ids, got dtype {input_ids.dtype}")
    if not 0.0 <= mlm_probability < 1.0:
        raise ValueError(f"mlm_probability must be in [0, 1), got {mlm_probability}")


def _mask_spans(ids: torch.Tensor, offsets: range, centre_prob: float, vocab_size: int,
                special_mask: torch.Tensor | None, generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Mask spans ``offsets`` around centres drawn with ``centre_prob``, then BERT's 80/10/10 (see mask_kmer_spans)."""
    ids = ids.long()
    maskable = ids >= N_SPECIAL
    if special_mask is not None:
        if special_mask.shape != ids.shape:
            raise ValueError(f"special_mask has shape {tuple(special_mask.shape)}, input_ids {tuple(ids.shape)}; "
                             "they must match.")
        maskable &= ~special_mask.to(device=ids.device, dtype=torch.bool)
    device = ids.device
    centres = (torch.rand(ids.shape, generator=generator, device=device) < centre_prob) & maskable
    masked = torch.zeros_like(centres)
    T = ids.shape[1]
    for o in offsets:  # masked[:, j] |= centres[:, j - o]
        if o >= 0:
            masked[:, o:] |= centres[:, : T - o]
        else:
            masked[:, : T + o] |= centres[:, -o:]
    masked &= maskable
    labels = torch.where(masked, ids, torch.full_like(ids, IGNORE_INDEX))
    u = torch.rand(ids.shape, generator=generator, device=device)
    random_ids = torch.randint(N_SPECIAL, vocab_size, ids.shape, generator=generator, device=device)
    out = ids.clone()
    out = torch.where(masked & (u < 0.8), torch.full_like(ids, MASK_ID), out)
    out = torch.where(masked & (u >= 0.8) & (u < 0.9), random_ids, out)
    return out, labels


def mask_kmer_spans(input_ids: torch.Tensor, k: int, *, mlm_probability: float = 0.15,
                    special_mask: torch.Tensor | None = None, generator: torch.Generator | None = None,
                    centre_prob: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """DNABERT's contiguous k-span masking: (N, T) int64 ids -> (masked_ids (N, T), labels (N, T)).

    Overlapping k-mers share k-1 bases, so a lone masked token could be read off its
    neighbours; DNABERT therefore masks k consecutive tokens around each chosen centre
    (offsets :func:`span_offsets`, as DNABERT's ``MASK_LIST``).

    How the rate is achieved: every maskable token is a span centre independently with
    probability ``c = 1 - (1 - mlm_probability) ** (1/k)`` (k=6, p=0.15: c = 0.0267). An
    interior token is masked iff one of the k centres whose span covers it was drawn, so
    P(masked) = 1 - (1-c)**k = ``mlm_probability`` exactly; the first and last k-1 maskable
    tokens of a row are covered by fewer centres and are masked a little less often.
    (DNABERT's script takes c directly: ``--mlm_probability 0.025`` for k=6 gives 14.1%;
    pass ``centre_prob=0.025`` to reproduce that.) Spans overlapping each other merge into
    longer runs; spans are clipped at specials and padding.

    Maskable: every position whose id is not special (ids 0..4: PAD, UNK, CLS, SEP, MASK)
    and where ``special_mask`` (optional (N, T) bool, True = never mask) is False.
    Of the masked positions, 80% become ``[MASK]``, 10% a uniformly random k-mer id and
    10% stay unchanged (BERT). ``labels`` hold the original id at masked positions and
    -100 elsewhere. The input is not modified. Random draws use ``generator`` (torch).
    For tokens that do not overlap (BPE words), :func:`mask_tokens` masks one token at a time.
    """
    k = check_k(k)
    _check_ids(input_ids, mlm_probability)
    vocab_size = 4**k + N_SPECIAL
    if input_ids.numel() and int(input_ids.max()) >= vocab_size:
        raise ValueError(f"input_ids hold id {int(input_ids.max())} but the k={k} vocabulary has "
                         f"{vocab_size} ids; was the batch tokenised with another k?")
    c = centre_probability(mlm_probability, k) if centre_prob is None else float(centre_prob)
    return _mask_spans(input_ids, span_offsets(k), c, vocab_size, special_mask, generator)


def mask_tokens(input_ids: torch.Tensor, vocab_size: int, *, mlm_probability: float = 0.15,
                special_mask: torch.Tensor | None = None,
                generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's token masking for a vocabulary of ``vocab_size`` ids: (N, T) ids -> (masked_ids, labels).

    Every maskable token (not special, not in ``special_mask``) is masked independently with
    probability ``mlm_probability``; of the masked ones 80% become ``[MASK]``, 10% a uniformly
    random non-special id below ``vocab_size`` and 10% stay; ``labels`` hold the original id at
    masked positions and -100 elsewhere. The same code as :func:`mask_kmer_spans` with spans of
    one token: for tokenisers whose tokens do not overlap (the BPE tokenisers of
    :mod:`genomebook.dna_words`), used by the dna_language_models chapter (issue 13).
    """
    _check_ids(input_ids, mlm_probability)
    if vocab_size <= N_SPECIAL:
        raise ValueError(f"vocab_size must exceed the {N_SPECIAL} special tokens, got {vocab_size}")
    if input_ids.numel() and int(input_ids.max()) >= vocab_size:
        raise ValueError(f"input_ids hold id {int(input_ids.max())} but the vocabulary has {vocab_size} ids")
    return _mask_spans(input_ids, range(1), float(mlm_probability), vocab_size, special_mask, generator)


class MLMCollator:
    """The one masked-LM batch builder: list of N examples -> dict of (N, T) tensors.

    Returns ``input_ids`` (masked), ``attention_mask`` and ``labels`` (the original id where
    a token is to be predicted, -100 elsewhere). The masking follows the tokeniser:

    * a :class:`KmerTokenizer` (DNABERT's overlapping k-mers): contiguous k-token spans,
      :func:`mask_kmer_spans` (a single masked k-mer would be given away by its neighbours);
    * any other tokeniser with ``vocab_size`` (the non-overlapping BPE words of
      :mod:`genomebook.dna_words`): BERT's token masking, :func:`mask_tokens`.

    Either way a masked token becomes ``[MASK]`` 80%, a random id 10%, itself 10%. Masks are
    drawn when the batch is built, so each pass over the data masks anew (dynamic masking).

    Examples may be DNA str (encoded by ``tokenizer.batch_encode`` for k-mers, or
    ``tokenizer.encode_batch`` otherwise, with ``[CLS]``/``[SEP]``), 1-D id tensors already
    holding the specials, or sentence-order samples (objects with ``input_ids``,
    ``token_type_ids`` and ``label``, as :func:`genomebook.dna_words.sop_sample` makes): the
    batch then also has ``token_type_ids`` and ``sentence_order_label`` (MLM + SOP,
    thesis Algorithm 2; only the two pieces are masked, never the specials). Rows are
    right-padded with ``[PAD]``. ``seed`` makes the masks reproducible; DataLoader workers
    each get a copy of the same generator, so with ``num_workers > 0`` seed each worker.
    Used by the DNABERT chapters' pre-training and the dna_language_models chapter.
    """

    def __init__(self, tokenizer, mlm_probability: float = 0.15, seed: int | None = None) -> None:
        self.tokenizer = tokenizer
        self.mlm_probability = mlm_probability
        self.generator = torch.Generator().manual_seed(seed) if seed is not None else None

    @staticmethod
    def _pad(rows: Sequence[Sequence[int] | torch.Tensor]) -> dict[str, torch.Tensor]:
        ids = torch.nn.utils.rnn.pad_sequence([torch.as_tensor(r, dtype=torch.long) for r in rows],
                                              batch_first=True, padding_value=PAD_ID)
        lengths = torch.tensor([len(r) for r in rows])
        return {"input_ids": ids, "attention_mask": (torch.arange(ids.shape[1])[None] < lengths[:, None]).long()}

    def __call__(self, examples) -> dict[str, torch.Tensor]:
        if len(examples) == 0:
            raise ValueError("MLMCollator got an empty batch")
        kmer = isinstance(self.tokenizer, KmerTokenizer)
        extra: dict[str, torch.Tensor] = {}
        if all(isinstance(e, str) for e in examples):
            batch = (self.tokenizer.batch_encode(list(examples)) if kmer
                     else self._pad(self.tokenizer.encode_batch(list(examples))))
        elif all(isinstance(e, torch.Tensor) and e.ndim == 1 for e in examples):
            batch = self._pad(examples)
        elif all(hasattr(e, "input_ids") and hasattr(e, "token_type_ids") and hasattr(e, "label") for e in examples):
            batch = self._pad([e.input_ids for e in examples])
            extra = {"token_type_ids": self._pad([e.token_type_ids for e in examples])["input_ids"],
                     "sentence_order_label": torch.tensor([int(e.label) for e in examples], dtype=torch.long)}
        else:
            raise TypeError("MLMCollator takes a list of DNA str, of 1-D token-id tensors or of sentence-order "
                            f"samples, got {sorted({type(e).__name__ for e in examples})}")
        special = batch["attention_mask"] == 0
        if kmer:
            masked, labels = mask_kmer_spans(batch["input_ids"], self.tokenizer.k,
                                             mlm_probability=self.mlm_probability, special_mask=special,
                                             generator=self.generator)
        else:
            masked, labels = mask_tokens(batch["input_ids"], int(self.tokenizer.vocab_size),
                                         mlm_probability=self.mlm_probability, special_mask=special,
                                         generator=self.generator)
        return {"input_ids": masked, "attention_mask": batch["attention_mask"], "labels": labels, **extra}


# --------------------------------------------------------------------------- back to DNA


def detokenize_kmers(tokens: str | list[str]) -> str:
    """Undo DNABERT's overlapping k-mer tokenisation: 'ACGTAC CGTACG' -> 'ACGTACG'.

    The sequence is the first k-mer followed by the last base of every next k-mer. Raises
    SequenceError (naming the 1-based token position) if the k-mers differ in length or
    do not overlap by k-1 bases.
    """
    if isinstance(tokens, str):
        tokens = tokens.split()
    tokens = list(tokens)
    if not tokens:
        raise SequenceError("no k-mer tokens to join; expected space-separated overlapping k-mers.")
    k = len(tokens[0])
    for i in range(1, len(tokens)):
        cur, prev = tokens[i], tokens[i - 1]
        if len(cur) != k:
            raise SequenceError(f"token {i + 1} ({cur!r}) has length {len(cur)} but token 1 has length {k}; "
                                "all k-mers must have the same k.")
        if cur[:-1] != prev[1:]:
            raise SequenceError(
                f"token {i + 1} ({cur!r}) does not overlap token {i} ({prev!r}) by {k - 1} bases; "
                "DNABERT k-mers must be consecutive overlapping windows (stride 1). "
                "Is the row tokenised with a different k or stride?")
    return tokens[0] + "".join(t[-1] for t in tokens[1:])
