"""Label inventories shared by the network, training and decoding."""

from __future__ import annotations

EVENT_TYPES = ["MEETING", "SANCTION", "ARMS_SALE", "AGREEMENT"]
ENTITY_TYPES = ["PERSON", "ORGANIZATION", "COUNTRY", "GROUP"]
AUX_TYPES = ["ITEM", "LOCATION"]
ROLES = ["NONE", "PARTICIPANT", "IMPOSER", "TARGET", "SELLER", "BUYER", "PARTY"]
ROLES_BY_TYPE = {
    "MEETING": ["PARTICIPANT"],
    "SANCTION": ["IMPOSER", "TARGET"],
    "ARMS_SALE": ["SELLER", "BUYER"],
    "AGREEMENT": ["PARTY"],
}
MODALITIES = ["ASSERTED", "PLANNED", "HYPOTHETICAL"]
ACTIONS = ["NONE", "IMPOSE", "LIFT", "THREATEN"]


def bio_labels(types: list[str]) -> list[str]:
    return ["O"] + [f"{prefix}-{t}" for t in types for prefix in ("B", "I")]


ENTITY_LABELS = bio_labels(ENTITY_TYPES)
TRIGGER_LABELS = bio_labels(EVENT_TYPES)
AUX_LABELS = bio_labels(AUX_TYPES)
