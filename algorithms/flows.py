"""The backbone reverse-flow rule (防止骨干教师逆交流), written once for the whole product.

Seed 000 篇三 (Dalian) and seed 001: the number of backbone teachers going from strong schools to
ordinary or weak schools must *exceed* the number of backbone teachers leaving ordinary or weak
schools. The engine applies it to a result, the web application to its figures and, before the
fair, to a forecast (where a teacher's destination is not known yet).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["BackboneFlow", "backbone_flow"]


@dataclass(frozen=True)
class BackboneFlow:
    """Counts of the rule; ``ok`` when the first exceeds the second."""

    strong_to_other: int
    from_other: int

    @property
    def ok(self) -> bool:
        return self.strong_to_other > self.from_other


def backbone_flow(home_strong: ArrayLike, destination_strong: ArrayLike) -> BackboneFlow:
    """Apply the rule to the backbone teachers who leave their school.

    Parameters
    ----------
    home_strong : (k,) bool array
        For each leaving backbone teacher, whether their own school is a strong one (优质).
    destination_strong : (k,) bool array
        Whether they go to a strong school. A forecast, which does not know destinations yet,
        passes ``False`` (a teacher leaving a strong school is expected to go to another tier).

    Returns
    -------
    BackboneFlow

    Examples
    --------
    >>> flow = backbone_flow([True, True, False], [False, True, False])
    >>> flow.strong_to_other, flow.from_other, flow.ok
    (1, 1, False)
    """
    home = np.asarray(home_strong, dtype=bool)
    destination = np.asarray(destination_strong, dtype=bool)
    if home.shape != destination.shape or home.ndim != 1:
        raise ValueError("home_strong and destination_strong must be 1-d arrays of the same length")
    return BackboneFlow(
        strong_to_other=int(np.count_nonzero(home & ~destination)),
        from_other=int(np.count_nonzero(~home)),
    )
