"""What the web app computes for the navigation view: the station sets compared at Mars arrival.

Run inside a compute process, as :mod:`tianwen.web.compute`: :func:`navigation` calls the library function
``tianwen navigation`` calls (:func:`tianwen.navigation.compare_stations`) and sends what it returns. It takes
seconds (a schedule of tracking passes, the measurement partials, one covariance per station set), so the
route's answers are kept in the server's result cache. No numbers are made here.
"""

from __future__ import annotations

from ..errors import TianwenError
from .compute import jsonable


def navigation(params: dict, limits: dict) -> dict:
    """B-plane 1-sigma ellipses and periapsis-altitude uncertainty at Mars of each station set: the base
    ``stations``, with delta-DOR (``ddor``), with the ``add``-ed stations, with both
    (:meth:`tianwen.navigation.NavigationReport.as_json`, full precision), over the data arc ``start``..``end``
    (default :data:`tianwen.navigation.cruise.DEFAULT_ARC`)."""
    from ..navigation import compare_stations
    from ..navigation.cruise import DEFAULT_ARC

    names = list(dict.fromkeys(list(params.get("stations") or ()) + list(params.get("add") or ())))
    cap = int(limits.get("max_navigation_stations", 8))
    if len(names) > cap:
        raise TianwenError(f"stations + add = {names}: {len(names)} stations is over this server's limit of {cap}; "
                           "compare fewer stations")
    start = params.get("start") or DEFAULT_ARC[0]
    end = params.get("end") or DEFAULT_ARC[1]
    rep = compare_stations(params.get("mission", "tianwen-1"), list(params.get("stations") or ()),
                           list(params.get("add") or ()), ddor=bool(params.get("ddor", True)), start=start, end=end)
    return jsonable(rep.as_json())
