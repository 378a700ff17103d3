"""The rows of every TSV export, built from a simulated history: one row per record version.

A version holds only what was known at its instant (`upto`): the shipped version of a shipment has
no scan yet, a claim's first version is OPEN. Columns follow docs/exports.md in order.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from pipelines.lib.layout import MARKETPLACES

from ._render import Column, Table, const, money
from ._simulate import NEVER, Sim
from ._vocab import MARKETS

# The All Orders flat file's columns (as in tests/fixtures/real/all_orders_pomina_2018) plus the newer
# business columns and `buyer-email`, buyer data that the pipeline must drop on read.
ORDERS_HEADER = tuple(
    """amazon-order-id merchant-order-id purchase-date last-updated-date order-status fulfillment-channel
    sales-channel order-channel url ship-service-level product-name sku asin item-status quantity currency
    item-price item-tax shipping-price shipping-tax gift-wrap-price gift-wrap-tax item-promotion-discount
    ship-promotion-discount ship-city ship-state ship-postal-code ship-country promotion-ids is-business-order
    purchase-order-number price-designation buyer-email""".split()
)
FEEDBACK_HEADER = ("Date", "Rating", "Comments", "Your Response", "Order ID", "Rater Email")
MFN_SHIPMENTS_HEADER = (
    "amazon-order-id", "latest-ship-date", "latest-delivery-date", "shipped-at", "carrier", "tracking-number",
    "first-scan-at", "delivered-at", "last-updated-at",
)  # fmt: skip
CANCELLATIONS_HEADER = ("amazon-order-id", "cancelled-at", "cancelled-by", "reason", "last-updated-at")
CLAIMS_HEADER = ("claim-id", "amazon-order-id", "filed-at", "status", "amount", "currency", "last-updated-at")
CHARGEBACKS_HEADER = (
    "chargeback-id", "amazon-order-id", "filed-at", "type", "status", "amount", "currency", "last-updated-at",
)  # fmt: skip
RETURN_REQUESTS_HEADER = (
    "rma-id", "amazon-order-id", "requested-at", "in-policy", "responded-at", "response", "refunded-at",
    "refunded-amount", "currency", "negative-return-feedback", "last-updated-at",
)  # fmt: skip
BUYER_MESSAGES_HEADER = (
    "message-id", "thread-id", "amazon-order-id", "received-at", "responded-at", "no-response-needed",
    "last-updated-at",
)  # fmt: skip
CS_SURVEYS_HEADER = ("survey-id", "thread-id", "amazon-order-id", "answered-at", "answer")

HEADERS: dict[str, tuple[str, ...]] = {
    "orders": ORDERS_HEADER,
    "feedback": FEEDBACK_HEADER,
    "mfn_shipments": MFN_SHIPMENTS_HEADER,
    "cancellations": CANCELLATIONS_HEADER,
    "claims": CLAIMS_HEADER,
    "chargebacks": CHARGEBACKS_HEADER,
    "return_requests": RETURN_REQUESTS_HEADER,
    "buyer_messages": BUYER_MESSAGES_HEADER,
    "cs_surveys": CS_SURVEYS_HEADER,
}


def _versions(*events: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate (record index, instant) pairs of each version kind, skipping NEVER instants.

    Returns record indexes, instants and the kind (position of the pair) of every version.
    """
    recs, times, kinds = [], [], []
    for kind, (rec, ts) in enumerate(events):
        happened = ts != NEVER
        recs.append(rec[happened])
        times.append(ts[happened])
        kinds.append(np.full(int(happened.sum()), kind, dtype=np.int64))
    return np.concatenate(recs), np.concatenate(times), np.concatenate(kinds)


def upto(event: np.ndarray, version_ts: np.ndarray) -> np.ndarray:
    """The event's instant where it had happened by the version, else NEVER (an empty field)."""
    return np.where(event <= version_ts, event, NEVER)


def _text(values: np.ndarray, condition: np.ndarray, empty: str = "") -> np.ndarray:
    return np.where(condition, values, empty).astype(object)


def _const(value: str, n: int) -> np.ndarray:
    return np.full(n, value, dtype=object)


def _order_ids(sim: Sim, orders: np.ndarray) -> np.ndarray:
    """Order ids for order indexes; -1 (no order) gives the empty string."""
    if len(sim.order_id) == 0:
        return _const("", len(orders))
    return np.where(orders >= 0, sim.order_id[np.maximum(orders, 0)], "").astype(object)


