"""Task states and analysis outcomes as a person reads them, in every place that shows them.

The files and the API keep their names (``queued``, ``claimed``, ``no_data``); terminals,
scan lists, widgets and apps say the words of the control room's status grid.
"""

from __future__ import annotations

STATE_WORDS = {"queued": "pending", "claimed": "running", "no_data": "no data"}
"""The states whose word differs from their name; the others read as they are written."""


def state_words(state: str) -> str:
    """A task state or an outcome's status in words.

    Examples
    --------
    >>> state_words("no_data"), state_words("claimed"), state_words("queued"), state_words("done")
    ('no data', 'running', 'pending', 'done')
    """
    return STATE_WORDS.get(state, state.replace("_", " "))
