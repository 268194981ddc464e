"""How numbers read in tables, axes and messages: $1.2B, $350M, 1.66B, 0.175.

Number formatting at the bottom of the house, beside :mod:`sim.errors`:
figures label axes with it, the console prints tables with it and the
engine's precision messages quote money with it, and it needs only numpy.

>>> dollars(1.234e9), dollars(-350e6), dollars(12_000), compact(1.66e9), compact(0.175)
('$1.23B', '-$350M', '$12K', '1.66B', '0.175')
"""

from __future__ import annotations

import numpy as np


def dollars(value: float, _position: object = None) -> str:
    """Format dollars compactly: $1.2B, $350M, $12K."""
    if not np.isfinite(value):
        return "n/a"
    sign = "-" if value < 0 else ""
    value = abs(value)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size * 0.9995:
            return f"{sign}${value / size:.3g}{suffix}"
    return f"{sign}${value:.3g}"


def compact(value: float, _position: object = None) -> str:
    """Format a number compactly: 1.66B, 150M, 45K, 0.175 (below 10,000 in full: 5,417).

    >>> compact(987_040), compact(45_000), compact(5_417)
    ('987K', '45K', '5,417')
    """
    # Thousands only from 10,000 up (4.5K reads worse than 4,500); divided by a thousand.
    for threshold, size, suffix in ((1e12, 1e12, "T"), (1e9, 1e9, "B"), (1e6, 1e6, "M"),
                                    (1e4, 1e3, "K")):
        if abs(value) >= threshold:
            return f"{value / size:.3g}{suffix}"
    return f"{value:,.0f}" if abs(value) >= 1e3 else f"{value:.3g}"
