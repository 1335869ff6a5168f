"""Write ``data/registry.yaml`` from the mirror's ``MANIFEST.tsv``.

Usage::

    python data/make_registry.py ../shared/mirror/MANIFEST.tsv [-o data/registry.yaml]

The committed ``registry.yaml`` is what the package reads at run time; this script records how
it was made: which reader serves which file family, the short citation of each source, and the
hand-written ``scale: paper`` entries for data too large for the mirror. The output is
deterministic (MANIFEST order, then the paper-scale block; fixed field order).

Only metadata goes into the registry (URLs, hashes, sizes, licences, one-line descriptions);
no file contents.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path
from urllib.parse import quote

import yaml

D = "genomebook.datasets."

# (name pattern, reader or None, short format, citation). First match wins.
RULES: list[tuple[str, str | None, str, str]] = [
    # DeepCAGE
    (r"^deepcage_tf_gexp_matrix$", D + "deepcage.read_expression_matrix", "tsv",
     "Liu et al., DeepCAGE, bioRxiv 2019; ENCODE Project Consortium, Nature 2020"),
    (r"^deepcage_cells$", D + "deepcage.read_cells", "tsv",
     "Liu et al., DeepCAGE, bioRxiv 2019; ENCODE Project Consortium, Nature 2020"),
    (r"^deepcage_bam_info$", D + "deepcage.read_bam_info", "tsv",
     "Liu et al., DeepCAGE, bioRxiv 2019; ENCODE Project Consortium, Nature 2020"),
    (r"^deepcage_files$", None, "text",
     "Liu et al., DeepCAGE, bioRxiv 2019; ENCODE Project Consortium, Nature 2020"),
    (r"^deepcage_hocomoco_.*_tsv$", D + "motif_files.read_hocomoco_table", "tsv",
     "Kulakovskiy et al., HOCOMOCO v11, NAR 2018; Liu et al., DeepCAGE, bioRxiv 2019"),
    (r"^deepcage_hocomoco_.*_homer$", D + "motif_files.read_homer", "homer",
     "Kulakovskiy et al., HOCOMOCO v11, NAR 2018; Liu et al., DeepCAGE, bioRxiv 2019"),
    # 12S / MitoFish
    (r"^mitohelper_12S_seqs$", D + "mitofish.read_12s_fasta", "fasta",
     "Lim & Thompson, mitohelper, Environmental DNA 2021; Zhu et al., MitoFish, MBE 2023"),
    (r"^mitohelper_12S_taxonomy$", D + "mitofish.read_taxonomy", "tsv",
     "Lim & Thompson, mitohelper, Environmental DNA 2021; Zhu et al., MitoFish, MBE 2023"),
    (r"^mitohelper_FotW5_", D + "mitofish.read_table", "tsv",
     "Nelson et al., Fishes of the World 5th ed., Wiley 2016; via Lim & Thompson, mitohelper, "
     "Environmental DNA 2021"),
    (r"^pmifish_sample_reads_", None, "fastq",
     "Miya et al., MiFish, R Soc Open Sci 2015; PMiFish pipeline (rogotoh/PMiFish)"),
    (r"^pmifish_primers$", None, "text",
     "Miya et al., MiFish, R Soc Open Sci 2015; PMiFish pipeline (rogotoh/PMiFish)"),
    # Enhancer-promoter interactions
    (r"^targetfinder_pairs_", D + "targetfinder.read_pairs", "csv",
     "Whalen et al., TargetFinder, Nat Genet 2016"),
    (r"^cboep_", D + "targetfinder.read_pairs", "csv",
     "Whalen et al., TargetFinder, Nat Genet 2016; Tateyama & Maruyama, CBOEP, ACM-BCB 2023"),
    (r"^transepi_whalen_", D + "targetfinder.read_pairs", "csv",
     "Chen et al., TransEPI, Brief Bioinform 2022; Whalen et al., TargetFinder, Nat Genet 2016"),
    (r"^ep2vec_", D + "targetfinder.read_pairs", "csv",
     "Zeng et al., EP2vec, BMC Genomics 2018; Whalen et al., TargetFinder, Nat Genet 2016"),
    (r"^epiann_", D + "targetfinder.read_epiann_split", "tsv",
     "Mao et al., EPIANN, bioRxiv 2017; Whalen et al., TargetFinder, Nat Genet 2016"),
    # Mitogenomes and genomes
    (r"^unikseq_", D + "genomes.read_mitogenomes", "fasta",
     "Coombe et al., unikseq (bcgsc/unikseq); sequences from NCBI GenBank/RefSeq"),
    (r"^oceangenomes_coral_mito_genes$", D + "genomes.read_mitogenomes", "fasta",
     "OceanOmics OceanGenomes mitogenome pipeline (Minderoo-OceanOmics-Centre-UWA); "
     "sequences from NCBI RefSeq"),
    (r"^oceangenomes_coral_mito_manifest$", None, "tsv",
     "OceanOmics OceanGenomes mitogenome pipeline (Minderoo-OceanOmics-Centre-UWA); "
     "sequences from NCBI RefSeq"),
    (r"^ecoli_k12_genome$", D + "genomes.read_genome", "fasta",
     "Blattner et al., Science 1997 (E. coli K-12 MG1655); NCBI RefSeq GCF_000005845.2"),
    (r"^ecoli_k12_gff$", None, "gff3",
     "Blattner et al., Science 1997 (E. coli K-12 MG1655); NCBI RefSeq GCF_000005845.2"),
    (r"_1pct_chunks$", D + "genomes.read_genome", "fasta",
     "NCBI RefSeq / public genome projects, 1% chunks from iankorf/MCB185"),
    (r"^jaspar2024_core_transfac$", D + "motif_files.read_transfac", "transfac",
     "Rauluseviciute et al., JASPAR 2024, NAR 2024"),
    # GUE and DNABERT
    (r"^gue_", D + "gue.read_gue_csv", "csv",
     "Zhou et al., DNABERT-2, ICLR 2024"),
    (r"^dnabert_sample_", D + "gue.read_kmer_tsv", "tsv",
     "Ji et al., DNABERT, Bioinformatics 2021"),
    (r"^dnabert_snp_example_dev$", D + "gue.read_kmer_tsv", "tsv",
     "Ji et al., DNABERT, Bioinformatics 2021"),
    (r"^dnabert_snp_example_mut_file$", None, "tsv",
     "Ji et al., DNABERT, Bioinformatics 2021"),
    # Promoters
    (r"^depicter_", D + "epd.read_promoter_fasta", "fasta",
     "Zhu et al., Depicter, Brief Bioinform 2021; Meylan et al., EPD, NAR 2020"),
    (r"^epdnew_.*_m200_p200$", D + "epd.read_promoter_fasta", "fasta",
     "Meylan et al., EPD, NAR 2020 (exported via AnnaKalygina/PromoterShape)"),
    (r"^epd128_", D + "epd.read_promoter_fasta", "fasta",
     "Meylan et al., EPD, NAR 2020 (EPD release 128)"),
    (r"^epdnew_dat_", D + "epd.read_epdnew_dat", "epd-dat",
     "Meylan et al., EPD, NAR 2020"),
    (r"^epdnew_sga_", D + "epd.read_sga", "sga",
     "Meylan et al., EPD, NAR 2020"),
    (r"^zebrafish_cage_promoters_fa$", D + "epd.read_promoter_fasta", "fasta",
     "Nepal et al., Genome Res 2013; seqPattern (Bioconductor)"),
    (r"^zebrafish_cage_promoters_rdata$", None, "rdata",
     "Nepal et al., Genome Res 2013; seqPattern (Bioconductor)"),
    # DNase peaks and DeepSEA-style labels
    (r"^deephaem_dnase_", D + "peaks.read_bed", "bed",
     "Schwessinger et al., Nat Methods 2020 (deepHaem); ENCODE Project Consortium, Nature 2020"),
    (r"^deephaem_deepsea_style_examples$", D + "deepsea.read_examples", "tsv",
     "Schwessinger et al., Nat Methods 2020 (deepHaem); Zhou & Troyanskaya, DeepSEA, "
     "Nat Methods 2015"),
    (r"^deephaem_labels_example$", None, "tsv",
     "Schwessinger et al., Nat Methods 2020 (deepHaem)"),
    (r"^deephaem_hg19_chrom_sizes$", None, "tsv",
     "UCSC Genome Browser hg19 (GRCh37); via deepHaem"),
    (r"^deepsea_919_feature_names$", D + "deepsea.read_feature_names", "text",
     "Zhou & Troyanskaya, DeepSEA, Nat Methods 2015"),
    (r"^deepsea_beluga_2002_feature_names$", D + "deepsea.read_feature_names", "text",
     "Zhou et al., ExPecto (Beluga), Nat Genet 2018"),
    (r"^basset_164_target_labels$", D + "deepsea.read_feature_names", "text",
     "Kelley et al., Basset, Genome Res 2016"),
]

# One-line notes for files without a reader, and for files that need a word of caution.
NOTES = {
    "deepcage_files": "URL list of the ENCODE files DeepCAGE used (provenance only); read with "
                      "open(), one URL per line; see encode_deepcage_dnase_rnaseq.",
    "pmifish_sample_reads_R1": "FASTQ reads without labels; read with "
                               "Bio.SeqIO.parse(..., 'fastq').",
    "pmifish_sample_reads_R2": "FASTQ reads without labels; read with "
                               "Bio.SeqIO.parse(..., 'fastq').",
    "pmifish_primers": "MiFish primer list in a FASTA-like text format; read with open().",
    "oceangenomes_coral_mito_manifest": "Taxonomy table for oceangenomes_coral_mito_genes; read "
                                        "with pandas.read_csv(path, sep='\\t').",
    "ecoli_k12_gff": "GFF3 annotation; read with pandas.read_csv(path, sep='\\t', comment='#', "
                     "header=None).",
    "dnabert_snp_example_mut_file": "DNABERT SNP mutation template (seq_index, start, end, "
                                    "replacement); read with pandas.read_csv(path, sep='\\t', "
                                    "header=None).",
    "zebrafish_cage_promoters_rdata": "R workspace (xz); kept for provenance, use "
                                      "zebrafish_cage_promoters_fa instead.",
    "zebrafish_cage_promoters_fa": "Derived file: FASTA decoded from the DNAStringSet in "
                                   "zebrafish_cage_promoters_rdata (no other change); the url is "
                                   "that RData, so it cannot be downloaded, only read from a "
                                   "mirror.",
    "deephaem_labels_example": "Index -> peak-file map of deepHaem's example; read with "
                               "pandas.read_csv(path, sep='\\t', header=None).",
    "deephaem_hg19_chrom_sizes": "UCSC chrom.sizes; read with pandas.read_csv(path, sep='\\t', "
                                 "header=None, names=['chrom', 'length']).",
}

# Data licences named in the notes that the MANIFEST licence column does not already carry.
LICENCE_APPEND = [
    (r"^deepcage_(tf_gexp_matrix|cells|bam_info|files)$",
     "ENCODE data: free to use, cite ENCODE (ENCODE data use policy)"),
]

# The corpora the DNA language models are pre-trained on (the fine-tuning chapters read them too:
# their training DNA keys the cached encoders).
_PRETRAINING = ("unikseq_shark_mitogenomes", "unikseq_teleost_mitogenomes", "oceangenomes_coral_mito_genes",
                "oceangenomes_coral_mito_manifest", "ecoli_k12_genome", "D.melanogaster_1pct_chunks",
                "C.elegans_1pct_chunks", "A.thaliana_1pct_chunks")
_CELLS = ("GM12878", "HeLa-S3", "HUVEC", "IMR90", "K562", "NHEK")
#: What each chapter reads from the registry, in the book's order (the `chapters:` field of each entry).
READS = {
    "motifs": ("gue_tf_0_train", "gue_tf_0_dev", "gue_tf_0_test"),
    "dna_language_models": _PRETRAINING,
    "tss_localisation": ("epd128_promoters_m499_p100", "zebrafish_cage_promoters_fa", "epdnew_celegans_m200_p200",
                         "epdnew_scerevisiae_m200_p200", "epdnew_pfalciparum_m200_p200", *_PRETRAINING),
    "metagenomics_12s": ("mitohelper_12S_seqs", "mitohelper_12S_taxonomy", "pmifish_sample_reads_R1",
                         "pmifish_sample_reads_R2", "pmifish_primers", *_PRETRAINING),
    "chromatin_profiles": ("deephaem_deepsea_style_examples", "deepsea_919_feature_names", *_PRETRAINING),
    "enhancer_promoter": (*(f"transepi_whalen_{c}" for c in _CELLS),
                          *(f"cboep_TargetFinder-P_CBMF-N_{c}" for c in _CELLS)),
    "epsat_eplae": tuple(f"transepi_whalen_{c}" for c in _CELLS),
}
CHAPTERS: dict[str, list[str]] = {}
for _chapter, _names in READS.items():
    for _name in _names:
        CHAPTERS.setdefault(_name, []).append(_chapter)

PAPER: dict[str, dict] = {
    "encode_deepcage_dnase_rnaseq": {
        "task": "1_deepcage",
        "url": "https://www.encodeproject.org/",
        "size": "about 7,100 DNase-seq BAMs, 4,200 narrowPeak files and 1,800 RNA-seq gene "
                "quantifications (terabytes); file list in deepcage_files",
        "format": "bam, narrowPeak, tsv",
        "licence": "ENCODE data: free to use, cite ENCODE (ENCODE data use policy)",
        "citation": "ENCODE Project Consortium, Nature 2020; Liu et al., DeepCAGE, bioRxiv 2019",
        "note": "Download from the ENCODE portal (hg19, DNase-seq and polyA RNA-seq of the 55 "
                "cell types in deepcage_cells); the URLs are listed in deepcage_files.",
        "fetch": "manual",
    },
    "hg19_genome": {
        "task": "4_genome",
        "url": "https://hgdownload.soe.ucsc.edu/goldenPath/hg19/bigZips/hg19.fa.gz",
        "size": "about 0.9 GB gzip (3.1 Gbp)",
        "format": "fasta",
        "licence": "freely available without restriction (UCSC / Genome Reference Consortium)",
        "citation": "Genome Reference Consortium GRCh37; Kent et al., UCSC Genome Browser, "
                    "Genome Res 2002",
        "note": "Needed to cut sequences for the DeepCAGE, EPI and DeepSEA chapters at paper "
                "scale; check it against md5sum.txt in the same UCSC folder.",
        "fetch": "manual",
    },
    "hg38_genome": {
        "task": "4_genome",
        "url": "https://hgdownload.soe.ucsc.edu/goldenPath/hg38/bigZips/hg38.fa.gz",
        "size": "about 0.9 GB gzip (3.1 Gbp)",
        "format": "fasta",
        "licence": "freely available without restriction (UCSC / Genome Reference Consortium)",
        "citation": "Genome Reference Consortium GRCh38; Kent et al., UCSC Genome Browser, "
                    "Genome Res 2002",
        "note": "Needed to cut EPDnew human promoter windows (epdnew_sga_Hs is hg38); check it "
                "against md5sum.txt in the same UCSC folder.",
        "fetch": "manual",
    },
    "epdnew_promoters": {
        "task": "tss_localization",
        "url": "https://epd.expasy.org/ftp/epdnew/",
        "size": "one folder per species and release (tens of MB each)",
        "format": "sga, dat, fasta",
        "licence": "CC BY 4.0 (EPD)",
        "citation": "Meylan et al., EPD, NAR 2020",
        "note": "Full EPDnew promoter sets for the species of the TSS-localisation chapter; the "
                "mirror holds the .sga/.dat files of 9 species (epdnew_sga_*, epdnew_dat_*).",
        "fetch": "manual",
    },
    "mitofish_full": {
        "task": "2_12S_fish",
        "url": "https://mitofish.aori.u-tokyo.ac.jp/download/",
        "size": "complete and partial fish mitogenomes, a few GB",
        "format": "fasta, genbank",
        "licence": "see MitoFish terms of use",
        "citation": "Zhu et al., MitoFish, MitoAnnotator, and MiFish Pipeline, MBE 2023",
        "note": "Whole MitoFish database; the mirror holds its 12S extract from mitohelper "
                "(mitohelper_12S_seqs, mitohelper_12S_taxonomy).",
        "fetch": "manual",
    },
    "deepsea_train_bundle": {
        "task": "5_deepsea_subset",
        "url": "http://deepsea.princeton.edu/media/code/deepsea_train_bundle.v0.9.tar.gz",
        "size": "about 3 GB tar.gz (train.mat, valid.mat, test.mat; 919 labels)",
        "format": "tar.gz of MATLAB .mat",
        "licence": "CC-BY 3.0 (DeepSEA, per the kipoi DeepSEA model.yaml)",
        "citation": "Zhou & Troyanskaya, DeepSEA, Nat Methods 2015",
        "note": "Full DeepSEA training set; the mirror holds only 50 DeepSEA-style examples "
                "(deephaem_deepsea_style_examples) and the label names.",
        "fetch": "manual",
    },
    "targetfinder_ep_pairs": {
        "task": "3_epi",
        "url": "https://github.com/shwhalen/targetfinder",
        "size": "pair tables with features for 6 cell lines (hundreds of MB)",
        "format": "csv",
        "licence": "see repository (shwhalen/targetfinder)",
        "citation": "Whalen et al., TargetFinder, Nat Genet 2016; Singh et al., SPEID, "
                    "Quant Biol 2019",
        "note": "Full TargetFinder/SPEID enhancer-promoter pairs (paper/targetfinder/<cell>/); "
                "the mirror holds IMR90/NHEK originals and CBOEP/TransEPI/EP2vec copies.",
        "fetch": "manual",
    },
}

FIELDS = ["task", "scale", "url", "archive_member", "content_sha256", "mirror_path",
          "stored_as", "bytes", "size", "format", "records", "licence", "citation", "reader",
          "group", "chapters", "description", "note", "fetch"]


def rule_for(name: str) -> tuple[str | None, str, str]:
    for pattern, reader, fmt, citation in RULES:
        if re.search(pattern, name):
            return reader, fmt, citation
    raise SystemExit(f"make_registry: no reader rule matches {name!r}; add one to RULES.")


def split_url(raw: str) -> tuple[str, str | None]:
    """URL (percent-encoded) and, for QIIME .qza archives, the member the file came from."""
    url, _, rest = raw.partition(" (")
    member = None
    m = re.search(r"member ([^;)]+)", rest)
    if m:
        member = m.group(1).strip()
    return quote(url.strip(), safe=":/%"), member


def first_sentence(notes: str, limit: int = 200) -> str:
    """A one-line description: the notes' first sentence (or their first ``limit`` characters)."""
    text = " ".join(notes.split(" | uncompressed")[0].split())
    for m in re.finditer(r"\.(\s|$)", text):
        before = text[: m.start()]
        if re.search(r"(\be\.g|\bi\.e|\bet al|\bed|\bcf|\bvs|\b[A-Z])$", before):
            continue
        if m.start() >= 40:
            text = before + "."
            break
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def licence_for(row: dict) -> str:
    lic = row["license"].strip()
    for pattern, extra in LICENCE_APPEND:
        if re.search(pattern, row["name"]) and extra not in lic:
            lic = f"{lic}; {extra}"
    return lic


