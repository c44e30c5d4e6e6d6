"""Split a whole document into overlapping model windows and map tokens back to characters.

Every token of the document lies in at least one window; for each token the window in which it
sits furthest from an edge is the one whose prediction counts (`owner`).
"""

from __future__ import annotations

from dataclasses import dataclass

from transformers import PreTrainedTokenizerFast


@dataclass(frozen=True)
class TokenizedDocument:
    ids: list[int]
    offsets: list[tuple[int, int]]  # character span of each token in the text


@dataclass(frozen=True)
class Window:
    start: int  # first document token in the window
    end: int  # one past the last document token

    def __len__(self) -> int:
        return self.end - self.start


def tokenize(tokenizer: PreTrainedTokenizerFast, text: str) -> TokenizedDocument:
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    return TokenizedDocument(list(enc["input_ids"]), [tuple(o) for o in enc["offset_mapping"]])


def make_windows(n_tokens: int, size: int, stride: int) -> list[Window]:
    """Windows of at most `size` tokens, each starting `stride` tokens after the previous one."""
    if n_tokens <= size:
        return [Window(0, n_tokens)]
    windows = []
    start = 0
    while True:
        end = min(start + size, n_tokens)
        windows.append(Window(start, end))
        if end == n_tokens:
            return windows
        start += stride


def owners(windows: list[Window], n_tokens: int) -> list[int]:
    """For each token, the index of the window where it is most central."""
    best = [0] * n_tokens
    margin = [-1] * n_tokens
    for w_index, w in enumerate(windows):
        for t in range(w.start, w.end):
            m = min(t - w.start, w.end - 1 - t)
            if m > margin[t]:
                margin[t], best[t] = m, w_index
    return best


def char_span_to_tokens(doc: TokenizedDocument, begin: int, end: int) -> tuple[int, int] | None:
    """Token range [first, last+1) covering characters [begin, end), or None."""
    inside = [i for i, (b, e) in enumerate(doc.offsets) if b < end and e > begin]
    if not inside:
        return None
    return inside[0], inside[-1] + 1
