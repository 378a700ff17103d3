"""Simulating one seller in one marketplace: every order and every later event, as numpy arrays.

Times are int64 seconds since the Unix epoch (UTC); `NEVER` marks an event that does not happen.
Orders are simulated in blocks of `BLOCK_DAYS` days counted from the history's first day, each
block from its own generator seeded by (seed, seller index, marketplace, block), and ids are drawn
from running counters. Nothing about a day depends on the days after it, so a history generated up
to D and continued later is the history generated in one go (docs/operations.md). Events may fall
after the last generated day: the renderer drops them (they have not happened yet).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta

import numpy as np

from pipelines.lib.layout import MARKETPLACES

from ._vocab import (
    BRANDS,
    CANCEL_BY,
    CANCEL_REASONS,
    COMMENTS,
    MARKETS,
    PRODUCTS,
    SHIP_LEVELS_AFN,
    SHIP_LEVELS_MFN,
    VARIANTS,
)

DAY = 86_400
HOUR = 3_600
NEVER = np.int64(2**62)

_DIGITS = b"0123456789"
_UPPER_ALNUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_LOWER_ALNUM = b"abcdefghijklmnopqrstuvwxyz0123456789"
_UPPER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Share of a day's orders by local hour: quiet at night, busiest in the evening.
_LOCAL_HOUR_WEIGHTS = np.array(
    [0.35, 0.25, 0.18, 0.15, 0.15, 0.2, 0.35, 0.55, 0.75, 0.9, 1.0, 1.05,
     1.1, 1.1, 1.05, 1.05, 1.1, 1.2, 1.35, 1.5, 1.6, 1.5, 1.1, 0.65]
)  # fmt: skip

N_SKUS = 40
# Rates of the order life cycle (see the module's brief in __init__).
P_MFN = 0.6
P_CANCEL = 0.015
P_LATE_SHIP = 0.018
P_LATE_SHIP_BACKLOG = 0.085
P_TRACKING = 0.975
P_NEVER_SCANNED = 0.012
P_ON_TIME_DELIVERY = 0.94
P_ON_TIME_DELIVERY_BACKLOG = 0.86
P_FEEDBACK = 0.04
P_NEGATIVE = 0.08
P_CLAIM = 0.003
P_CHARGEBACK = 0.001
P_RETURN = 0.03
P_THREAD = 0.08
P_SURVEY = 0.3
BAD_SPELL_FACTOR = 4.0  # seller index 1: negative feedback and claims in its bad spell
BAD_SPELL_FIRST_DAY = 200  # day index in the history: late July for a history started on January 1
BAD_SPELL_DAYS = 75
# Orders are simulated a block of days at a time, each block from a generator of its own.
BLOCK_DAYS = 28
_BLOCK_STREAM = 200
_ID_STREAM = 201
# Ids are a*k + b (mod 10^digits) over a running ordinal k below this bound, which keeps a*k in int64.
_MAX_IDS = 10**9


def epoch(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


def marketplace_salt(marketplace_id: str) -> int:
    # crc32, not hash(): Python salts str hashes per process, which would break determinism.
    return zlib.crc32(marketplace_id.encode("ascii"))


def rng_for(
    seed: int, seller_index: int, marketplace_id: str, stream: int = 0, block: int | None = None
) -> np.random.Generator:
    """The generator of one stream of draws; with `block`, of that stream's draws for one block of days."""
    words = [seed, seller_index, marketplace_salt(marketplace_id), stream]
    return np.random.default_rng(words if block is None else [*words, block])


def random_strings(rng: np.random.Generator, n: int, length: int, alphabet: bytes) -> np.ndarray:
    """`n` random strings of `length` characters from `alphabet`, as an object array."""
    if n == 0:
        return np.empty(0, dtype=object)
    idx = rng.integers(0, len(alphabet), size=(n, length))
    chars = np.frombuffer(alphabet, dtype=np.uint8)[idx]
    return np.ascontiguousarray(chars).view(f"S{length}").ravel().astype(f"U{length}").astype(object)