def group_for(name: str) -> str | None:
    m = re.match(r"^(epiann_[^_]+_(train|test))_", name)
    return m.group(1) if m else None


def entry_for(row: dict) -> dict:
    name = row["name"]
    reader, fmt, citation = rule_for(name)
    url, member = split_url(row["upstream_url"])
    e = {
        "task": row["task"],
        "scale": "book",
        "url": url,
        "archive_member": member,
        "content_sha256": row["content_sha256"],
        "mirror_path": row["local_path"],
        "stored_as": row["stored_as"],
        "bytes": int(row["bytes"]),
        "format": fmt,
        "records": row["records"],
        "licence": licence_for(row),
        "citation": citation,
        "reader": reader,
        "group": group_for(name),
        "chapters": CHAPTERS.get(name, []),
        "description": first_sentence(row["notes"]),
        "note": NOTES.get(name),
    }
    if member:
        e["note"] = (f"Upstream is a QIIME 2 .qza (zip) archive; this file is its member "
                     f"{member}, and content_sha256 is that member's hash.")
    if reader is None and not e["note"]:
        raise SystemExit(f"make_registry: {name} has no reader and no note; add one to NOTES.")
    return e


def ordered(e: dict) -> dict:
    return {k: e[k] for k in FIELDS if e.get(k) is not None}