def orders(sim: Sim) -> Table:
    """One row per item and version: Pending when placed, then Shipped or Cancelled."""
    n = len(sim.purchase)
    everyone = np.arange(n)
    final = np.where(sim.shipped != NEVER, sim.shipped, sim.cancelled_at)
    vo, vts, version = _versions((everyone, sim.pending), (everyone, final))
    vkind = np.where(version == 0, 0, np.where(sim.shipped[vo] != NEVER, 1, 2))  # Pending, Shipped, Cancelled

    rep = sim.n_items[vo]
    row_v = np.repeat(np.arange(len(vo)), rep)
    row_item = sim.item_start[vo][row_v] + np.arange(len(row_v)) - (np.cumsum(rep) - rep)[row_v]
    o = vo[row_v]
    kind = vkind[row_v].astype(np.int8)
    ts = vts[row_v]
    r = len(o)
    priced = kind == 1  # docs/exports.md: price fields are empty on Pending and Cancelled rows
    market = MARKETS[MARKETPLACES[sim.marketplace_id].code]
    zero = money(np.zeros(1, dtype=np.int64), sim.decimals)[0]
    sku = sim.item_sku[row_item]
    cities = market.cities
    # Columns are gathered lazily (per block of days) from order- and item-level arrays.

    def per_order(base: np.ndarray) -> Column:
        return Column(base, o)

    def price(values: np.ndarray) -> Column:
        return Column(money(values, sim.decimals), row_item, priced)

    def priced_const(value: str) -> Column:
        return Column(np.array([value], dtype=object), np.zeros(r, dtype=np.int8), priced)

    quantity = np.where(kind == 2, 0, sim.item_qty[row_item]).astype(np.int8)  # real cancelled rows say 0
    columns = [
        per_order(sim.order_id),
        per_order(sim.merchant_order_id),
        per_order(sim.purchase),
        ts,
        Column(np.array(["Pending", "Shipped", "Cancelled"], dtype=object), kind),
        per_order(np.where(sim.is_mfn, "Merchant", "Amazon").astype(object)),
        const(market.sales_channel, r),
        const("", r),
        const("", r),
        per_order(sim.ship_level),
        Column(sim.cat.name, sku),
        Column(sim.cat.sku, sku),
        Column(sim.cat.asin, sku),
        Column(np.array(["Unshipped", "Shipped", "Cancelled"], dtype=object), kind),
        Column(np.array(["0", "1", "2", "3"], dtype=object), quantity),
        priced_const(sim.currency),
        price(sim.item_price),
        price(sim.item_tax),
        price(sim.item_ship),
        price(sim.item_ship_tax),
        priced_const(zero),
        priced_const(zero),
        price(sim.item_promo),
        priced_const(zero),
        per_order(np.array([c.city for c in cities], dtype=object)[sim.city]),
        per_order(np.array([c.state for c in cities], dtype=object)[sim.city]),
        per_order(sim.postal),
        const(market.country, r),
        per_order(sim.promo_id),
        per_order(np.where(sim.business, "true", "false").astype(object)),
        per_order(sim.po_number),
        per_order(np.where(sim.business, "BusinessPrice", "").astype(object)),
        per_order(sim.buyer_email),
    ]
    return Table(ORDERS_HEADER, ts, columns)


def feedback(sim: Sim) -> Table:
    fmt = MARKETPLACES[sim.marketplace_id].feedback_date_format
    us = MARKETPLACES[sim.marketplace_id].code == "US"
    dates = []
    for i in range(sim.n_days):
        d = sim.start + timedelta(days=i)
        # US files write 7/3/25, without leading zeros, as the real reports do.
        dates.append(f"{d.month}/{d.day}/{d:%y}" if us else d.strftime(fmt))
    date_text = np.array(dates + [""], dtype=object)  # rows after the last day are never written
    day = np.clip(sim.fb_day, 0, sim.n_days)
    columns = [
        date_text[day],
        sim.fb_rating.astype(str).astype(object),
        sim.fb_comment,
        sim.fb_response,
        sim.order_id[sim.fb_order],
        sim.buyer_email[sim.fb_order],
    ]
    return Table(FEEDBACK_HEADER, sim.fb_time, columns)


def mfn_shipments(sim: Sim) -> Table:
    """A seller-fulfilled order when placed, then again when shipped, first scanned and delivered."""
    mo = np.flatnonzero(sim.is_mfn)
    vo, ts, _ = _versions(
        (mo, sim.pending[mo]), (mo, sim.shipped[mo]), (mo, sim.first_scan[mo]), (mo, sim.delivered[mo])
    )
    shipped = upto(sim.shipped[vo], ts)
    columns = [
        sim.order_id[vo],
        sim.latest_ship[vo],
        sim.latest_delivery[vo],
        shipped,
        _text(sim.carrier[vo], shipped != NEVER),
        _text(sim.tracking[vo], shipped != NEVER),
        upto(sim.first_scan[vo], ts),
        upto(sim.delivered[vo], ts),
        ts,
    ]
    return Table(MFN_SHIPMENTS_HEADER, ts, columns)


