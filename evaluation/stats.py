"""Small statistics of the measurements: percentiles and ratios."""
from __future__ import annotations

from typing import Iterable


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation; None for no values."""
    data = sorted(values)
    if not data:
        return None
    if len(data) == 1:
        return float(data[0])
    position = (len(data) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(data) - 1)
    return float(data[low] + (data[high] - data[low]) * (position - low))


def ratio(ours: float | None, baseline: float | None) -> float | None:
    if ours is None or baseline in (None, 0):
        return None
    return ours / baseline
