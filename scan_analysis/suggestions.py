"""Close-match hints for names a user typed: "did you mean ...?"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest_match(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` (case-insensitive ties count), or None.

    Examples
    --------
    >>> closest_match("UC_TopVeiw", ["UC_TopView", "UC_Spectrometer"])
    'UC_TopView'
    >>> closest_match("zzz", ["UC_TopView"]) is None
    True
    """
    choices = list(choices)
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return close[0]
    lowered = {choice.lower(): choice for choice in choices}
    return lowered.get(word.lower())


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'X'?)"`` for the closest choice, or an empty string.

    Examples
    --------
    >>> did_you_mean("priorty", ["priority", "mode"])
    " (did you mean 'priority'?)"
    """
    match = closest_match(word, choices)
    return f" (did you mean {match!r}?)" if match else ""


def valid_choices(choices: Iterable[str]) -> str:
    """The choices as one comma-separated list, or ``"none"``.

    Examples
    --------
    >>> valid_choices(["b", "a"])
    'a, b'
    """
    ordered = sorted(choices)
    return ", ".join(ordered) if ordered else "none"
