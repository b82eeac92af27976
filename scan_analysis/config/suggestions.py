"""Close-match hints, kept importable here: they live in :mod:`scan_analysis.suggestions`.

The image layer's config messages need them too, and it sits below ``config``.
"""

from scan_analysis.suggestions import closest_match, did_you_mean, valid_choices

__all__ = ["closest_match", "did_you_mean", "valid_choices"]
