"""Turn character-level examples into window tensors for the network."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import torch
from transformers import PreTrainedTokenizerFast

from newsevents_service.model.labels import ACTIONS, AUX_LABELS, ENTITY_LABELS, MODALITIES, ROLES, TRIGGER_LABELS
from newsevents_service.model.windows import TokenizedDocument, char_span_to_tokens, make_windows, tokenize

from .corpus import Example, Span

IGNORE = -100


@dataclass
class WindowFeatures:
    ids: list[int]
    entity_labels: list[int]
    trigger_labels: list[int]
    aux_labels: list[int]
    triggers: list[tuple[int, int, int, int]] = field(default_factory=list)  # first, end, modality, action
    pairs: list[tuple[int, int, int, int, int]] = field(default_factory=list)  # t first,end, e first,end, role


def _bio(labels: list[int], names: list[str], span: tuple[int, int], kind: str) -> None:
    first, end = span
    labels[first] = names.index(f"B-{kind}")
    for i in range(first + 1, end):
        labels[i] = names.index(f"I-{kind}")


def _token_spans(doc: TokenizedDocument, spans: list[Span]) -> list[tuple[int, int] | None]:
    return [char_span_to_tokens(doc, s.begin, s.end) for s in spans]


def window_features(
    tokenizer: PreTrainedTokenizerFast, example: Example, size: int, stride: int
) -> list[WindowFeatures]:
    doc = tokenize(tokenizer, example.text)
    n = len(doc.ids)
    ents = _token_spans(doc, example.entities)
    trigs = _token_spans(doc, [t.span for t in example.triggers])
    auxs = _token_spans(doc, example.aux)
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    out = []
    for w in make_windows(n, size, stride) if n else []:

        def local(span: tuple[int, int] | None, w=w) -> tuple[int, int] | None:
            if span is None or span[0] < w.start or span[1] > w.end:
                return None
            return span[0] - w.start + 1, span[1] - w.start + 1

        length = len(w) + 2
        ent_l, trig_l, aux_l = [0] * length, [0] * length, [0] * length
        for span, s in zip(ents, example.entities, strict=False):
            if (loc := local(span)) is not None:
                _bio(ent_l, ENTITY_LABELS, loc, s.label)
        for span, s in zip(auxs, example.aux, strict=False):
            if (loc := local(span)) is not None:
                _bio(aux_l, AUX_LABELS, loc, s.label)
        features = WindowFeatures([cls, *doc.ids[w.start : w.end], sep], ent_l, trig_l, aux_l)
        for t_index, (span, trig) in enumerate(zip(trigs, example.triggers, strict=False)):
            loc = local(span)
            if loc is None:
                continue
            if trig.optional:
                for i in range(*loc):
                    trig_l[i] = IGNORE
                continue
            _bio(trig_l, TRIGGER_LABELS, loc, trig.span.label)
            action = ACTIONS.index(trig.action) if trig.span.label == "SANCTION" and trig.action in ACTIONS else IGNORE
            modality = MODALITIES.index(trig.modality) if trig.modality in MODALITIES else IGNORE
            features.triggers.append((*loc, modality, action))
            for (ti, mi), role in example.roles.items():
                if ti == t_index and (e_loc := local(ents[mi])) is not None:
                    features.pairs.append((*loc, *e_loc, ROLES.index(role)))
        for i in (0, length - 1):
            ent_l[i] = trig_l[i] = aux_l[i] = IGNORE
        out.append(features)
    return out


@dataclass
class Batch:
    ids: torch.Tensor
    mask: torch.Tensor
    entity_labels: torch.Tensor
    trigger_labels: torch.Tensor
    aux_labels: torch.Tensor
    triggers: torch.Tensor  # rows: window, first, end
    modality: torch.Tensor
    action: torch.Tensor
    pair_triggers: torch.Tensor
    pair_entities: torch.Tensor
    roles: torch.Tensor


def collate(windows: list[WindowFeatures]) -> Batch:
    width = max(len(w.ids) for w in windows)

    def pad(rows: list[list[int]], value: int) -> torch.Tensor:
        return torch.tensor([r + [value] * (width - len(r)) for r in rows], dtype=torch.long)

    trig_rows, modality, action, pt, pe, roles = [], [], [], [], [], []
    for b, w in enumerate(windows):
        for first, end, mod, act in w.triggers:
            trig_rows.append([b, first, end])
            modality.append(mod)
            action.append(act)
        for tf, te, ef, ee, role in w.pairs:
            pt.append([b, tf, te])
            pe.append([b, ef, ee])
            roles.append(role)

    def rows(values: list[list[int]]) -> torch.Tensor:
        return torch.tensor(values, dtype=torch.long).reshape(-1, 3)

    return Batch(
        ids=pad([w.ids for w in windows], 0),
        mask=pad([[1] * len(w.ids) for w in windows], 0),
        entity_labels=pad([w.entity_labels for w in windows], IGNORE),
        trigger_labels=pad([w.trigger_labels for w in windows], IGNORE),
        aux_labels=pad([w.aux_labels for w in windows], IGNORE),
        triggers=rows(trig_rows),
        modality=torch.tensor(modality, dtype=torch.long),
        action=torch.tensor(action, dtype=torch.long),
        pair_triggers=rows(pt),
        pair_entities=rows(pe),
        roles=torch.tensor(roles, dtype=torch.long),
    )


def batches(windows: list[WindowFeatures], size: int, rng: random.Random) -> list[list[WindowFeatures]]:
    """Shuffled batches of windows of similar length (less padding)."""
    order = sorted(range(len(windows)), key=lambda i: (len(windows[i].ids), rng.random()))
    groups = [[windows[i] for i in order[k : k + size]] for k in range(0, len(order), size)]
    rng.shuffle(groups)
    return groups
