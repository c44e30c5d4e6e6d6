"""The joint network: MiniLM encoder, three BIO taggers, a role classifier and trigger attributes.

- entity tagger: participants' mentions (PERSON, ORGANIZATION, COUNTRY, GROUP)
- trigger tagger: event triggers (MEETING, SANCTION, ARMS_SALE, AGREEMENT)
- aux tagger: arms items and locations
- role head: for a (trigger span, entity span) pair, its role or NONE
- attribute heads: modality and sanction action of a trigger
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import BertConfig, BertModel

from .labels import ACTIONS, AUX_LABELS, ENTITY_LABELS, MODALITIES, ROLES, TRIGGER_LABELS

DISTANCE_BUCKETS = [-40, -20, -10, -5, -2, 0, 1, 3, 6, 11, 21, 41]


def distance_bucket(distance: torch.Tensor) -> torch.Tensor:
    boundaries = torch.tensor(DISTANCE_BUCKETS, device=distance.device)
    return torch.bucketize(distance, boundaries)


class EventModel(nn.Module):
    def __init__(self, config: BertConfig, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = BertModel(config, add_pooling_layer=False)
        hidden = config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.entity_tagger = nn.Linear(hidden, len(ENTITY_LABELS))
        self.trigger_tagger = nn.Linear(hidden, len(TRIGGER_LABELS))
        self.aux_tagger = nn.Linear(hidden, len(AUX_LABELS))
        self.distance = nn.Embedding(len(DISTANCE_BUCKETS) + 1, 32)
        self.role_head = nn.Sequential(
            nn.Linear(hidden * 4 + 32, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, len(ROLES))
        )
        self.modality_head = nn.Sequential(nn.Linear(hidden * 2, hidden), nn.GELU(), nn.Linear(hidden, len(MODALITIES)))
        self.action_head = nn.Sequential(nn.Linear(hidden * 2, hidden), nn.GELU(), nn.Linear(hidden, len(ACTIONS)))

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state)

    def tag(self, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.entity_tagger(hidden), self.trigger_tagger(hidden), self.aux_tagger(hidden)

    @staticmethod
    def span_vectors(hidden: torch.Tensor, spans: torch.Tensor) -> torch.Tensor:
        """Mean hidden state over each span; `spans` rows are (window, first token, end token)."""
        if spans.numel() == 0:
            return hidden.new_zeros((0, hidden.size(-1)))
        positions = torch.arange(hidden.size(1), device=hidden.device)
        mask = (positions[None, :] >= spans[:, 1:2]) & (positions[None, :] < spans[:, 2:3])
        rows = hidden[spans[:, 0]]
        return (rows * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)

    def roles(self, hidden: torch.Tensor, triggers: torch.Tensor, entities: torch.Tensor) -> torch.Tensor:
        """Role logits for aligned rows of trigger spans and entity spans (same window each)."""
        t = self.span_vectors(hidden, triggers)
        e = self.span_vectors(hidden, entities)
        cls = hidden[triggers[:, 0], 0] if triggers.numel() else t
        return self.role_logits(t, e, cls, entities[:, 1] - triggers[:, 1])

    def role_logits(
        self, trigger: torch.Tensor, entity: torch.Tensor, cls: torch.Tensor, distance: torch.Tensor
    ) -> torch.Tensor:
        """Role logits from span vectors, the window's [CLS] state and entity-minus-trigger token distance."""
        features = [trigger, entity, trigger * entity, cls, self.distance(distance_bucket(distance))]
        return self.role_head(torch.cat(features, dim=-1))

    def attributes(self, hidden: torch.Tensor, triggers: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        t = self.span_vectors(hidden, triggers)
        context = hidden[triggers[:, 0], 0] if triggers.numel() else t
        return self.attribute_logits(t, context)

    def attribute_logits(self, trigger: torch.Tensor, context: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Modality and action logits from trigger span vectors and their window's [CLS] state."""
        features = torch.cat([trigger, context], dim=-1)
        return self.modality_head(features), self.action_head(features)
