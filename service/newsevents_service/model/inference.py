"""Run the network over whole documents: windows in, character-level spans, roles and attributes out.

Windows of several documents are batched together; each token's prediction comes from the
window where it is most central. Only forward passes and decoding live here; assembling events
is the engine's job.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import torch

from newsevents_service.engine.sentences import sentence_index
from newsevents_service.normalize.countries import country_code

from .artifacts import LoadedModel, torch_threads
from .labels import ACTIONS, AUX_LABELS, ENTITY_LABELS, MODALITIES, ROLES, ROLES_BY_TYPE, TRIGGER_LABELS
from .windows import TokenizedDocument, Window, make_windows, owners, tokenize

# (input ids, attention mask) -> last hidden states [batch, positions, hidden]: the torch network's
# own encoder, or another backend's (model.backends).
Encode = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
# A span in one window: (window index, first position, end position), positions counting [CLS] as 0.
WindowSpan = tuple[int, int, int]


@dataclass(frozen=True)
class SpanPrediction:
    begin: int  # characters
    end: int
    label: str
    confidence: float
    first_token: int
    end_token: int


@dataclass(frozen=True)
class RolePrediction:
    trigger: int  # index into triggers
    entity: int  # index into entities
    role: str
    confidence: float
    context: bool = False  # the entity is in the sentence before the trigger's, not in its own


@dataclass
class DocumentPrediction:
    entities: list[SpanPrediction] = field(default_factory=list)
    triggers: list[SpanPrediction] = field(default_factory=list)
    aux: list[SpanPrediction] = field(default_factory=list)
    roles: list[RolePrediction] = field(default_factory=list)
    modality: list[str] = field(default_factory=list)  # per trigger
    action: list[str] = field(default_factory=list)  # per trigger
    n_tokens: int = 0
    n_windows: int = 0


def decode_bio(labels: list[str], probs: list[float]) -> list[tuple[int, int, str, float]]:
    """(first, end, type, mean probability) of each B/I run; a stray I- starts a span."""
    spans = []
    start, kind = -1, ""
    for i, label in enumerate([*labels, "O"]):
        if label == "O" and start < 0:  # nothing open, nothing to start
            continue
        tag, _, typ = label.partition("-")
        continues = tag == "I" and typ == kind and start >= 0
        if start >= 0 and not continues:
            spans.append((start, i, kind, sum(probs[start:i]) / (i - start)))
            start, kind = -1, ""
        if tag in ("B", "I") and not continues:
            start, kind = i, typ
    return spans


# "al-Sham", "d'Ivoire": a particle glued to the capitalised name after it is one word with it.
_PARTICLE_BEFORE = re.compile(r"(?:^|\W)(?:al|el|Al|El|ad|ash|as|at|an|ar|az|ibn|bin|d|l)$")


def _particle_mark(text: str, pos: int) -> bool:
    """Whether text[pos] is the hyphen or apostrophe between a particle and a capitalised name."""
    return (
        text[pos] in "-'’"
        and pos + 1 < len(text)
        and text[pos + 1].isupper()
        and bool(_PARTICLE_BEFORE.search(text[max(0, pos - 4) : pos]))
    )


def _continues(text: str, offsets: list[tuple[int, int]], i: int) -> bool:
    """Whether token i is glued to token i-1 inside one word ("sanc" "##tion", "U" "." "S", "al" "-" "Sham")."""
    if i <= 0 or i >= len(offsets) or offsets[i][0] != offsets[i - 1][1]:
        return False
    before, after = text[offsets[i - 1][1] - 1], text[offsets[i][0]]
    if before.isalnum() and after.isalnum():
        return True
    if _particle_mark(text, offsets[i][0]) or _particle_mark(text, offsets[i - 1][1] - 1):
        return True
    # a lone letter, not a word's last piece ("U" "." in "U.S.", not "macro" "##n" "." in "Macron.")
    prev_begin = offsets[i - 1][0]
    prev_lone_letter = offsets[i - 1][1] - prev_begin == 1 and (prev_begin == 0 or not text[prev_begin - 1].isalnum())
    next_len = offsets[i][1] - offsets[i][0]
    return (after == "." and before.isalpha() and prev_lone_letter) or (
        before == "." and after.isalpha() and next_len == 1
    )


def _whole_words(text: str, offsets: list[tuple[int, int]], first: int, end: int) -> tuple[int, int]:
    """Widen a token range [first, end) to word boundaries; cut it at its first line break."""
    while _continues(text, offsets, first):
        first -= 1
    while _continues(text, offsets, end):
        end += 1
    for i in range(first + 1, end):
        if "\n" in text[offsets[i - 1][1] : offsets[i][0]]:
            return first, i
    return first, end


_CONNECTORS = ("of", "for")


def join_fragments(text: str, offsets: list[tuple[int, int]], spans: list[SpanPrediction]) -> list[SpanPrediction]:
    """Entity spans the tagger cut inside one name, joined back: "Rhythm of" + "Eurasia", "United" +
    "World International", "Central Bank of" + "Nicaragua"; "of American States" widened to the
    capitalised words before it ("Organization of American States")."""
    joined: list[SpanPrediction] = []
    for span in (_widen_left(text, offsets, s) for s in spans):
        if joined and _one_name(text, joined[-1], span):
            joined[-1] = _join(text, joined[-1], span)
        else:
            joined.append(span)
    return joined


def _one_name(text: str, left: SpanPrediction, right: SpanPrediction) -> bool:
    gap = text[left.end : right.begin]
    if not gap or gap.strip(" ") or not text[right.begin].isupper() or left.end_token > right.first_token:
        return False
    left_words, right_words = text[left.begin : left.end].split(), text[right.begin : right.end].split()
    if left_words[-1] in _CONNECTORS:  # "Central Bank of" + "Nicaragua", not "Lopez Obrador of" + "Mexico"
        return left.label != "PERSON" and len(left_words) > 1
    if not left_words[0][:1].isupper() or country_code(" ".join(right_words)):
        return False  # "Moscow Russia", "the Kremlin Putin"
    if right.label == "PERSON":  # a name after an office or another full name: "Law Enforcement Heidi Fulton"
        return left.label == "PERSON" and len(left_words) == 1 and len(right_words) == 1
    # A country followed by a name ("U.S. Treasury") stays two mentions.
    return not (left.label == "COUNTRY" and country_code(" ".join(left_words)))


def _join(text: str, left: SpanPrediction, right: SpanPrediction) -> SpanPrediction:
    if country_code(text[left.begin : right.end]):
        label = "COUNTRY"  # "Russian Federation"
    elif set(text[left.begin : left.end].split()) & set(_CONNECTORS):
        label = left.label  # the head comes first: "Central Bank of Nicaragua"
    elif left.label == "PERSON":
        label = "PERSON"  # "Alisher" + "Usmanov"
    else:
        label = right.label  # the head comes last: "United World International"
    n_left, n_right = left.end_token - left.first_token, right.end_token - right.first_token
    confidence = (left.confidence * n_left + right.confidence * n_right) / (n_left + n_right)
    return SpanPrediction(left.begin, right.end, label, confidence, left.first_token, right.end_token)


def _widen_left(text: str, offsets: list[tuple[int, int]], span: SpanPrediction) -> SpanPrediction:
    """A span starting with "of"/"for" takes the capitalised words right before it (at most 4): the
    head of such a name is an organisation's ("Organization of", "Ministry of"); with none there,
    the connector goes."""
    if text[span.begin : span.end].split()[0] not in _CONNECTORS:
        return span
    first = span.first_token
    while first > 0 and span.first_token - first < 4:
        begin, end = offsets[first - 1]
        word = text[begin:end]
        if not word[:1].isupper() or text[end : offsets[first][0]] != " " or word in ("The", "A"):
            break
        first -= 1
    if first == span.first_token:  # nothing to take: drop the connector ("governments of Australia")
        rest = next((t for t in range(first + 1, span.end_token) if text[offsets[t][0]].isalnum()), None)
        if rest is None:
            return span
        return SpanPrediction(offsets[rest][0], span.end, span.label, span.confidence, rest, span.end_token)
    return SpanPrediction(offsets[first][0], span.end, "ORGANIZATION", span.confidence, first, span.end_token)


class _Pair(NamedTuple):
    trigger: int  # index into triggers
    entity: int  # index into entities
    trigger_span: WindowSpan
    entity_span: WindowSpan  # in the same window
    context: bool  # the entity is in the sentence before the trigger's


@dataclass
class _Job:
    text: str
    doc: TokenizedDocument
    sentences: list[tuple[int, int]]
    windows: list[Window]
    owner: list[int]
    hidden: list[torch.Tensor] = field(default_factory=list)  # per window, [len+2, hidden]


class _WindowStates:
    """The hidden states of all windows of one document, stacked into one [positions, hidden] tensor
    so that gathering token or span states costs a few tensor operations per document."""

    def __init__(self, job: _Job) -> None:
        self.windows = job.windows
        self.flat = torch.cat(job.hidden)
        self.base = list(itertools.accumulate((len(h) for h in job.hidden), initial=0))  # window -> first row

    def tokens(self, owner: list[int]) -> torch.Tensor:
        """Each document token's state, from the window that owns it."""
        return self.flat[[self.base[w] + t - self.windows[w].start + 1 for t, w in enumerate(owner)]]

    def cls(self, spans: list[WindowSpan]) -> torch.Tensor:
        """The [CLS] state of each span's window."""
        return self.flat[[self.base[w] for w, _, _ in spans]]

    def means(self, spans: list[WindowSpan]) -> torch.Tensor:
        """Mean state over each span's positions: one gather and one scatter-add for all spans."""
        rows = [self.base[w] + p for w, first, end in spans for p in range(first, end)]
        segments = torch.tensor([i for i, (_, first, end) in enumerate(spans) for _ in range(first, end)])
        lengths = torch.tensor([max(end - first, 1) for _, first, end in spans], dtype=self.flat.dtype)
        sums = self.flat.new_zeros((len(spans), self.flat.size(-1))).index_add_(0, segments, self.flat[rows])
        return sums / lengths[:, None]


