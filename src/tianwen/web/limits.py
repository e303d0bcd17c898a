"""The limits that keep ``tianwen serve`` alive, in one place (the API serves them at ``GET /api/limits``).

Each is a default for :func:`tianwen.web.app.create_app` and a ``tianwen serve`` option; an environment
variable ``TIANWEN_WEB_<NAME>`` (upper case, e.g. ``TIANWEN_WEB_MAX_CELLS=400000``) overrides the default.

=========================  ===========  =====================================================================
limit                      default      why
=========================  ===========  =====================================================================
``max_cells``              200 000      porkchop cells per request: ~2 s to compute and encode, ~14 MB of JSON
                                        (~5 MB gzipped); an Earth–Mars opportunity at a 1-day step is 73 000
``max_window_days``        1 500        length of a porkchop departure or arrival window (about 4 years: an
                                        Earth–Jupiter opportunity's arrival window is 1 280 days)
``max_axis_points``        2 000        points on one porkchop axis (``n``)
``max_windows_years``      20           span of a launch-window survey (~9 Earth–Mars opportunities, ~15 s)
``max_history_years``      100          span of a mission-history request (the whole catalogue, 1960-2025)
``max_points``             2 000        points on a transfer's trajectory or on a planet's orbit, or epochs of
                                        a tracking-geometry request
``max_pass_days``          400          span over which station passes are listed (geometry view; a Mars
                                        cruise's 300 days of passes take ~2 s)
``max_geometry_days``      3 660        span of a tracking-geometry request (10 years)
``max_oem_lines``          20 000       data lines of a mission's OEM download (a smaller step is refused)
``max_opportunity_years``  250          years of opportunities the page's list offers (around today; DE421
                                        covers 150 Earth–Mars years, tabled; other cases are scanned, ~4 s)
``max_navigation_stations`` 8           stations in a navigation comparison, base and added (Tianwen-1's six
                                        over the default 97-day arc: ~6 s; nine over the whole cruise: ~70 s)
``processes``              CPUs, <= 4   compute processes: the bound on concurrent computations
``timeout_s``              60           a computation running longer is killed, its process replaced: 504
``queue_timeout_s``        60           a request waiting longer than this for a free process: 503
``max_queue``              32           requests allowed to wait at once; beyond that 503 at once
``cache_entries``          256          results kept (least recently used dropped first) ...
``cache_mb``               256          ... and their total size, MB
``max_body_bytes``         65 536       request body size: 413 above it
=========================  ===========  =====================================================================
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields


def _default_processes() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@dataclass
class Limits:
    max_cells: int = 200_000
    max_window_days: float = 1500.0
    max_axis_points: int = 2000
    max_windows_years: int = 20
    max_history_years: int = 100
    max_points: int = 2000
    max_pass_days: float = 400.0
    max_geometry_days: float = 3660.0
    max_oem_lines: int = 20_000
    max_opportunity_years: int = 250
    max_navigation_stations: int = 8
    processes: int = 0  # 0: one per CPU, at most 4
    timeout_s: float = 60.0
    queue_timeout_s: float = 60.0
    max_queue: int = 32
    cache_entries: int = 256
    cache_mb: float = 256.0
    max_body_bytes: int = 65_536

    def __post_init__(self):
        for f in fields(self):
            env = os.environ.get(f"TIANWEN_WEB_{f.name.upper()}")
            if env is not None and getattr(self, f.name) == f.default:
                setattr(self, f.name, type(f.default)(float(env)))
        if self.processes <= 0:
            self.processes = _default_processes()
        for f in fields(self):
            if not getattr(self, f.name) > 0:
                raise ValueError(f"limit {f.name} = {getattr(self, f.name)!r} must be positive")

    def as_json(self) -> dict:
        return asdict(self)

    def for_workers(self) -> dict:
        """The limits the compute functions check (the rest are the server's)."""
        keys = ("max_cells", "max_window_days", "max_axis_points", "max_windows_years", "max_history_years",
                "max_points", "max_pass_days", "max_geometry_days", "max_oem_lines", "max_opportunity_years",
                "max_navigation_stations")
        return {k: getattr(self, k) for k in keys}
