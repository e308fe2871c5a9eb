"""Who is looking: the viewer's scope, handed to every query of the data-access layer."""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("national", "coordinator", "worker", "viewer")


@dataclass(frozen=True)
class Scope:
    """What one viewer may see; the data layer applies it to every query, chart and download.

    - national: every municipality, case-level rows (case ids, citizen pseudonyms, worker ids;
      no staff names), downloads.
    - coordinator: case-level rows of `municipalities` only, with their own workers' names;
      elsewhere protected aggregates.
    - worker: case-level rows of their own cases (`worker_id`) only.
    - viewer: aggregates only, always in presentation mode.
    `presentation` hides ids, names and case lists and protects every figure.
    What each sees of a figure is docs/suppression.md (applied by app/suppression.py).
    """

    role: str
    user: str = "anonymous"
    municipalities: frozenset[str] = field(default_factory=frozenset)
    worker_id: str | None = None
    presentation: bool = False

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if self.role == "worker" and not self.worker_id:
            # without an id "their own cases" would match nothing or, worse, everything
            raise ValueError("a worker scope needs the worker's id")
        if self.role == "coordinator" and not self.municipalities:
            raise ValueError("a coordinator scope needs at least one municipality")
        if self.role == "viewer" and not self.presentation:
            object.__setattr__(self, "presentation", True)

    @classmethod
    def everything(cls) -> Scope:
        """The national view: every municipality, case by case (tests, benchmarks, tools)."""
        return cls(role="national", user="national")

    @property
    def reads_audit_trail(self) -> bool:
        """The audit trail names users and what they looked at: national, not on a shared screen."""
        return self.role == "national" and self.case_level

    @property
    def case_level(self) -> bool:
        """May this viewer see case-level rows (ids, lists, individual lines) at all?"""
        return self.role != "viewer" and not self.presentation
