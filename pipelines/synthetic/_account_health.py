"""Weekly account health documents (GET_V2_SELLER_PERFORMANCE_REPORT) computed from the simulation.

Each Monday gets Amazon's view of the account as of that day's 00:00 UTC, in the shape of
tests/fixtures/real/amazon_official_examples/GET_V2_SELLER_PERFORMANCE_REPORT.example.json. Counts
come from the simulated orders with Amazon's ranges and the rules of the metrics, so over the same
range they agree with what the warehouse recomputes (marts.metric_reconciliation). Some documents use the drifted key
names real files have (`preFulfillmentCancellationRate`, `accountHealthRatingStatus`) or add
`ahrScore` and `lateShipmentRateList`.

Like real snapshots, they differ from the warehouse's own windows in ways the reconciliation
(docs/amazon-view.md) explains: Amazon's late shipment range sometimes ends two days before the
snapshot instead of one (its data a day behind), rates are sometimes rounded to four decimals,
and one day of the population exports is missing for one seller (`generate_exports`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import numpy as np

from ._simulate import DAY, NEVER, Sim


def _range(first: date, last: date) -> dict[str, str]:
    return {
        "reportingDateFrom": f"{first.isoformat()}T00:00Z",
        "reportingDateTo": f"{last.isoformat()}T23:59Z",
    }


def _status(rate: float | None, target: float, condition: str) -> str:
    if rate is None:
        return "NONE"
    good = rate < target if condition == "LESS_THAN" else rate > target
    return "GOOD" if good else "BAD"


def _rate_metric(
    window: dict[str, str],
    population: int,
    hits: int,
    count_keys: tuple[str, str],
    target: float,
    condition: str,
    digits: int = 6,
) -> dict:
    rate = hits / population if population else None
    body: dict = {"reportingDateRange": window, count_keys[0]: population, count_keys[1]: hits}
    body["status"] = _status(rate, target, condition)
    if rate is not None:
        body["rate"] = round(rate, digits)
    body["targetValue"] = target
    body["targetCondition"] = condition
    return body


class _Days:
    """Per-order UTC day indexes (relative to the first generated day), computed once per history."""

    def __init__(self, sim: Sim):
        def day(ts: np.ndarray) -> np.ndarray:
            return np.where(ts == NEVER, 10**9, (ts - sim.t0) // DAY)

        self.purchase = day(sim.purchase)
        self.latest_ship = day(sim.latest_ship)
        self.latest_delivery = day(sim.latest_delivery)
        self.shipped = day(sim.shipped)
        self.seller_cancel = np.isin(sim.cancel_by, ["SELLER", "AMAZON"])
        self.has_tracking = sim.tracking != ""


def _defects(sim: Sim, cutoff: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orders with negative feedback, a counted claim, a service chargeback, as of `cutoff`."""
    n = len(sim.purchase)
    negative = np.zeros(n, dtype=bool)
    seen = sim.fb_time < cutoff
    if seen.any():
        by_time = np.argsort(sim.fb_time[seen], kind="stable")
        orders = sim.fb_order[seen][by_time][::-1]
        ratings = sim.fb_rating[seen][by_time][::-1]
        _, latest = np.unique(orders, return_index=True)  # first in reversed time order = latest row
        negative[orders[latest]] = ratings[latest] <= 2
    claim = np.zeros(n, dtype=bool)
    counted = (sim.cl_filed < cutoff) & ((sim.cl_resolved >= cutoff) | (sim.cl_status == "GRANTED"))
    claim[sim.cl_order[counted]] = True
    chargeback = np.zeros(n, dtype=bool)
    chargeback[sim.cb_order[(sim.cb_filed < cutoff) & (sim.cb_type == "SERVICE")]] = True
    return negative, claim, chargeback


