"""Turning text into search terms, the same way for documents and queries.

Chinese has no spaces, so matching uses character unigrams (names only, so 1-character queries
work) and bigrams; word segmentation (rjieba, with a custom dictionary of government terms) decides
the words of a query, so that synonyms replace whole words (驾照 → 驾驶证) and filler words (怎么,
办理) can be dropped. Pinyin (pypinyin) gives each name a full spelling and initials from every
character on, so ``yingyezhizhao``, ``yyzz`` and ``zhizhao`` all find 营业执照.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import rjieba
import yaml
from pypinyin import lazy_pinyin

DATA = Path(__file__).resolve().parent.parent / "data"
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUN_RE = re.compile(f"[{CJK}]+|[a-z0-9]+")
CJK_RE = re.compile(f"^[{CJK}]+$")
STOP_WORDS = {
    "怎么",
    "怎样",
    "如何",
    "哪里",
    "在哪",
    "在哪里",
    "什么",
    "需要",
    "要",
    "我",
    "我要",
    "想",
    "我想",
    "的",
    "了",
    "吗",
    "呢",
    "请问",
    "可以",
    "能",
    "去",
    "哪",
    "办",
    "办理",
    "申请",
    "手续",
    "流程",
    "材料",
}
MAX_ALTERNATIVES = 12


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, every other character a space."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(RUN_RE.findall(text))


def runs(text: str) -> list[str]:
    return RUN_RE.findall(normalise(text))


def grams(run: str, unigrams: bool) -> list[str]:
    if not CJK_RE.match(run):
        return [run]
    out = list(run) if unigrams or len(run) == 1 else []
    out += [run[i : i + 2] for i in range(len(run) - 1)]
    return out


def document_terms(text: str, unigrams: bool) -> set[str]:
    terms: set[str] = set()
    for run in runs(text):
        terms.update(grams(run, unigrams))
    return terms


def spellings(name: str) -> list[str]:
    """Full pinyin and initials of the name from each character on: ``yingyezhizhao yyzz ...``."""
    chars = [c for c in normalise(name) if c != " "]
    # Letters and digits stay one entry per character (pypinyin accepts a list here; its type hints
    # do not say so), so positions line up with ``chars``.
    full = lazy_pinyin("".join(chars), errors=lambda s: list(s))  # type: ignore[arg-type,return-value]
    initials = [p[0] if p else "" for p in full]
    out: list[str] = []
    for i in range(len(full)):
        if CJK_RE.match(chars[i]):
            out.append("".join(full[i:])[:60])
            out.append("".join(initials[i:])[:30])
    return out


# -- queries ---------------------------------------------------------------------------------------------
@cache
def synonyms() -> dict[str, list[str]]:
    with (DATA / "synonyms.yaml").open(encoding="utf-8") as handle:
        raw: dict[str, list[str]] = yaml.safe_load(handle)
    return {normalise(k): [normalise(v) for v in values] for k, values in raw.items()}


@cache
def segmenter() -> rjieba.Jieba:
    jieba = rjieba.Jieba()
    words = (DATA / "dictionary.txt").read_text(encoding="utf-8").split()
    for word in itertools.chain(words, synonyms(), *synonyms().values()):
        for part in word.split():
            jieba.add_word(part, 50_000, None)
    return jieba


@dataclass(frozen=True)
class Alternative:
    """One reading of the query: its words and the terms each word must match."""

    text: str
    words: tuple[str, ...]

    @property
    def units(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(grams(w, unigrams=False)) for w in self.words)


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    spelled: bool  # letters only: matched against pinyin
    alternatives: tuple[Alternative, ...]


def _words(text: str) -> list[str]:
    words: list[str] = []
    for run in text.split():
        if CJK_RE.match(run):
            words.extend(w for w in segmenter().cut(run, True) if w.strip())
        else:
            words.append(run)
    kept = [w for w in words if w not in STOP_WORDS]
    return kept or words


def parse(query: str) -> ParsedQuery:
    text = normalise(query)[:60]
    if not text:
        return ParsedQuery("", False, ())
    if re.fullmatch(r"[a-z ]+", text):
        word = text.replace(" ", "")
        return ParsedQuery(word, True, (Alternative(word, (word,)),))
    options: list[list[str]] = []
    whole = synonyms().get(text.replace(" ", ""))
    words = _words(text)
    for word in words:
        options.append([word, *synonyms().get(word, [])])
    alternatives: list[Alternative] = []
    for combo in itertools.islice(itertools.product(*options), MAX_ALTERNATIVES):
        parts = [w for piece in combo for w in piece.split()]
        alternatives.append(Alternative("".join(parts), tuple(parts)))
    for replacement in whole or []:
        parts = replacement.split()
        alternatives.append(Alternative("".join(parts), tuple(parts)))
    unique = tuple(dict.fromkeys(alternatives))
    return ParsedQuery(text.replace(" ", ""), False, unique)
