"""Free text → resource class, in English and six Nordic languages (Norwegian bokmål and
nynorsk, Swedish, Danish, Finnish, Icelandic).

Why a lexical classifier and not an embedding model: synonyms from the taxonomy cover
the words plant engineers actually type, it runs offline in microseconds, and every
answer can say *which* phrase it recognised. Evidence is combined in this order:
phrases contained in the text (longest wins; Nordic compounds match inside words),
fuzzy similarity for typos, then EWC and NACE hints; heat is placed in its
temperature band when the text gives a temperature.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Protocol

from rapidfuzz import fuzz, process

from sidestream.domain.categories import Category
from sidestream.i18n import N_, Message
from sidestream.knowledge.base import KnowledgeBase
from sidestream.knowledge.models import ResourceClass

_UNIT = r"(?:°\s*c\b|°|℃|grader\b|grad\b|astetta\b|asteen\b|asteinen\b|gráður\b|gráðu\b|gráðum\b|gráða\b|c\b)"
_NUM = r"(?<![\w.,])(-?\d+(?:[.,]\d+)?)"
# A range "60-70 grader" or "35–40 °C" (a hyphen after a digit is never a minus sign).
_TEMP_RANGE = re.compile(_NUM + r"\s*(?:-|–|til|to)\s*(\d+(?:[.,]\d+)?)\s*" + _UNIT, re.IGNORECASE)
_TEMP = re.compile(_NUM + r"\s*" + _UNIT, re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\b\d+(?:[.,]\d+)?\b")

# Heat band classes in ascending order with their lower bound: a text that says
# "surplus heat 45 °C" lands in the band that contains 45 °C.
HEAT_BANDS: list[tuple[float, str]] = [
    (-1e9, "heat_below_25c"),
    (25.0, "heat_25_40c"),
    (40.0, "heat_40_60c"),
    (60.0, "heat_60_90c"),
    (90.0, "heat_90_150c"),
    (150.0, "heat_above_150c"),
]
BAND_IDS = frozenset(cid for _, cid in HEAT_BANDS)

# Words that introduce a purpose or destination ("fuel gas *for* drying plasterboard",
# "varme *til* fiskeoppdrett"). The resource itself is named before them, so phrases
# found there (the head) weigh more than phrases in the purpose.
_PURPOSE = re.compile(
    r"\b(?:til|for|to|för|till|som|as|into|used|varten|käytettäväksi|kohteeseen|fyrir|handa|sem)\b"
)
HEAD_BONUS = 0.15
# Nouns for the plant or process a stream comes from: in "CO2 from the ammonia
# plant", "hydrogen from waste-plastic gasification" or "flake and pellet production"
# the phrase before the noun names the source or the product, not the resource — the
# English counterpart of a Nordic compound's first part ("ammoniakkfabrikken").
_PLANT_NOUNS = frozenset(
    [
        "plant",
        "plants",
        "factory",
        "works",
        "unit",
        "units",
        "mill",
        "anlegg",
        "anlegget",
        "anlæg",
        "anlægget",
        "anläggning",
        "anläggningen",
        "fabrikk",
        "fabrikken",
        "fabrik",
        "fabriken",
        "verk",
        "verket",
        "værk",
        "værket",
        "tehdas",
        "tehtaan",
        "laitos",
        "laitoksen",
        "gasification",
        "incineration",
        "combustion",
        "production",
        "processing",
        "pulping",
        "smelting",
        "fermentation",
        "digestion",
        "manufacturing",
        "making",
        "forbrenning",
        "forbrænding",
        "förbränning",
        "produksjon",
        "produktion",
        # Icelandic, the forms that follow a noun phrase ("kísilryk verksmiðjunnar")
        "verksmiðja",
        "verksmiðju",
        "verksmiðjunnar",
        "virkjun",
        "virkjunar",
        "stöð",
        "stöðvar",
        "framleiðsla",
        "framleiðslu",
        "vinnsla",
        "vinnslu",
        "brennsla",
        "brennslu",
        "bræðsla",
        "bræðslu",
    ]
)
PLANT_MODIFIER_PENALTY = 0.15

# Categories users confuse with each other are penalised less than unrelated ones.
CATEGORY_GROUPS = {
    "material": "bulk", "waste": "bulk", "by-product": "bulk",
    "water": "water", "wastewater": "water",
    "heat": "thermal", "steam": "thermal",
    "gas": "gas", "co2": "gas",
}  # fmt: skip
# Water classes that are also heat carriers: warm condenser water is offered as heat,
# and warm seawater is what land-based fish farms ask for as heat; under the
# category ``heat`` they stay candidates (the matcher links them thermally).
HEAT_CARRIER_CLASSES = frozenset({"cooling_water", "seawater"})
# Words that negate the next word or two: "ikke drikkevandskvalitet", "non-potable".
_NEGATION = frozenset(
    ["not", "non", "no", "without", "ikke", "ikkje", "inte", "ej", "ei", "uden", "utan", "ilman",
     "ekki", "án"]
)  # fmt: skip
CATEGORY_BONUS = 0.05
SAME_GROUP_FACTOR = 0.92
OTHER_GROUP_FACTOR = 0.75
_GENERIC_HEAT = re.compile(
    r"\b(?:heat|warmth|hot water|varme|varmt|värme|varmvatten|lämpö|lämmin|warm"
    r"|varmi|varma|varmaorka|varmaorku|hiti|hita|heitt vatn)\b"
)
TAIL_PENALTY = 0.1
# Out-of-heat evidence a text starting with a bare heat word must beat to stay.
HEAT_HEAD_SCORE = 0.6
# A generic fuel word ("bränsle till kraftvärmepanna (gas)") in a row of category
# gas is a fuel-gas flow, as a bare heat word in a heat row is a heat flow.
_FUEL_LANG = {"fuel": "en", "bränsle": "sv", "brensel": "nb", "brensle": "nn", "brændsel": "da",
              "brændstof": "da", "polttoaine": "fi", "eldsneyti": "is"}  # fmt: skip
_GENERIC_FUEL = re.compile(r"\b(?:" + "|".join(_FUEL_LANG) + ")")
_GENERIC_BY_CATEGORY = {"heat": _GENERIC_HEAT, "gas": _GENERIC_FUEL}
GENERIC_FUEL_CLASS = "fuel_gas"


def head_of(norm: str) -> str:
    """The part of a normalised text before its first purpose word.

    >>> head_of("brændsel gas til tørring af gipsplader")
    'brændsel gas'
    """
    m = _PURPOSE.search(norm)
    if m is None or m.start() == 0:
        return norm
    return norm[: m.start()].strip()


def normalise_text(text: str) -> str:
    """Lower case, NFKC, punctuation to spaces.

    >>> normalise_text("Overskuddsvarme, 45 °C (røykgass)")
    'overskuddsvarme 45 c røykgass'
    """
    t = unicodedata.normalize("NFKC", text).lower()
    t = _NON_WORD.sub(" ", t.replace("°", " "))
    return _SPACES.sub(" ", t).strip()


def extract_temperature(text: str) -> float | None:
    """The first temperature in degrees Celsius written in the text; a range gives
    its midpoint.

    >>> extract_temperature("overskotsvarme 35-40 °C")
    37.5
    >>> extract_temperature("ylijäämälämpö 45 astetta")
    45.0
    >>> extract_temperature("LNG -160 °C")
    -160.0
    """
    r = _TEMP_RANGE.search(text)
    if r:
        low, high = (float(g.replace(",", ".")) for g in r.groups())
        return (low + high) / 2
    m = _TEMP.search(text)
    if not m:
        return None
    return float(m.group(1).replace(",", "."))


def heat_band(temperature_c: float) -> str:
    chosen = HEAT_BANDS[0][1]
    for lower, cid in HEAT_BANDS:
        if temperature_c >= lower:
            chosen = cid
    return chosen


@dataclass(frozen=True, slots=True)
class Classification:
    """The class a text was mapped to, how sure, and why."""

    class_id: str | None
    category: Category | None
    confidence: float
    reasons: tuple[Message, ...] = ()
    alternatives: tuple[tuple[str, float], ...] = ()
    temperature_c: float | None = None
    matched: str | None = None
    language: str | None = None


@dataclass
class _Evidence:
    score: float = 0.0
    reasons: list[Message] = field(default_factory=list)
    matched: str | None = None
    language: str | None = None


_PARENS = re.compile(r"\(([^)]*)\)")


def _term_variants(terms: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Each term as written, without its parenthetical, the parenthetical alone, and
    each side of a slash: "FGD gypsum (flue gas desulphurisation)" is also known as
    "fgd gypsum" and "flue gas desulphurisation"."""
    out: list[tuple[str, str, str]] = []
    for lang, term in terms:
        inner = [p for p in _PARENS.findall(term) if not any(ch.isdigit() for ch in p) and len(p) >= 4]
        variants = {term, _PARENS.sub(" ", term), *inner}
        for v in list(variants):
            if "/" in v:
                variants.update(v.split("/"))
        for v in sorted(variants):
            phrase = _SPACES.sub(" ", _DIGITS.sub(" ", normalise_text(v))).strip()
            out.append((lang, term, phrase))
    return out