def build(manifest: Path) -> dict:
    with open(manifest, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    out: dict[str, dict] = {}
    for row in rows:
        if row["name"] in out:
            raise SystemExit(f"make_registry: duplicate name {row['name']!r} in {manifest}")
        out[row["name"]] = ordered(entry_for(row))
    for name, e in PAPER.items():
        out[name] = ordered({"scale": "paper", "chapters": [], **e})
    return out


HEADER = """\
# genomebook data registry: one entry per real dataset.
# Generated by data/make_registry.py from the mirror's MANIFEST.tsv (plus the hand-written
# scale: paper block); this file is what genomebook.datasets.registry reads at run time.
# content_sha256 is the sha256 of the upstream bytes (for stored_as: gzip, of the gunzipped
# mirror copy; for stored_as: derived, of the derived file before gzip).
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("manifest", type=Path, help="path to the mirror's MANIFEST.tsv")
    ap.add_argument("-o", "--output", type=Path,
                    default=Path(__file__).resolve().parent / "registry.yaml")
    args = ap.parse_args(argv)
    reg = build(args.manifest)
    text = HEADER + yaml.safe_dump(reg, sort_keys=False, allow_unicode=True, width=100)
    args.output.write_text(text, encoding="utf-8")
    n_book = sum(e["scale"] == "book" for e in reg.values())
    print(f"wrote {args.output}: {n_book} book-scale and {len(reg) - n_book} paper-scale entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