def cancellations(sim: Sim) -> Table:
    co = np.flatnonzero(sim.cancelled_at != NEVER)
    ts = sim.cancelled_at[co]
    columns = [sim.order_id[co], ts, sim.cancel_by[co], sim.cancel_reason[co], ts]
    return Table(CANCELLATIONS_HEADER, ts, columns)


def claims(sim: Sim) -> Table:
    """OPEN when filed, then GRANTED, DENIED or WITHDRAWN when decided."""
    every = np.arange(len(sim.cl_id))
    vc, ts, kind = _versions((every, sim.cl_filed), (every, sim.cl_resolved))
    columns = [
        sim.cl_id[vc],
        sim.order_id[sim.cl_order[vc]],
        sim.cl_filed[vc],
        np.where(kind == 0, "OPEN", sim.cl_status[vc]).astype(object),
        money(sim.order_total[sim.cl_order[vc]], sim.decimals),
        _const(sim.currency, len(vc)),
        ts,
    ]
    return Table(CLAIMS_HEADER, ts, columns)


def chargebacks(sim: Sim) -> Table:
    every = np.arange(len(sim.cb_id))
    vc, ts, kind = _versions((every, sim.cb_filed), (every, sim.cb_resolved))
    columns = [
        sim.cb_id[vc],
        sim.order_id[sim.cb_order[vc]],
        sim.cb_filed[vc],
        sim.cb_type[vc],
        np.where(kind == 0, "OPEN", sim.cb_status[vc]).astype(object),
        money(sim.order_total[sim.cb_order[vc]], sim.decimals),
        _const(sim.currency, len(vc)),
        ts,
    ]
    return Table(CHARGEBACKS_HEADER, ts, columns)


def return_requests(sim: Sim) -> Table:
    """Pending when requested, then the decision, the refund, and the buyer's complaint if any."""
    every = np.arange(len(sim.rr_id))
    vr, ts, _ = _versions(
        (every, sim.rr_requested),
        (every, sim.rr_responded),
        (every, sim.rr_refunded),
        (every, sim.rr_negative_at),
    )
    responded = upto(sim.rr_responded[vr], ts)
    refunded = upto(sim.rr_refunded[vr], ts)
    complained = sim.rr_negative_at[vr] <= ts
    columns = [
        sim.rr_id[vr],
        sim.order_id[sim.rr_order[vr]],
        sim.rr_requested[vr],
        sim.rr_in_policy[vr],
        responded,
        _text(sim.rr_response[vr], responded != NEVER),
        refunded,
        _text(money(sim.rr_amount[vr], sim.decimals), refunded != NEVER),
        _text(_const(sim.currency, len(vr)), refunded != NEVER),
        np.where(complained, "Y", np.where(responded != NEVER, "N", "")).astype(object),
        ts,
    ]
    return Table(RETURN_REQUESTS_HEADER, ts, columns)


def buyer_messages(sim: Sim) -> Table:
    """Unanswered when received, then answered (or marked no-response-needed)."""
    every = np.arange(len(sim.msg_id))
    vm, ts, _ = _versions((every, sim.msg_received), (every, sim.msg_responded), (every, sim.msg_no_response_at))
    columns = [
        sim.msg_id[vm],
        sim.msg_thread[vm],
        _order_ids(sim, sim.msg_order[vm]),
        sim.msg_received[vm],
        upto(sim.msg_responded[vm], ts),
        np.where(sim.msg_no_response_at[vm] <= ts, "Y", "N").astype(object),
        ts,
    ]
    return Table(BUYER_MESSAGES_HEADER, ts, columns)


def cs_surveys(sim: Sim) -> Table:
    ts = sim.sv_answered
    columns = [sim.sv_id, sim.sv_thread, _order_ids(sim, sim.sv_order), ts, sim.sv_answer]
    return Table(CS_SURVEYS_HEADER, ts, columns)


BUILDERS = {
    "orders": orders,
    "feedback": feedback,
    "mfn_shipments": mfn_shipments,
    "cancellations": cancellations,
    "claims": claims,
    "chargebacks": chargebacks,
    "return_requests": return_requests,
    "buyer_messages": buyer_messages,
    "cs_surveys": cs_surveys,
}