class IdSpace:
    """Distinct, random-looking numbers in [0, modulus) for a power-of-ten `modulus`, drawn block by block.

    An affine map k -> a*k + b (mod modulus) with `a` coprime to the modulus is a bijection, so ids
    are unique without a set lookup; k is a running ordinal (shuffled within each draw), so the ids of
    later blocks never repeat earlier ones and do not depend on how many blocks follow.
    """

    def __init__(self, rng: np.random.Generator, modulus: int):
        a_max = min(modulus, (2**63 - 1) // _MAX_IDS)
        a = int(rng.integers(a_max // 3, a_max))
        a = a - a % 10 + 7  # ends in 7: coprime with every power of ten
        if a >= a_max:
            a -= 10
        self.a, self.b, self.modulus = a, int(rng.integers(0, modulus)), modulus
        self.used = 0

    def take(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.used + n > min(_MAX_IDS, self.modulus):
            raise ValueError(f"more than {min(_MAX_IDS, self.modulus):,} ids in one history")
        k = self.used + rng.permutation(n).astype(np.int64)
        self.used += n
        return (k * self.a % self.modulus + self.b) % self.modulus


def zero_padded(values: np.ndarray, width: int) -> np.ndarray:
    if len(values) == 0:
        return np.empty(0, dtype=object)
    return np.strings.zfill(values.astype(np.int64).astype(str), width).astype(object)


def _choice(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    names = np.array([o[0] for o in options], dtype=object)
    weights = np.array([o[1] for o in options])
    return names[rng.choice(len(options), size=n, p=weights / weights.sum())]


def season_factor(d: date) -> float:
    """Holiday peak: rising from November 1 to ~1.8x in early December, easing off by New Year."""
    nov1, dec5 = date(d.year, 11, 1), date(d.year, 12, 5)
    if d < nov1:
        return 1.0
    if d <= dec5:
        return 1.0 + 0.8 * (d - nov1).days / (dec5 - nov1).days
    return 1.8 - 0.7 * (d - dec5).days / 26


def is_backlog_day(d: date) -> bool:
    """The December carrier backlog every seller suffers."""
    return d.month == 12 and 10 <= d.day <= 20


@dataclass
class Catalogue:
    sku: np.ndarray
    asin: np.ndarray
    name: np.ndarray
    unit_price: np.ndarray  # minor units of the marketplace currency
    popularity: np.ndarray


def catalogue(seed: int, seller_index: int, marketplace_id: str) -> Catalogue:
    """~40 SKUs per seller; the same SKUs and ASINs in every marketplace, prices in local currency."""
    rng = np.random.default_rng([seed, seller_index, 0xCA7A])  # independent of the marketplace on purpose
    brand = BRANDS[seller_index % len(BRANDS)]
    products = rng.choice(len(PRODUCTS), size=N_SKUS, replace=False)
    variants = rng.integers(0, len(VARIANTS), size=N_SKUS)
    names = np.array(
        [f"{brand} {PRODUCTS[p]}, {VARIANTS[v]}" for p, v in zip(products.tolist(), variants.tolist(), strict=True)],
        dtype=object,
    )
    letters = random_strings(rng, N_SKUS, 3, _UPPER)
    sku = np.array([f"{letters[i]}-{1000 + 37 * i + int(products[i])}" for i in range(N_SKUS)], dtype=object)
    asin = "B0" + random_strings(rng, N_SKUS, 8, _UPPER_ALNUM)
    usd = np.clip(rng.lognormal(np.log(22.0), 0.6, N_SKUS), 6.0, 150.0)
    popularity = 1.0 / np.arange(1, N_SKUS + 1) ** 0.9
    popularity = popularity[rng.permutation(N_SKUS)]

    market = MARKETS[MARKETPLACES[marketplace_id].code]
    local = usd * market.usd_rate
    if market.decimals == 0:
        unit = (np.round(local / 10) * 10 - 20).clip(min=100).astype(np.int64)  # e.g. 2980 yen
    else:
        unit = (np.floor(local) * 100 + 99).astype(np.int64)  # charm prices: 19.99
    return Catalogue(sku, asin, names, unit, popularity / popularity.sum())


@dataclass
class Sim:
    """The full history of one seller in one marketplace. Per-order arrays have length N."""

    seller_index: int
    seller_id: str
    marketplace_id: str
    start: date
    n_days: int
    t0: int  # start, 00:00 UTC
    t_end: int  # the day after the end, 00:00 UTC: nothing at or after it is written
    offset: int  # the marketplace's local UTC offset, seconds
    currency: str
    decimals: int
    cat: Catalogue

    # orders
    order_id: np.ndarray
    merchant_order_id: np.ndarray
    buyer_email: np.ndarray
    purchase: np.ndarray
    pending: np.ndarray  # when the order first shows in the report (payment authorised)
    is_mfn: np.ndarray
    ship_level: np.ndarray
    city: np.ndarray  # index into the market's cities
    postal: np.ndarray
    business: np.ndarray
    po_number: np.ndarray
    promo_id: np.ndarray
    cancelled_at: np.ndarray
    cancel_by: np.ndarray
    cancel_reason: np.ndarray
    latest_ship: np.ndarray
    latest_delivery: np.ndarray
    shipped: np.ndarray
    carrier: np.ndarray
    tracking: np.ndarray
    first_scan: np.ndarray
    delivered: np.ndarray  # as the carrier reports it: only for scanned packages
    delivered_true: np.ndarray  # when the buyer got it (drives feedback and returns)
    order_total: np.ndarray
    n_items: np.ndarray
    item_start: np.ndarray

    # order items (length NI)
    item_order: np.ndarray
    item_sku: np.ndarray
    item_qty: np.ndarray
    item_price: np.ndarray
    item_tax: np.ndarray
    item_ship: np.ndarray
    item_ship_tax: np.ndarray
    item_promo: np.ndarray

    # feedback rows (an original, and sometimes a later revision of a negative one)
    fb_order: np.ndarray
    fb_day: np.ndarray
    fb_time: np.ndarray  # when it was left: decides its file and its place in it
    fb_rating: np.ndarray
    fb_comment: np.ndarray
    fb_response: np.ndarray

    # claims
    cl_id: np.ndarray
    cl_order: np.ndarray
    cl_filed: np.ndarray
    cl_resolved: np.ndarray
    cl_status: np.ndarray

    # chargebacks
    cb_id: np.ndarray
    cb_order: np.ndarray
    cb_filed: np.ndarray
    cb_resolved: np.ndarray
    cb_type: np.ndarray
    cb_status: np.ndarray

    # return requests
    rr_id: np.ndarray
    rr_order: np.ndarray
    rr_requested: np.ndarray
    rr_in_policy: np.ndarray
    rr_responded: np.ndarray
    rr_response: np.ndarray
    rr_refunded: np.ndarray
    rr_amount: np.ndarray
    rr_negative_at: np.ndarray

    # buyer messages
    msg_id: np.ndarray
    msg_thread: np.ndarray
    msg_order: np.ndarray  # -1: a question before buying
    msg_received: np.ndarray
    msg_responded: np.ndarray
    msg_no_response_at: np.ndarray  # when the seller marked it no-response-needed

    # customer service survey answers
    sv_id: np.ndarray
    sv_thread: np.ndarray
    sv_order: np.ndarray
    sv_answered: np.ndarray
    sv_answer: np.ndarray


def _tracking_numbers(rng: np.random.Generator, pattern: str, n: int) -> np.ndarray:
    if pattern == "usps":
        return "9400" + random_strings(rng, n, 18, _DIGITS)
    if pattern == "ups":
        return "1Z" + random_strings(rng, n, 16, _UPPER_ALNUM)
    if pattern == "dhl":
        return "00340434" + random_strings(rng, n, 12, _DIGITS)
    if pattern.startswith("s10"):  # UPU S10 postal id: 2 letters, 9 digits, country
        return random_strings(rng, n, 2, _UPPER) + random_strings(rng, n, 9, _DIGITS) + pattern[3:]
    if pattern.startswith("digits"):
        return random_strings(rng, n, int(pattern[6:]), _DIGITS)
    raise ValueError(f"unknown tracking pattern {pattern!r}")


def _reply_delay(rng: np.random.Generator, received: np.ndarray, offset: int) -> np.ndarray:
    """Seconds until the seller answers: hours on weekdays; at weekends often not before Monday."""
    n = len(received)
    local_day = (received + offset) // DAY
    weekday = (local_day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    weekend = weekday >= 5
    weekday_delay = rng.lognormal(np.log(3 * HOUR), 1.0, n)
    weekend_delay = rng.lognormal(np.log(6 * HOUR), 1.0, n)
    deferred = rng.random(n) < 0.15
    monday_9am = (local_day + (7 - weekday)) * DAY + 9 * HOUR - offset
    until_monday = monday_9am + rng.lognormal(np.log(1.5 * HOUR), 0.7, n) - received
    delay = np.where(weekend, np.where(deferred, until_monday, weekend_delay), weekday_delay)
    return np.maximum(delay, 120).astype(np.int64)


def _replies(
    rng: np.random.Generator, received: np.ndarray, offset: int, p_no_response: float
) -> tuple[np.ndarray, np.ndarray]:
    n = len(received)
    no_response = rng.random(n) < p_no_response
    never = rng.random(n) < 0.01
    delay = _reply_delay(rng, received, offset)
    responded = np.where(no_response | never, NEVER, received + delay)
    marked_at = np.where(no_response, received + rng.integers(10 * 60, 8 * HOUR, n), NEVER)
    return responded, marked_at


def _day_flags(start: date, first: int, last: int, flag) -> np.ndarray:
    """`flag(date)` for day indexes first..last (relative to start), as a lookup array."""
    return np.array([flag(start + timedelta(days=i)) for i in range(first, last + 1)])


@dataclass
class _Ids:
    """One id space per kind of record, shared by every block of a history."""

    order: IdSpace
    claim: IdSpace
    chargeback: IdSpace
    rma: IdSpace
    thread: IdSpace
    message: IdSpace
    survey: IdSpace


# Sim fields holding order indexes (-1: no order) and item indexes: shifted when blocks are joined.
_ORDER_INDEX_FIELDS = ("item_order", "fb_order", "cl_order", "cb_order", "rr_order", "msg_order", "sv_order")
_ITEM_INDEX_FIELDS = ("item_start",)


def simulate(
    start: date,
    end: date,
    seller_index: int,
    seller_id: str,
    marketplace_id: str,
    orders_per_day: int,
    seed: int,
) -> Sim:
    """The history from `start` (its first day) to `end`: the orders of every block, and their events.

    The last block is simulated whole; its orders after `end` are in the arrays but, like every event
    after `end`, never written. So the days up to `end` do not depend on `end`.
    """
    n_days = (end - start).days + 1
    id_rng = rng_for(seed, seller_index, marketplace_id, _ID_STREAM)
    ids = _Ids(*(IdSpace(id_rng, 10**digits) for digits in (14, 10, 10, 10, 11, 12, 10)))
    cat = catalogue(seed, seller_index, marketplace_id)
    blocks = []
    for block in range(-(-n_days // BLOCK_DAYS)):
        rng = rng_for(seed, seller_index, marketplace_id, _BLOCK_STREAM, block)
        first = block * BLOCK_DAYS
        blocks.append(
            _simulate_block(
                start + timedelta(days=first), first, seller_index, seller_id, marketplace_id, orders_per_day, rng,
                cat, ids,
            )
        )  # fmt: skip
    return _join(blocks, start, n_days)


def _join(blocks: list[Sim], start: date, n_days: int) -> Sim:
    """One Sim of consecutive blocks: arrays concatenated, order and item indexes shifted."""
    first = blocks[0]
    t0 = epoch(start)
    joined: dict = {}
    orders_before = np.cumsum([0] + [len(b.purchase) for b in blocks])
    items_before = np.cumsum([0] + [len(b.item_order) for b in blocks])
    for f in fields(Sim):
        values = [getattr(b, f.name) for b in blocks]
        if not isinstance(values[0], np.ndarray):
            joined[f.name] = values[0]
            continue
        if f.name in _ORDER_INDEX_FIELDS:
            values = [np.where(v >= 0, v + orders_before[i], v) for i, v in enumerate(values)]
        elif f.name in _ITEM_INDEX_FIELDS:
            values = [v + items_before[i] for i, v in enumerate(values)]
        joined[f.name] = np.concatenate(values)
    joined.update(start=start, n_days=n_days, t0=t0, t_end=t0 + n_days * DAY, cat=first.cat)
    joined["fb_day"] = (joined["fb_time"] - t0) // DAY
    return Sim(**joined)


def _simulate_block(
    start: date,
    first_day: int,
    seller_index: int,
    seller_id: str,
    marketplace_id: str,
    orders_per_day: int,
    rng: np.random.Generator,
    cat: Catalogue,
    ids: _Ids,
) -> Sim:
    """The orders placed in the `BLOCK_DAYS` days from `start` (day `first_day` of the history)."""
    mp = MARKETPLACES[marketplace_id]
    market = MARKETS[mp.code]
    n_days = BLOCK_DAYS
    t0 = epoch(start)
    offset = mp.utc_offset_hours * HOUR

    # --- order volume per day
    days = [start + timedelta(days=i) for i in range(n_days)]
    weekly = np.array([1.15 if d.weekday() >= 5 else 1.0 for d in days])
    season = np.array([season_factor(d) for d in days])
    volume = orders_per_day * weekly * season * rng.lognormal(0.0, 0.08, n_days)
    counts = rng.poisson(volume)
    order_day = np.repeat(np.arange(n_days, dtype=np.int64), counts)
    n = len(order_day)

    # --- orders
    hour_weights = np.roll(_LOCAL_HOUR_WEIGHTS, -mp.utc_offset_hours)  # weight of each UTC hour
    hours = rng.choice(24, size=n, p=hour_weights / hour_weights.sum())
    purchase = t0 + order_day * DAY + hours * HOUR + rng.integers(0, HOUR, n)
    purchase.sort()  # order_day is already ascending, so sorting keeps each order on its day
    pending = purchase + rng.integers(20, 40 * 60, n)

    first_order = ids.order.used
    numbers = ids.order.take(rng, n)
    prefixes = np.array(market.order_prefixes)[rng.integers(0, len(market.order_prefixes), n)]
    order_id = (
        prefixes.astype(str).astype(object)
        + "-"
        + zero_padded(numbers // 10**7, 7)
        + "-"
        + zero_padded(numbers % 10**7, 7)
    )
    is_mfn = rng.random(n) < P_MFN
    serial = zero_padded(first_order + np.arange(n) + 100_001, 7)
    merchant_order_id = np.where(is_mfn, f"SO{seller_index + 1}-" + serial, "")
    buyer_email = random_strings(rng, n, 15, _LOWER_ALNUM) + "@marketplace.amazon.com"
    ship_level = np.where(is_mfn, _choice(rng, SHIP_LEVELS_MFN, n), _choice(rng, SHIP_LEVELS_AFN, n))
    city = rng.integers(0, len(market.cities), n)
    postal_base = np.array([c.postal for c in market.cities], dtype=object)[city]
    plus4 = "-" + random_strings(rng, n, 4, _DIGITS)
    postal = np.where((market.code == "US") & (rng.random(n) < 0.5), postal_base + plus4, postal_base)
    business = rng.random(n) < 0.03
    po_number = np.where(business & (rng.random(n) < 0.5), "PO-" + random_strings(rng, n, 6, _DIGITS), "")
    has_promo = rng.random(n) < 0.05
    promo_id = np.where(has_promo, "Coupon-" + random_strings(rng, n, 8, _UPPER_ALNUM), "")

    # --- items
    n_items = rng.choice([1, 2, 3], size=n, p=[0.8, 0.15, 0.05])
    item_start = np.cumsum(n_items) - n_items
    item_order = np.repeat(np.arange(n), n_items)
    ni = len(item_order)
    item_pos = np.arange(ni) - item_start[item_order]
    first_sku = rng.choice(N_SKUS, size=n, p=cat.popularity)
    # A step below half the catalogue makes first, first+step and first+2*step three distinct SKUs: the
    # report's key is (order, sku).
    step = rng.integers(1, N_SKUS // 2, n)
    item_sku = (first_sku[item_order] + item_pos * step[item_order]) % N_SKUS
    item_qty = rng.choice([1, 2, 3], size=ni, p=[0.86, 0.1, 0.04])
    item_price = cat.unit_price[item_sku] * item_qty
    if market.vat_included:
        item_tax = np.round(item_price * market.vat_included).astype(np.int64)
    else:
        rates = np.array([c.tax_rate for c in market.cities])[city]
        item_tax = np.round(item_price * rates[item_order]).astype(np.int64)
    subtotal = np.bincount(item_order, weights=item_price, minlength=n)
    unit = 10**market.decimals
    free_shipping = subtotal >= 25 * market.usd_rate * unit
    fee = int(round(market.shipping_fee * unit))
    order_ship = np.where(is_mfn & ~free_shipping, fee, 0)
    item_ship = np.where(item_pos == 0, order_ship[item_order], 0).astype(np.int64)
    ship_tax_rate = market.vat_included or 0.0
    item_ship_tax = np.round(item_ship * ship_tax_rate).astype(np.int64)
    item_promo = np.where(has_promo[item_order], -np.round(item_price * 0.1), 0).astype(np.int64)
    order_total = (subtotal + order_ship).astype(np.int64)

    # --- cancellations (before anything ships)
    cancelled = rng.random(n) < P_CANCEL
    by = _choice(rng, CANCEL_BY, n)
    reason_pick = rng.integers(0, 1000, n)
    cancel_reason = np.array(
        [CANCEL_REASONS[b][r % len(CANCEL_REASONS[b])] for b, r in zip(by.tolist(), reason_pick.tolist(), strict=True)],
        dtype=object,
    )
    cancelled_at = np.where(cancelled, pending + 60 + rng.integers(6 * 60, 48 * HOUR, n), NEVER)

    # --- seller-fulfilled shipping: promise, ship confirmation, carrier scans, delivery
    backlog_lookup = _day_flags(start, -3, n_days + 20, is_backlog_day)
    local_midnight = (purchase + offset) // DAY * DAY - offset
    handling = rng.choice([1, 2], size=n, p=[0.65, 0.35])
    latest_ship = local_midnight + handling * DAY + DAY - 1  # 23:59:59 local on the ship-by day
    latest_delivery = latest_ship + rng.integers(3, 7, n) * DAY
    lsd_day = np.clip((latest_ship - t0) // DAY, -3, n_days + 20) + 3
    backlog = backlog_lookup[lsd_day]
    late = rng.random(n) < np.where(backlog, P_LATE_SHIP_BACKLOG, P_LATE_SHIP)
    earliest = pending + 5 * 60
    on_time_ship = (earliest + rng.beta(1.6, 2.4, n) * np.maximum(latest_ship - 30 * 60 - earliest, 60)).astype(
        np.int64
    )
    # Warehouses confirm shipments in working hours (08:00-20:00 local): move night-time confirmations
    # to the next morning, unless that would miss the ship-by deadline.
    local_ship = on_time_ship + offset
    hour = local_ship % DAY // HOUR
    next_morning = np.where(hour < 8, 0, DAY) + local_ship // DAY * DAY + 8 * HOUR - offset
    next_morning = next_morning + rng.integers(0, 4 * HOUR, n)
    night = (hour < 8) | (hour >= 20)
    on_time_ship = np.where(night & (next_morning < latest_ship - 30 * 60), next_morning, on_time_ship)
    late_ship = latest_ship + 60 + np.minimum(rng.exponential(14 * HOUR, n), 4 * DAY)
    mfn_shipped = is_mfn & ~cancelled
    afn_shipped = ~is_mfn & ~cancelled
    afn_ship = pending + rng.integers(3 * HOUR, 30 * HOUR, n)
    shipped = np.where(
        mfn_shipped,
        np.where(late, late_ship, on_time_ship).astype(np.int64),
        np.where(afn_shipped, afn_ship, NEVER),
    )

    carriers = market.carriers
    weights = np.array([c.weight for c in carriers])
    carrier_idx = rng.choice(len(carriers), size=n, p=weights / weights.sum())
    has_tracking = rng.random(n) < P_TRACKING
    tracking = np.full(n, "", dtype=object)
    for i, c in enumerate(carriers):
        sel = np.flatnonzero(carrier_idx == i)
        tracking[sel] = _tracking_numbers(rng, c.tracking, len(sel))
    tracking = np.where(mfn_shipped & has_tracking, tracking, "")
    carrier = np.array([c.name for c in carriers], dtype=object)[carrier_idx]
    # Without a tracking number the shipping software sometimes records no carrier either.
    carrier = np.where(mfn_shipped & (has_tracking | (rng.random(n) < 0.6)), carrier, "")

    never_scanned = rng.random(n) < P_NEVER_SCANNED
    scanned = mfn_shipped & has_tracking & ~never_scanned
    first_scan = np.where(scanned, shipped + rng.integers(2 * HOUR, 24 * HOUR, n), NEVER)

    ship_day = np.clip((shipped - t0) // DAY, -3, n_days + 20) + 3
    on_time = rng.random(n) < np.where(backlog_lookup[ship_day], P_ON_TIME_DELIVERY_BACKLOG, P_ON_TIME_DELIVERY)
    transit = rng.integers(2 * DAY, 5 * DAY, n)
    deadline = latest_delivery - rng.integers(0, 6 * HOUR, n)
    in_time = np.maximum(np.minimum(shipped + transit, deadline), shipped + 26 * HOUR)
    too_late = np.maximum(shipped + transit, latest_delivery + rng.integers(2 * HOUR, 72 * HOUR, n))
    mfn_delivered = np.where(on_time, in_time, too_late)
    afn_delivered = shipped + rng.integers(1 * DAY, 3 * DAY, n)
    delivered_true = np.where(mfn_shipped, mfn_delivered, np.where(afn_shipped, afn_delivered, NEVER))
    delivered = np.where(scanned, delivered_true, NEVER)

    # --- seller index 1 has a bad spell from day 200 of its history: 4x negative feedback and claims
    # for 75 days. Only part of an order's feedback and claims has arrived when the 60-day ODR window
    # is measured, so a smaller factor would barely touch the 1% target.
    bad = np.zeros(n, dtype=bool)
    if seller_index == 1:
        history_day = first_day + order_day
        bad = (history_day >= BAD_SPELL_FIRST_DAY) & (history_day < BAD_SPELL_FIRST_DAY + BAD_SPELL_DAYS)
    defect_factor = np.where(bad, BAD_SPELL_FACTOR, 1.0)

    # --- feedback
    comments = _comments(market.language)
    fo = np.flatnonzero((delivered_true != NEVER) & (rng.random(n) < P_FEEDBACK))
    fb_time = delivered_true[fo] + rng.integers(1 * DAY, 31 * DAY, len(fo))
    negative = rng.random(len(fo)) < P_NEGATIVE * defect_factor[fo]
    rating = np.where(
        negative,
        rng.choice([1, 2], size=len(fo), p=[0.6, 0.4]),
        rng.choice([3, 4, 5], size=len(fo), p=[0.06, 0.19, 0.75]),
    )
    kind = np.where(rating <= 2, "negative", np.where(rating == 3, "neutral", "positive"))
    comment = _pick_text(rng, comments, kind)
    responded_fb = rng.random(len(fo)) < np.where(negative, 0.4, 0.03)
    response = np.where(responded_fb, _pick_text(rng, comments, np.full(len(fo), "response")), "")
    # A buyer whose problem was solved sometimes revises a negative rating (a later row replaces it).
    revised = negative & (rng.random(len(fo)) < 0.1)
    ro = np.flatnonzero(revised)
    rev_time = fb_time[ro] + rng.integers(2 * DAY, 21 * DAY, len(ro))
    fb_order = np.concatenate([fo, fo[ro]])
    fb_time_all = np.concatenate([fb_time, rev_time])
    fb_rating = np.concatenate([rating, rng.choice([4, 5], size=len(ro))])
    fb_comment = np.concatenate([comment, _pick_text(rng, comments, np.full(len(ro), "revised"))])
    fb_response = np.concatenate([response, response[ro]])

    # --- A-to-z claims
    co = np.flatnonzero(~cancelled & (rng.random(n) < P_CLAIM * defect_factor))
    cl_filed = purchase[co] + rng.integers(5 * DAY, 40 * DAY, len(co))
    cl_resolved = cl_filed + rng.integers(5 * DAY, 20 * DAY, len(co))
    cl_status = _choice(rng, (("GRANTED", 0.4), ("DENIED", 0.4), ("WITHDRAWN", 0.2)), len(co))
    cl_id = "AZ" + zero_padded(ids.claim.take(rng, len(co)), 10)

    # --- chargebacks
    bo = np.flatnonzero(~cancelled & (rng.random(n) < P_CHARGEBACK))
    cb_filed = purchase[bo] + rng.integers(20 * DAY, 60 * DAY, len(bo))
    cb_resolved = cb_filed + rng.integers(7 * DAY, 30 * DAY, len(bo))
    cb_type = _choice(rng, (("SERVICE", 0.7), ("FRAUD", 0.3)), len(bo))
    cb_status = _choice(rng, (("ACCEPTED", 0.4), ("REPRESENTED", 0.4), ("CLOSED", 0.2)), len(bo))
    cb_id = "CB" + zero_padded(ids.chargeback.take(rng, len(bo)), 10)

    # --- return requests (seller-fulfilled orders)
    ro_ = np.flatnonzero(mfn_shipped & (rng.random(n) < P_RETURN))
    m = len(ro_)
    rr_requested = delivered_true[ro_] + rng.integers(2 * DAY, 20 * DAY, m)
    in_policy = rng.random(m) < 0.9
    speed = rng.choice(3, size=m, p=[0.93, 0.05, 0.02])  # in hours, after 48 h, never
    quick = np.clip(rng.lognormal(np.log(5 * HOUR), 0.9, m), 10 * 60, 47 * HOUR).astype(np.int64)
    slow = rng.integers(49 * HOUR, 120 * HOUR, m)
    rr_responded = np.where(speed == 0, rr_requested + quick, np.where(speed == 1, rr_requested + slow, NEVER))
    in_policy_response = _choice(rng, (("AUTHORIZED", 0.9), ("REJECTED", 0.04), ("CLOSED", 0.06)), m)
    out_policy_response = _choice(rng, (("AUTHORIZED", 0.4), ("REJECTED", 0.5), ("CLOSED", 0.1)), m)
    rr_response = np.where(rr_responded == NEVER, "", np.where(in_policy, in_policy_response, out_policy_response))
    refund = (rr_response == "AUTHORIZED") & (rng.random(m) < 0.9)
    rr_refunded = np.where(refund, rr_responded + rng.integers(2 * DAY, 10 * DAY, m), NEVER)
    partial = rng.random(m) < 0.1
    subtotal_i = subtotal.astype(np.int64)[ro_]
    rr_amount = np.where(partial, subtotal_i // 2, subtotal_i)
    negative_return = rng.random(m) < 0.03
    last_step = np.maximum(rr_requested, np.where(rr_responded == NEVER, 0, rr_responded))
    last_step = np.maximum(last_step, np.where(rr_refunded == NEVER, 0, rr_refunded))
    rr_negative_at = np.where(negative_return, last_step + rng.integers(1 * DAY, 7 * DAY, m), NEVER)
    rr_id = "RMA" + zero_padded(ids.rma.take(rng, m), 10)

    # --- buyer messages: threads on orders plus questions before buying
    to = np.flatnonzero(rng.random(n) < P_THREAD)
    order_first = purchase[to] + rng.integers(10 * 60, 10 * DAY, len(to))
    presale_counts = rng.poisson(volume * 0.012)
    presale_day = np.repeat(np.arange(n_days, dtype=np.int64), presale_counts)
    presale_first = t0 + presale_day * DAY + rng.integers(0, DAY, len(presale_day))
    thread_order = np.concatenate([to, np.full(len(presale_day), -1)])
    first_received = np.concatenate([order_first, presale_first])
    n_threads = len(thread_order)
    thread_id = "T" + zero_padded(ids.thread.take(rng, n_threads), 11)
    first_responded, first_marked = _replies(rng, first_received, offset, 0.10)
    # A follow-up after the seller's reply, on some order threads.
    follow = np.flatnonzero((thread_order >= 0) & (first_responded != NEVER) & (rng.random(n_threads) < 0.3))
    second_received = first_responded[follow] + rng.integers(2 * HOUR, 72 * HOUR, len(follow))
    second_responded, second_marked = _replies(rng, second_received, offset, 0.25)
    msg_thread_idx = np.concatenate([np.arange(n_threads), follow])
    msg_received = np.concatenate([first_received, second_received])
    msg_responded = np.concatenate([first_responded, second_responded])
    msg_marked = np.concatenate([first_marked, second_marked])
    msg_id = "M" + zero_padded(ids.message.take(rng, len(msg_thread_idx)), 12)

    # --- "Did this solve your problem?" answers after a reply
    so = np.flatnonzero((first_responded != NEVER) & (rng.random(n_threads) < P_SURVEY))
    sv_answered = first_responded[so] + rng.integers(0, 3 * DAY, len(so))
    sv_answer = np.where(rng.random(len(so)) < 0.8, "YES", "NO").astype(object)
    sv_id = "S" + zero_padded(ids.survey.take(rng, len(so)), 10)

    return Sim(
        seller_index=seller_index,
        seller_id=seller_id,
        marketplace_id=marketplace_id,
        start=start,
        n_days=n_days,
        t0=t0,
        t_end=t0 + n_days * DAY,
        offset=offset,
        currency=mp.currency,
        decimals=market.decimals,
        cat=cat,
        order_id=order_id,
        merchant_order_id=merchant_order_id,
        buyer_email=buyer_email,
        purchase=purchase,
        pending=pending,
        is_mfn=is_mfn,
        ship_level=ship_level,
        city=city,
        postal=postal,
        business=business,
        po_number=po_number,
        promo_id=promo_id,
        cancelled_at=cancelled_at,
        cancel_by=by,
        cancel_reason=cancel_reason,
        latest_ship=latest_ship,
        latest_delivery=latest_delivery,
        shipped=shipped,
        carrier=carrier,
        tracking=tracking,
        first_scan=first_scan,
        delivered=delivered,
        delivered_true=delivered_true,
        order_total=order_total,
        n_items=n_items,
        item_start=item_start,
        item_order=item_order,
        item_sku=item_sku,
        item_qty=item_qty,
        item_price=item_price,
        item_tax=item_tax,
        item_ship=item_ship,
        item_ship_tax=item_ship_tax,
        item_promo=item_promo,
        fb_order=fb_order,
        fb_day=(fb_time_all - t0) // DAY,
        fb_time=fb_time_all,
        fb_rating=fb_rating,
        fb_comment=fb_comment,
        fb_response=fb_response,
        cl_id=cl_id,
        cl_order=co,
        cl_filed=cl_filed,
        cl_resolved=cl_resolved,
        cl_status=cl_status,
        cb_id=cb_id,
        cb_order=bo,
        cb_filed=cb_filed,
        cb_resolved=cb_resolved,
        cb_type=cb_type,
        cb_status=cb_status,
        rr_id=rr_id,
        rr_order=ro_,
        rr_requested=rr_requested,
        rr_in_policy=np.where(in_policy, "Y", "N").astype(object),
        rr_responded=rr_responded,
        rr_response=rr_response,
        rr_refunded=rr_refunded,
        rr_amount=rr_amount,
        rr_negative_at=rr_negative_at,
        msg_id=msg_id,
        msg_thread=thread_id[msg_thread_idx],
        msg_order=thread_order[msg_thread_idx],
        msg_received=msg_received,
        msg_responded=msg_responded,
        msg_no_response_at=msg_marked,
        sv_id=sv_id,
        sv_thread=thread_id[so],
        sv_order=thread_order[so],
        sv_answered=sv_answered,
        sv_answer=sv_answer,
    )


def _comments(language: str) -> dict[str, tuple[str, ...]]:
    return COMMENTS.get(language, COMMENTS["en"])


def _pick_text(rng: np.random.Generator, texts: dict[str, tuple[str, ...]], kinds: np.ndarray) -> np.ndarray:
    picks = rng.integers(0, 1000, len(kinds))
    return np.array(
        [texts[k][p % len(texts[k])] for k, p in zip(kinds.tolist(), picks.tolist(), strict=True)],
        dtype=object,
    )
