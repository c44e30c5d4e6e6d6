"""Run the network over whole documents: windows in, character-level spans, roles and attributes out.

Windows of several documents are batched together; each token's prediction comes from the
window where it is most central. Only forward passes and decoding live here; assembling events
is the engine's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from newsevents_service.engine.sentences import sentence_index

from .artifacts import LoadedModel
from .labels import ACTIONS, AUX_LABELS, ENTITY_LABELS, MODALITIES, ROLES, ROLES_BY_TYPE, TRIGGER_LABELS
from .windows import TokenizedDocument, Window, make_windows, owners, tokenize


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
        tag, _, typ = label.partition("-")
        continues = tag == "I" and typ == kind and start >= 0
        if start >= 0 and not continues:
            spans.append((start, i, kind, sum(probs[start:i]) / (i - start)))
            start, kind = -1, ""
        if tag in ("B", "I") and not continues:
            start, kind = i, typ
    return spans


def _continues(text: str, offsets: list[tuple[int, int]], i: int) -> bool:
    """Whether token i is glued to token i-1 inside one word ("sanc" "##tion", "U" "." "S")."""
    if i <= 0 or i >= len(offsets) or offsets[i][0] != offsets[i - 1][1]:
        return False
    before, after = text[offsets[i - 1][1] - 1], text[offsets[i][0]]
    if before.isalnum() and after.isalnum():
        return True
    prev_len = offsets[i - 1][1] - offsets[i - 1][0]
    next_len = offsets[i][1] - offsets[i][0]
    return (after == "." and before.isalpha() and prev_len == 1) or (
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


@dataclass
class _Job:
    text: str
    doc: TokenizedDocument
    sentences: list[tuple[int, int]]
    windows: list[Window]
    owner: list[int]
    hidden: list[torch.Tensor] = field(default_factory=list)  # per window, [len+2, hidden]


class Predictor:
    def __init__(self, model: LoadedModel, window: int = 254, stride: int = 192, batch_size: int = 16) -> None:
        self.model = model
        self.network = model.network
        self.tokenizer = model.tokenizer
        self.window = window
        self.stride = stride
        self.batch_size = batch_size
        # Tuned on the corpus's own dev split after training (training.tune), stored with the model.
        self.trigger_threshold = float(model.meta.get("trigger_o_threshold", 0.5))

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
        order = sorted(range(len(items)), key=lambda i: len(items[i][1]))
        cls, sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        for chunk_start in range(0, len(order), self.batch_size):
            chunk = [items[i] for i in order[chunk_start : chunk_start + self.batch_size]]
            width = max(len(w) for _, w in chunk) + 2
            ids = torch.zeros((len(chunk), width), dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, (job, w) in enumerate(chunk):
                tokens = [cls, *job.doc.ids[w.start : w.end], sep]
                ids[row, : len(tokens)] = torch.tensor(tokens)
                mask[row, : len(tokens)] = 1
            hidden = self.network.encode(ids, mask)
            for row, (job, w) in enumerate(chunk):
                job.hidden[job.windows.index(w)] = hidden[row, : len(w) + 2]

    def _token_logits(self, job: _Job) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        rows = []
        for t, w_index in enumerate(job.owner):
            rows.append(job.hidden[w_index][t - job.windows[w_index].start + 1])
        stacked = torch.stack(rows)
        return self.network.tag(stacked)

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
        ent_logits, trig_logits, aux_logits = self._token_logits(job)
        result.entities = self._spans(job, ent_logits, ENTITY_LABELS)
        result.triggers = self._spans(job, trig_logits, TRIGGER_LABELS, self.trigger_threshold)
        result.aux = self._spans(job, aux_logits, AUX_LABELS)
        self._attributes(job, result)
        self._roles(job, result)
        return result

    def _window_span(self, job: _Job, span: SpanPrediction, w_index: int) -> list[int] | None:
        w = job.windows[w_index]
        if span.first_token < w.start or span.end_token > w.end:
            return None
        return [0, span.first_token - w.start + 1, span.end_token - w.start + 1]

    def _attributes(self, job: _Job, result: DocumentPrediction) -> None:
        for trig in result.triggers:
            w_index = job.owner[trig.first_token]
            span = self._window_span(job, trig, w_index) or [0, 1, 2]
            hidden = job.hidden[w_index][None]
            modality, action = self.network.attributes(hidden, torch.tensor([span]))
            result.modality.append(MODALITIES[int(modality.argmax(-1))])
            result.action.append(ACTIONS[int(action.argmax(-1))])

    def _roles(self, job: _Job, result: DocumentPrediction) -> None:
        """Classify every (trigger, entity) pair of one sentence, in a window holding both."""
        by_sentence: dict[int, list[int]] = {}
        for e_index, ent in enumerate(result.entities):
            by_sentence.setdefault(sentence_index(job.sentences, ent.begin), []).append(e_index)
        pairs: dict[int, list[tuple[int, int, list[int], list[int]]]] = {}
        for t_index, trig in enumerate(result.triggers):
            for e_index in by_sentence.get(sentence_index(job.sentences, trig.begin), []):
                ent = result.entities[e_index]
                for w_index in [job.owner[trig.first_token], *range(len(job.windows))]:
                    t_span = self._window_span(job, trig, w_index)
                    e_span = self._window_span(job, ent, w_index)
                    if t_span and e_span:
                        pairs.setdefault(w_index, []).append((t_index, e_index, t_span, e_span))
                        break
        for w_index, rows in pairs.items():
            hidden = job.hidden[w_index][None]
            logits = self.network.roles(hidden, torch.tensor([r[2] for r in rows]), torch.tensor([r[3] for r in rows]))
            probs = logits.softmax(-1)
            for (t_index, e_index, _, _), p in zip(rows, probs, strict=False):
                allowed = ["NONE", *ROLES_BY_TYPE[result.triggers[t_index].label]]
                scores = {r: float(p[ROLES.index(r)]) for r in allowed}
                total = sum(scores.values())
                role = max(scores, key=lambda r: scores[r])
                if role != "NONE":
                    result.roles.append(RolePrediction(t_index, e_index, role, scores[role] / total))
