"""Porkchops, windows and history on a real Dask cluster (issue 9): the same results as in-process.

The cluster is a ``distributed.LocalCluster`` of 2 worker processes on this machine (one Numba thread each),
the same code path as a remote cluster: tasks are pickled, sent over TCP, run in other processes, and their
results sent back. Each chunk is a pure function of its small arguments and evaluates its own ephemeris
states, so with the same chunk size the cluster's grid is identical to the in-process grid bit for bit; with
another chunk size it agrees to 1e-12 (the tolerance issue 9 asks for; the ephemeris kernels are the same
per epoch, only the compiled kernel's vectorisation may differ at the last bit).
"""

import json

import numpy as np
import pytest
import xarray as xr

distributed = pytest.importorskip("distributed")

from tianwen.distributed import dask_client, local_cluster  # noqa: E402
from tianwen.errors import TianwenError  # noqa: E402
from tianwen.porkchop import porkchop  # noqa: E402

DEP = ("2020-05-01", "2020-09-30")
ARR = ("2020-12-01", "2021-10-31")


@pytest.fixture
def cluster(dask_cluster):
    return dask_cluster


@pytest.fixture
def client(dask_client):
    return dask_client


@pytest.mark.parametrize("ephemeris", ["de421", "analytic"])
def test_porkchop_on_cluster_is_the_in_process_grid(client, ephemeris):
    """Same chunks -> identical Dataset (values, coordinates, attributes); other chunking -> equal to 1e-12."""
    kw = dict(step_days=4.0, ephemeris=ephemeris, parking_alt_km=200.0, capture=(300.0, 33000.0))
    local = porkchop(DEP, ARR, chunk_cells=500, **kw)
    done = []
    remote = porkchop(DEP, ARR, chunk_cells=500, scheduler=client, progress=lambda d, t: done.append((d, t)), **kw)
    assert len(done) == int(np.ceil(local.sizes["departure"] / (500 // local.sizes["arrival"])))  # one per task
    assert done[-1] == (local.c3.size, local.c3.size)
    xr.testing.assert_identical(remote, local)
    whole = porkchop(DEP, ARR, **kw)  # one chunk in-process
    xr.testing.assert_allclose(remote, whole, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(remote.transfer_type.values, whole.transfer_type.values)


def test_porkchop_by_scheduler_address_and_environment(cluster, monkeypatch):
    """A scheduler address (as given to --scheduler) and $TIANWEN_SCHEDULER reach the same cluster."""
    local = porkchop(DEP, ARR, step_days=6.0, chunk_cells=400)
    by_address = porkchop(DEP, ARR, step_days=6.0, chunk_cells=400, scheduler=cluster.scheduler_address)
    xr.testing.assert_identical(by_address, local)
    monkeypatch.setenv("TIANWEN_SCHEDULER", cluster.scheduler_address)
    with distributed.Client(cluster.scheduler_address) as cl, distributed.get_task_stream(client=cl) as ts:
        by_env = porkchop(DEP, ARR, step_days=6.0, chunk_cells=400)
    xr.testing.assert_identical(by_env, local)
    assert len(ts.data) >= 2  # the chunks ran as tasks on the cluster
    # scheduler="" forces in-process even with the variable set; a scheduler and workers together are refused.
    with dask_client("") as c:
        assert c is None
    with pytest.raises(TianwenError, match="not both"):
        porkchop(DEP, ARR, step_days=6.0, scheduler=cluster.scheduler_address, workers=2)


def test_windows_and_scan_on_cluster(client):
    """Opportunity scan blocks and each opportunity's refinement as tasks: the same rows; Jupiter and Venus
    (other synodic periods) scan too."""
    from tianwen.windows import find_opportunities, windows

    local = windows(2026, 2026, origin="emb")
    remote = windows(2026, 2026, origin="emb", scheduler=client)
    assert [r.as_json() for r in remote] == [r.as_json() for r in local]
    assert [r.launch_tdb_jd for r in remote] == [r.launch_tdb_jd for r in local]
    for target in ("jupiter", "venus"):
        a = find_opportunities(2026, 2028, target=target)
        b = find_opportunities(2026, 2028, target=target, scheduler=client)
        assert [float(t.jd) for t in a] == [float(t.jd) for t in b]
        assert len(a) >= 2


def test_history_on_cluster(client):
    """The mission record's opportunities computed as tasks equal the in-process ones."""
    from tianwen.history import history

    local, s1 = history(2020, 2020)
    remote, s2 = history(2020, 2020, scheduler=client)
    assert s1 == s2
    assert [o.as_json() for o in remote] == [o.as_json() for o in local]
    assert [o.min_c3_tdb_jd for o in remote] == [o.min_c3_tdb_jd for o in local]


def test_cli_porkchop_workers_and_windows_scheduler(cluster, cli):
    """`--workers 2` starts a local cluster for the run; `--scheduler ADDRESS` uses a running one: the output
    is the in-process library's."""
    from tianwen.cli.porkchop import minima_json as _minima
    from tianwen.windows import windows

    args = ["porkchop", "--depart", "2020-06-01:2020-08-31", "--arrive", "2021-01-01:2021-08-31", "--step", "5", "--json"]
    on_cluster = cli(*args, "--workers", "2")
    assert on_cluster.returncode == 0, on_cluster.stderr
    local = porkchop(("2020-06-01", "2020-08-31"), ("2021-01-01", "2021-08-31"), step_days=5.0)
    assert json.loads(on_cluster.stdout)["minima"] == _minima(local)
    remote = cli("windows", "--from", "2028", "--to", "2028", "--json", "--scheduler", cluster.scheduler_address)
    assert remote.returncode == 0, remote.stderr
    assert json.loads(remote.stdout) == [r.as_json() for r in windows(2028, 2028)]
    bad = cli(*args, "--workers", "2", "--scheduler", cluster.scheduler_address)
    assert bad.returncode == 2 and "not both" in bad.stderr