class AddEvidence(Protocol):
    def __call__(
        self, cid: str, score: float, reason: Message, matched: str | None = None, lang: str | None = None
    ) -> None: ...


class Classifier:
    """Built once from a knowledge base; cheap to call many times (results cached)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._phrases: list[str] = []
        self._owners: list[list[tuple[str, str]]] = []
        index: dict[str, int] = {}
        for rc in kb.classes.values():
            for lang, _term, phrase in _term_variants(rc.terms()):
                if len(phrase) < 2:
                    continue
                if phrase not in index:
                    index[phrase] = len(self._phrases)
                    self._phrases.append(phrase)
                    self._owners.append([])
                owners = self._owners[index[phrase]]
                if (rc.id, lang) not in owners:
                    owners.append((rc.id, lang))
        self._index = index
        self._ewc_index: dict[str, list[str]] = {}
        for rc in kb.classes.values():
            for code in rc.ewc_codes:
                self._ewc_index.setdefault(code, []).append(rc.id)
        self._cache: dict[tuple[str, str | None, str | None, str | None, str | None], Classification] = {}
        self._mentions: dict[str, frozenset[str]] = {}

    def classify(
        self,
        text: str,
        *,
        ewc: str | None = None,
        nace: str | None = None,
        category: str | None = None,
        direction: str | None = None,
        temperature_c: float | None = None,
    ) -> Classification:
        key = (text, ewc, nace, category, direction)
        cached = self._cache.get(key)
        if cached is not None and temperature_c is None:
            return cached
        result = self._classify(text, ewc, nace, category, direction, temperature_c)
        if temperature_c is None:
            self._cache[key] = result
        return result

    def _classify(
        self,
        text: str,
        ewc: str | None,
        nace: str | None,
        category: str | None,
        direction: str | None,
        temperature_c: float | None,
    ) -> Classification:
        temp = temperature_c if temperature_c is not None else extract_temperature(text)
        norm = _SPACES.sub(
            " ", _DIGITS.sub(" ", normalise_text(_TEMP.sub(" ", _TEMP_RANGE.sub(" ", text))))
        ).strip()
        evidence: dict[str, _Evidence] = {}

        def add(cid: str, score: float, reason: Message, matched: str | None = None,
                lang: str | None = None) -> None:  # fmt: skip
            ev = evidence.setdefault(cid, _Evidence())
            if score > ev.score:
                ev.score, ev.matched, ev.language = (
                    score,
                    matched or ev.matched,
                    lang or ev.language,
                )
            ev.reasons.append(reason)

        if norm:
            self._phrase_evidence(norm, add)
        if ewc:
            code = ewc.rstrip("*")
            for cid in self._ewc_index.get(code, []):
                ev = evidence.get(cid)
                bonus = Message(N_("EWC code {code} is typical of this class"), {"code": code})
                if ev:
                    ev.score = min(1.0, ev.score + 0.25)
                    ev.reasons.append(bonus)
                else:
                    add(cid, 0.6, bonus)
        if nace and direction != "demand":
            for cid, ev in evidence.items():
                rc = self.kb.classes[cid]
                if any(nace.startswith(n) or n.startswith(nace) for n in rc.nace):
                    ev.score = min(1.0, ev.score + 0.08)
                    ev.reasons.append(
                        Message(N_("NACE {nace} is a typical producer of this class"), {"nace": nace})
                    )
        if category:
            evidence = self._constrain_to_category(evidence, category, norm)
        if category is None and evidence and _GENERIC_HEAT.match(norm):
            # "Värme från avfallsförbränning (kraftvärme)": a text that *starts* with a
            # bare heat word names heat as its head noun; a word further on (the CHP
            # plant, "kraft…") names where it comes from. Without a category to say
            # so, heat then competes at the fallback's confidence.
            evidence = {
                cid: ev
                for cid, ev in evidence.items()
                if self.kb.classes[cid].category.value in {"heat", "steam"} or ev.score > HEAT_HEAD_SCORE
            }
        if not evidence and category in {"heat", None} and _GENERIC_HEAT.search(norm):
            # "varme 30 °C til settefisk": a bare heat word is a heat flow in the band of
            # its temperature; without one, a need is space heating and an offer the
            # commonest surplus band — at modest confidence either way.
            if temp is not None:
                add(heat_band(temp), 0.6, Message(N_("a heat flow at {temp} °C"), {"temp": float(temp)}))
            else:
                cid = "space_heating" if direction == "demand" else "heat_40_60c"
                add(cid, 0.5, Message(N_("a heat flow without a stated temperature")))
        fuel = _GENERIC_FUEL.search(norm) if not evidence and category == "gas" else None
        if fuel is not None:
            word, lang = fuel.group(0), _FUEL_LANG[fuel.group(0)]
            said = Message(N_("recognised {phrase!r} ({lang})"), {"phrase": word, "lang": lang})
            add(GENERIC_FUEL_CLASS, 0.5, said, word, lang)
        if not evidence:
            return Classification(
                None, None, 0.0,
                (Message(N_("no known resource name recognised in {text!r}"), {"text": text}),),
                temperature_c=temp,
            )  # fmt: skip
        ranked = sorted(evidence.items(), key=lambda kv: (-kv[1].score, kv[0]))
        best_id, best = ranked[0]
        reasons = list(best.reasons)
        best_id = self._place_heat(best_id, temp, reasons)
        rc = self.kb.classes[best_id]
        alternatives = tuple((cid, round(ev.score, 3)) for cid, ev in ranked[1:4])
        return Classification(
            best_id, rc.category, round(min(best.score, 1.0), 3), tuple(reasons),
            alternatives, temp, best.matched, best.language,
        )  # fmt: skip

    def mentioned_classes(self, text: str) -> frozenset[str]:
        """Every class named anywhere in ``text`` — head, purpose or inside a compound —
        by its longest phrase, and not after a negation ("non-potable water", "ikke
        drikkevandskvalitet" do not name drinking water). For checks that must not
        miss a mention, such as a demand whose purpose is drinking water or a supply
        that calls itself brackish; not for classifying.
        """
        cached = self._mentions.get(text)
        if cached is not None:
            return cached
        words = normalise_text(text).split()
        found: set[str] = set()
        for i, word in enumerate(words):
            if _NEGATION.intersection(words[max(i - 2, 0) : i]):
                continue  # "ikke drikkevandskvalitet", "not potable": not a mention
            for j in range(i + 1, min(i + 8, len(words)) + 1):
                if " ".join(words[i:j]) in self._index:
                    found.add(" ".join(words[i:j]))
            for a in range(len(word)):
                for b in range(a + 5, len(word) + 1):
                    if word[a:b] in self._index:
                        found.add(word[a:b])
        longest = [p for p in found if not any(p != q and p in q for q in found)]
        result = frozenset(cid for p in longest for cid, _ in self._owners[self._index[p]])
        self._mentions[text] = result
        return result

    def _constrain_to_category(
        self, evidence: dict[str, _Evidence], category: str, norm: str
    ) -> dict[str, _Evidence]:
        """The user's category restricts the classes a text can map to.

        Why: a word inside the text can name something else than the flow — the CHP
        plant in "värme från avfallsförbränning (kraftvärme)" or the wastewater that
        carries the heat in "renat avloppsvatten, 12–18 °C" — while the category the
        user picked says what the flow *is*. Classes of the category's group (those
        users confuse with each other, e.g. waste and by-product) stay candidates, with
        the exact category preferred; classes of other groups are dropped. Only when
        nothing in the group was recognised is the text trusted over the category:
        a bare heat word in a heat row, or a fuel word in a gas row, then becomes a
        generic flow of the category (below), and otherwise the
        out-of-group classes survive, penalised, since a wrong category is likelier
        than an unrecognisable resource.
        """
        group = CATEGORY_GROUPS.get(category, category)

        def in_group_of(cid: str) -> bool:
            other = self.kb.classes[cid].category.value
            if CATEGORY_GROUPS.get(other, other) == group:
                return True
            return group == "thermal" and cid in HEAT_CARRIER_CLASSES

        in_group = {cid: ev for cid, ev in evidence.items() if in_group_of(cid)}
        if in_group:
            for cid, ev in in_group.items():
                if self.kb.classes[cid].category.value == category:
                    ev.score = min(1.0, ev.score + CATEGORY_BONUS)
                else:
                    ev.score *= SAME_GROUP_FACTOR
            return in_group
        generic = _GENERIC_BY_CATEGORY.get(category)
        if generic is not None and generic.search(norm):
            return {}
        for ev in evidence.values():
            ev.score *= OTHER_GROUP_FACTOR
        return evidence

    def _phrase_evidence(self, norm: str, add: AddEvidence) -> None:
        words = norm.split()
        head = head_of(norm)
        has_tail = head != norm
        length = max(len(norm), 1)
        found: dict[str, float] = {}
        # Whole-word phrases: every run of up to 8 words looked up in the index.
        for i in range(len(words)):
            for j in range(i + 1, min(i + 8, len(words)) + 1):
                phrase = " ".join(words[i:j])
                if phrase in self._index:
                    score = 0.7 + 0.3 * len(phrase) / length
                    if j < len(words) and words[j] in _PLANT_NOUNS:
                        score -= PLANT_MODIFIER_PENALTY
                    found[phrase] = max(found.get(phrase, 0.0), score)
        # Nordic compounds: "kullflygeaske" contains "flygeaske". The last part of a
        # compound is its head noun ("fodertorkning" is drying, not feed), so a phrase
        # that ends the word counts more than one at its start.
        for word in words:
            for a in range(len(word)):
                for b in range(a + 5, len(word) + 1):
                    if (a, b) == (0, len(word)):
                        continue
                    phrase = word[a:b]
                    if phrase in self._index:
                        base = 0.6 if b == len(word) else 0.5
                        found[phrase] = max(found.get(phrase, 0.0), base + 0.3 * len(phrase) / length)
        hits = 0
        for phrase in sorted(found, key=lambda p: (-len(p), p)):
            score = found[phrase]
            if has_tail:
                score += HEAD_BONUS if phrase in head else -TAIL_PENALTY
            hits += 1
            for cid, lang in self._owners[self._index[phrase]]:
                add(cid, score, Message(N_("recognised {phrase!r} ({lang})"),
                                        {"phrase": phrase, "lang": lang}), phrase, lang)  # fmt: skip
            if hits >= 12:
                break
        if hits:
            return
        # Typos: compare single words and word pairs (not the whole text, which would
        # let a short phrase "match" any long sentence) with plain edit similarity.
        grams = [w for w in words if len(w) >= 5]
        grams += [f"{a} {b}" for a, b in itertools.pairwise(words)]
        best: dict[int, float] = {}
        for gram in grams:
            hit = process.extractOne(gram, self._phrases, scorer=fuzz.ratio, score_cutoff=84)
            if hit is not None:
                best[int(hit[2])] = max(best.get(int(hit[2]), 0.0), float(hit[1]))
        for position, similarity in sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:3]:
            phrase = self._phrases[position]
            for cid, lang in self._owners[position]:
                add(cid, 0.85 * similarity / 100.0,
                    Message(N_("similar to {phrase!r} ({lang}, {similarity}% alike)"),
                            {"phrase": phrase, "lang": lang, "similarity": int(similarity)}),
                    phrase, lang)  # fmt: skip

    def _place_heat(self, class_id: str, temp: float | None, reasons: list[Message]) -> str:
        if temp is None or class_id not in BAND_IDS:
            return class_id
        band = heat_band(temp)
        if band != class_id:
            reasons.append(
                Message(N_("temperature {temp} °C puts it in the band {band}"),
                        {"temp": float(temp), "band": band})
            )  # fmt: skip
        return band

    def resource_class(self, class_id: str) -> ResourceClass:
        return self.kb.resource_class(class_id)