# Windows are padded to a width that depends on their own length only (a multiple of
# PADDING_STEP tokens), and only windows of one width share a forward pass: a window then gets
# bit-identical hidden states alone or batched with any others. Padding to the batch's longest
# window would not: attention over a longer padded row sums in another order, and the int8 layers
# (model.int8) can turn such a last-bit difference into a different rounding step.
PADDING_STEP = 32


def padded_width(window: Window) -> int:
    """Positions of the window's forward pass: its tokens, [CLS] and [SEP], rounded up."""
    return -(-(len(window) + 2) // PADDING_STEP) * PADDING_STEP


def length_buckets(items: list[tuple[_Job, Window]], batch_size: int) -> list[list[tuple[_Job, Window]]]:
    """Windows grouped by padded width, in batches of at most `batch_size`."""
    by_width: dict[int, list[tuple[_Job, Window]]] = {}
    for item in items:
        by_width.setdefault(padded_width(item[1]), []).append(item)
    return [
        group[start : start + batch_size]
        for _, group in sorted(by_width.items())
        for start in range(0, len(group), batch_size)
    ]


class Predictor:
    def __init__(
        self,
        model: LoadedModel,
        window: int = 254,
        stride: int = 192,
        batch_size: int = 16,
        encode: Encode | None = None,
    ) -> None:
        self.model = model
        self.network = model.network
        self.tokenizer = model.tokenizer
        self.encode = encode or self.network.encode
        self.window = window
        self.stride = stride
        self.batch_size = batch_size
        self.context_sentences = bool(model.meta.get("context_sentences", False))
        # Tuned on the corpus's own dev split after training (training.tune), stored with the model.
        self.trigger_threshold = float(model.meta.get("trigger_o_threshold", 0.5))
        self.allowed_roles = {
            event: torch.tensor([r == "NONE" or r in roles for r in ROLES], dtype=torch.float64)
            for event, roles in ROLES_BY_TYPE.items()
        }

    @torch.inference_mode()
    def predict(self, documents: list[tuple[str, list[tuple[int, int]]]]) -> list[DocumentPrediction]:
        """Predictions for (text, sentence spans) pairs."""
        jobs = []
        for text, sentences in documents:
            doc = tokenize(self.tokenizer, text)
            windows = make_windows(len(doc.ids), self.window, self.stride) if doc.ids else []
            jobs.append(_Job(text, doc, sentences, windows, owners(windows, len(doc.ids))))
        self._encode(jobs)
        return [self._decode(job) for job in jobs]

    def _encode(self, jobs: list[_Job]) -> None:
        """Forward passes over all windows, batched by similar length."""
        items = [(j, w) for j in jobs for w in j.windows]
        for job in jobs:
            job.hidden = [torch.empty(0)] * len(job.windows)
        cls, sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        for chunk in length_buckets(items, self.batch_size):
            width = padded_width(chunk[0][1])
            ids = torch.zeros((len(chunk), width), dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, (job, w) in enumerate(chunk):
                tokens = [cls, *job.doc.ids[w.start : w.end], sep]
                ids[row, : len(tokens)] = torch.tensor(tokens)
                mask[row, : len(tokens)] = 1
            hidden = self.encode(ids, mask)
            for row, (job, w) in enumerate(chunk):
                job.hidden[job.windows.index(w)] = hidden[row, : len(w) + 2]

    def _spans(
        self, job: _Job, logits: torch.Tensor, labels: list[str], o_threshold: float = 0.5
    ) -> list[SpanPrediction]:
        """BIO spans; a token is outside a span only when P(O) >= `o_threshold`."""
        softmax = logits.softmax(-1)
        probs, best = softmax[:, 1:].max(-1)
        best = torch.where(softmax[:, 0] >= o_threshold, 0, best + 1)
        probs = torch.where(best == 0, softmax[:, 0], probs)
        decoded = decode_bio([labels[i] for i in best.tolist()], probs.tolist())
        offsets = job.doc.offsets
        spans: list[SpanPrediction] = []
        for a, b, kind, conf in decoded:
            a, b = _whole_words(job.text, offsets, a, b)
            if spans and spans[-1].end_token > a:  # two pieces of one word: keep one span
                continue
            spans.append(SpanPrediction(offsets[a][0], offsets[b - 1][1], kind, conf, a, b))
        return spans

    def _decode(self, job: _Job) -> DocumentPrediction:
        result = DocumentPrediction(n_tokens=len(job.doc.ids), n_windows=len(job.windows))
        if not job.doc.ids:
            return result
        states = _WindowStates(job)
        ent_logits, trig_logits, aux_logits = self.network.tag(states.tokens(job.owner))
        result.entities = join_fragments(job.text, job.doc.offsets, self._spans(job, ent_logits, ENTITY_LABELS))
        result.triggers = self._spans(job, trig_logits, TRIGGER_LABELS, self.trigger_threshold)
        result.aux = self._spans(job, aux_logits, AUX_LABELS)
        self._attributes(job, states, result)
        self._roles(job, states, result)
        return result

    def _window_span(self, job: _Job, span: SpanPrediction, w_index: int) -> WindowSpan | None:
        w = job.windows[w_index]
        if span.first_token < w.start or span.end_token > w.end:
            return None
        return w_index, span.first_token - w.start + 1, span.end_token - w.start + 1

    def _attributes(self, job: _Job, states: _WindowStates, result: DocumentPrediction) -> None:
        """Modality and action of every trigger, from its owner window, in one pass of the heads."""
        if not result.triggers:
            return
        spans = []
        for trig in result.triggers:
            w_index = job.owner[trig.first_token]
            spans.append(self._window_span(job, trig, w_index) or (w_index, 1, 2))
        modality, action = self.network.attribute_logits(states.means(spans), states.cls(spans))
        result.modality = [MODALITIES[i] for i in modality.argmax(-1).tolist()]
        result.action = [ACTIONS[i] for i in action.argmax(-1).tolist()]

    def _role_pairs(self, job: _Job, result: DocumentPrediction) -> list[_Pair]:
        """Every (trigger, entity) pair of one sentence (and, with `context_sentences`, of the
        sentence before), in the first window holding both (the trigger's owner window first);
        grouped by window."""
        by_sentence: dict[int, list[int]] = {}
        for e_index, ent in enumerate(result.entities):
            by_sentence.setdefault(sentence_index(job.sentences, ent.begin), []).append(e_index)
        pairs: dict[int, list[_Pair]] = {}
        for t_index, trig in enumerate(result.triggers):
            s_index = sentence_index(job.sentences, trig.begin)
            before = by_sentence.get(s_index - 1, []) if self.context_sentences and s_index > 0 else []
            candidates = [(e, False) for e in by_sentence.get(s_index, [])] + [(e, True) for e in before]
            for e_index, context in candidates:
                ent = result.entities[e_index]
                for w_index in [job.owner[trig.first_token], *range(len(job.windows))]:
                    t_span = self._window_span(job, trig, w_index)
                    e_span = self._window_span(job, ent, w_index)
                    if t_span and e_span:
                        pairs.setdefault(w_index, []).append(_Pair(t_index, e_index, t_span, e_span, context))
                        break
        return [pair for rows in pairs.values() for pair in rows]

    def _roles(self, job: _Job, states: _WindowStates, result: DocumentPrediction) -> None:
        """Classify every pair of `_role_pairs`, all in one pass of the role head."""
        pairs = self._role_pairs(job, result)
        if not pairs:
            return
        t_spans = [p.trigger_span for p in pairs]
        e_spans = [p.entity_span for p in pairs]
        distance = torch.tensor([e[1] - t[1] for t, e in zip(t_spans, e_spans, strict=True)])
        t_vectors, e_vectors = states.means(t_spans + e_spans).split(len(pairs))
        # One thread: the role head's first product (1,568 inputs) sums in an order that depends on
        # the number of threads for 4-196 rows (the role logits of 21 of 40 gold documents differed
        # between one and two; the other heads' products did not, for 1-1,200 rows), and the server
        # runs a document on either. So a document gets the same confidences alone or under load.
        with torch_threads(1):
            logits = self.network.role_logits(t_vectors, e_vectors, states.cls(t_spans), distance)
        probs = logits.softmax(-1).double()
        allowed = torch.stack([self.allowed_roles[result.triggers[p.trigger].label] for p in pairs])
        scores = probs * allowed
        best = scores.argmax(-1)
        confidence = scores.gather(1, best[:, None]).squeeze(1) / scores.sum(-1)
        for pair, role, conf in zip(pairs, best.tolist(), confidence.tolist(), strict=True):
            if ROLES[role] != "NONE":
                result.roles.append(RolePrediction(pair.trigger, pair.entity, ROLES[role], conf, pair.context))