def document(sim: Sim, days: _Days, d: int, rng: np.random.Generator) -> dict:
    """The report as of day index `d` 00:00 UTC; windows end on the day before."""
    cutoff = sim.t0 + d * DAY

    def day(i: int) -> date:
        return sim.start + timedelta(days=i)

    # Drawn first and from the document's own generator: a quarter of the snapshots round rates to
    # four decimals; a third have the late shipment range end a day earlier (Amazon's data lag).
    digits = 4 if rng.random() < 0.25 else 6
    lsr_lag = 2 if rng.random() < 0.33 else 1

    negative, claim, chargeback = _defects(sim, cutoff)
    defect = negative | claim | chargeback
    in_odr = (days.purchase >= d - 74) & (days.purchase <= d - 15)
    odr: dict = {}
    for channel, mask in (("afn", ~sim.is_mfn), ("mfn", sim.is_mfn)):
        pop = in_odr & mask
        count = int(pop.sum())
        body = _rate_metric(
            _range(day(d - 74), day(d - 15)),
            count,
            int((pop & defect).sum()),
            ("orderCount", "orderWithDefects"),
            0.01,
            "LESS_THAN",
            digits,
        )
        hits = body.pop("orderWithDefects")
        body["orderWithDefects"] = {"count": hits, "status": body["status"]}
        body["claims"] = {"count": int((pop & claim).sum()), "status": "NONE"}
        body["chargebacks"] = {"count": int((pop & chargeback).sum()), "status": "NONE"}
        body["negativeFeedback"] = {"count": int((pop & negative).sum()), "status": "NONE"}
        body["fulfillmentType"] = channel
        odr[channel] = body

    not_cancelled = sim.cancelled_at >= cutoff
    late = sim.shipped > sim.latest_ship
    lsr_windows = {}
    for length in (30, 10):
        last = d - lsr_lag
        pop = sim.is_mfn & not_cancelled & (days.latest_ship >= last + 1 - length) & (days.latest_ship <= last)
        lsr_windows[length] = _rate_metric(
            _range(day(last + 1 - length), day(last)),
            int(pop.sum()),
            int((pop & late).sum()),
            ("orderCount", "lateShipmentCount"),
            0.04,
            "LESS_THAN",
            digits,
        )

    week = sim.is_mfn & (days.purchase >= d - 7) & (days.purchase <= d - 1)
    seller_cancelled = days.seller_cancel & (sim.cancelled_at < cutoff)
    cancel = _rate_metric(
        _range(day(d - 7), day(d - 1)),
        int(week.sum()),
        int((week & seller_cancelled).sum()),
        ("orderCount", "cancellationCount"),
        0.025,
        "LESS_THAN",
        digits,
    )

    shipped = sim.is_mfn & (sim.shipped < cutoff) & (days.shipped >= d - 40) & (days.shipped <= d - 11)
    valid = days.has_tracking & (sim.first_scan < cutoff)
    vtr = _rate_metric(
        _range(day(d - 40), day(d - 11)),
        int(shipped.sum()),
        int((shipped & valid).sum()),
        ("shipmentCount", "validTrackingCount"),
        0.95,
        "GREATER_THAN",
        digits,
    )
    tracked = sim.is_mfn & valid & (days.latest_delivery >= d - 40) & (days.latest_delivery <= d - 11)
    on_time = (sim.delivered < cutoff) & (sim.delivered <= sim.latest_delivery)
    otdr = _rate_metric(
        _range(day(d - 40), day(d - 11)),
        int(tracked.sum()),
        int((tracked & on_time).sum()),
        ("shipmentCountWithValidTracking", "onTimeDeliveryCount"),
        0.9,
        "GREATER_THAN",
        digits,
    )

    statuses = [odr["afn"]["status"], odr["mfn"]["status"], lsr_windows[30]["status"], cancel["status"]]
    at_risk = "BAD" in statuses
    cancel_key = "preFulfillmentCancellationRate" if rng.random() < 0.35 else "prefulfillmentCancelRate"
    ahr_status_key = "accountHealthRatingStatus" if rng.random() < 0.35 else "ahrStatus"
    with_score = rng.random() < 0.5
    with_lsr_list = rng.random() < 0.3
    score = int(rng.integers(100, 200) if at_risk else rng.integers(230, 1000))
    ahr: dict = {
        ahr_status_key: "AT_RISK" if at_risk else "GOOD",
        "reportingDateRange": _range(day(d - 180), day(d - 1)),
    }
    if with_score:
        ahr["ahrScore"] = score

    metrics: dict = {
        "lateShipmentRate": lsr_windows[30],
        cancel_key: cancel,
        "onTimeDeliveryRate": otdr,
        "validTrackingRate": vtr,
        "accountHealthRating": ahr,
        "marketplaceId": sim.marketplace_id,
        "orderDefectRate": odr,
    }
    if with_lsr_list:
        metrics["lateShipmentRateList"] = [lsr_windows[10], lsr_windows[30]]
    for policy in (
        "listingPolicyViolations",
        "productAuthenticityCustomerComplaints",
        "receivedIntellectualPropertyComplaints",
    ):
        defects = int(rng.random() < 0.03)
        metrics[policy] = {
            "reportingDateRange": _range(day(d - 180), day(d - 1)),
            "defectsCount": defects,
            "status": "BAD" if defects else "GOOD",
            "targetValue": 0,
            "targetCondition": "EQUALS",
        }
    metrics["warningState"] = []
    return {
        "accountStatuses": [{"marketplaceId": sim.marketplace_id, "status": "AT_RISK" if at_risk else "NORMAL"}],
        "performanceMetrics": [metrics],
    }


def render(
    sim: Sim, doc_rng: Callable[[int], np.random.Generator], first_day: int = 0
) -> Iterator[tuple[int, str, bytes]]:
    """(day index, file name, bytes) for every Monday from day index `first_day` on; `doc_rng(d)` gives
    the generator of the document of day index `d`."""
    days = _Days(sim)
    for d in range(first_day, sim.n_days):
        if (sim.start + timedelta(days=d)).weekday() != 0:
            continue
        doc = document(sim, days, d, doc_rng(d))
        yield d, "part-0000.json", (json.dumps(doc, indent=2) + "\n").encode("utf-8")
