"""Fixed vocabularies of the synthetic exports: per-marketplace facts, addresses, carriers and texts.

Everything here is plain data, so the generator's behaviour lives in `_simulate` and `_render`. No
value may hold a tab or a line break: the renderer joins fields without quoting, like Amazon does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Carrier:
    name: str
    weight: float
    tracking: str  # pattern understood by `_simulate._tracking_numbers`


@dataclass(frozen=True)
class City:
    city: str
    state: str
    postal: str
    tax_rate: float = 0.0  # sales tax added on top of the price (US, CA); 0 where VAT is included


@dataclass(frozen=True)
class Market:
    code: str
    sales_channel: str
    country: str
    order_prefixes: tuple[int, ...]
    language: str
    vat_included: float  # VAT share already in the price (EU, UK, JP, MX); 0 where tax is added
    usd_rate: float  # catalogue prices are drawn in USD and converted
    decimals: int
    shipping_fee: float  # per MFN order without free shipping, in the marketplace currency
    carriers: tuple[Carrier, ...]
    cities: tuple[City, ...]


MARKETS: dict[str, Market] = {
    "US": Market(
        "US",
        "Amazon.com",
        "US",
        (111, 112, 113, 114),
        "en",
        0.0,
        1.0,
        2,
        5.99,
        (Carrier("USPS", 0.5, "usps"), Carrier("UPS", 0.3, "ups"), Carrier("FedEx", 0.2, "digits12")),
        (
            City("Marietta", "GA", "30066", 0.06),
            City("GLENWOOD", "MD", "21738", 0.06),
            City("Von Ormy", "TX", "78073", 0.0825),
            City("Stafford", "VA", "22554", 0.053),
            City("TAMPA", "FL", "33611", 0.075),
            City("Mission Viejo", "CA", "92691", 0.0775),
            City("Mishawaka", "IN", "46544", 0.07),
            City("Villa Park", "IL", "60181", 0.08),
            City("Portland", "OR", "97205", 0.0),
            City("Seattle", "WA", "98101", 0.1035),
            City("Denver", "CO", "80202", 0.0881),
            City("Brooklyn", "NY", "11201", 0.08875),
            City("Columbus", "OH", "43215", 0.075),
            City("Phoenix", "AZ", "85004", 0.086),
            City("NASHVILLE", "TN", "37203", 0.0925),
            City("Boston", "MA", "02108", 0.0625),
            City("Charlotte", "NC", "28202", 0.0725),
            City("Minneapolis", "MN", "55401", 0.0803),
            City("Salt Lake City", "UT", "84101", 0.0775),
            City("Anchorage", "AK", "99501", 0.0),
        ),
    ),
    "CA": Market(
        "CA",
        "Amazon.ca",
        "CA",
        (701, 702),
        "en",
        0.0,
        1.36,
        2,
        7.99,
        (
            Carrier("Canada Post", 0.6, "digits16"),
            Carrier("Purolator", 0.25, "digits12"),
            Carrier("UPS", 0.15, "ups"),
        ),
        (
            City("Toronto", "ON", "M5H 2N2", 0.13),
            City("Vancouver", "BC", "V6B 1A1", 0.12),
            City("Montreal", "QC", "H2Y 1C6", 0.14975),
            City("Calgary", "AB", "T2P 1J9", 0.05),
            City("Ottawa", "ON", "K1P 1J1", 0.13),
        ),
    ),
    "MX": Market(
        "MX",
        "Amazon.com.mx",
        "MX",
        (701, 702),
        "es",
        0.16,
        17.5,
        2,
        99.0,
        (
            Carrier("Estafeta", 0.5, "digits22"),
            Carrier("DHL", 0.3, "digits10"),
            Carrier("FedEx", 0.2, "digits12"),
        ),
        (
            City("Ciudad de México", "CDMX", "06000"),
            City("Guadalajara", "Jalisco", "44100"),
            City("Monterrey", "Nuevo León", "64000"),
            City("Puebla", "Puebla", "72000"),
        ),
    ),
    "UK": Market(
        "UK",
        "Amazon.co.uk",
        "GB",
        (202, 203, 204, 205, 206),
        "en",
        0.2 / 1.2,
        0.79,
        2,
        3.99,
        (
            Carrier("Royal Mail", 0.5, "s10GB"),
            Carrier("DPD", 0.25, "digits14"),
            Carrier("Evri", 0.25, "digits16"),
        ),
        (
            City("London", "", "EC1A 1BB"),
            City("Manchester", "Greater Manchester", "M1 1AE"),
            City("Birmingham", "West Midlands", "B1 1BB"),
            City("Leeds", "West Yorkshire", "LS1 1UR"),
            City("Glasgow", "", "G1 1XQ"),
            City("Bristol", "", "BS1 4DJ"),
        ),
    ),
    "DE": Market(
        "DE",
        "Amazon.de",
        "DE",
        (302, 303, 304, 305, 306),
        "de",
        0.19 / 1.19,
        0.92,
        2,
        4.49,
        (Carrier("DHL", 0.6, "dhl"), Carrier("DPD", 0.2, "digits14"), Carrier("Hermes", 0.2, "digits14")),
        (
            City("Berlin", "Berlin", "10115"),
            City("München", "Bayern", "80331"),
            City("Köln", "Nordrhein-Westfalen", "50667"),
            City("Hamburg", "Hamburg", "20095"),
            City("Frankfurt am Main", "Hessen", "60311"),
            City("Stuttgart", "Baden-Württemberg", "70173"),
            City("Düsseldorf", "Nordrhein-Westfalen", "40213"),
            City("Leipzig", "Sachsen", "04109"),
            City("Dresden", "Sachsen", "01067"),
            City("Nürnberg", "Bayern", "90402"),
            City("Bremen", "Bremen", "28195"),
            City("Hannover", "Niedersachsen", "30159"),
        ),
    ),
    "FR": Market(
        "FR",
        "Amazon.fr",
        "FR",
        (402, 403, 404, 405, 406, 407),
        "en",
        0.2 / 1.2,
        0.92,
        2,
        4.99,
        (
            Carrier("Colissimo", 0.6, "s10FR"),
            Carrier("Chronopost", 0.2, "s10FR"),
            Carrier("DPD", 0.2, "digits14"),
        ),
        (
            City("Paris", "Île-de-France", "75001"),
            City("Lyon", "Auvergne-Rhône-Alpes", "69001"),
            City("Marseille", "Provence-Alpes-Côte d'Azur", "13001"),
            City("Toulouse", "Occitanie", "31000"),
            City("Nantes", "Pays de la Loire", "44000"),
            City("Lille", "Hauts-de-France", "59000"),
        ),
    ),
    "IT": Market(
        "IT",
        "Amazon.it",
        "IT",
        (403, 404, 405, 406, 407, 408),
        "en",
        0.22 / 1.22,
        0.92,
        2,
        4.99,
        (
            Carrier("Poste Italiane", 0.4, "s10IT"),
            Carrier("BRT", 0.35, "digits12"),
            Carrier("GLS", 0.25, "digits12"),
        ),
        (
            City("Roma", "RM", "00118"),
            City("Milano", "MI", "20121"),
            City("Napoli", "NA", "80121"),
            City("Torino", "TO", "10121"),
            City("Bologna", "BO", "40121"),
            City("Firenze", "FI", "50121"),
        ),
    ),
    "ES": Market(
        "ES",
        "Amazon.es",
        "ES",
        (404, 405, 406, 407, 408),
        "es",
        0.21 / 1.21,
        0.92,
        2,
        4.49,
        (Carrier("Correos", 0.5, "s10ES"), Carrier("SEUR", 0.3, "digits14"), Carrier("MRW", 0.2, "digits12")),
        (
            City("Madrid", "Madrid", "28001"),
            City("Barcelona", "Barcelona", "08001"),
            City("Valencia", "Valencia", "46001"),
            City("Sevilla", "Sevilla", "41001"),
            City("Bilbao", "Bizkaia", "48001"),
            City("Málaga", "Málaga", "29001"),
        ),
    ),
    "JP": Market(
        "JP",
        "Amazon.co.jp",
        "JP",
        (249, 250, 503),
        "ja",
        0.1 / 1.1,
        150.0,
        0,
        500.0,
        (
            Carrier("Yamato", 0.5, "digits12"),
            Carrier("Sagawa", 0.3, "digits12"),
            Carrier("Japan Post", 0.2, "s10JP"),
        ),
        (
            City("千代田区", "東京都", "100-0001"),
            City("大阪市北区", "大阪府", "530-0001"),
            City("横浜市西区", "神奈川県", "220-0011"),
            City("名古屋市中区", "愛知県", "460-0008"),
            City("札幌市中央区", "北海道", "060-0001"),
            City("福岡市博多区", "福岡県", "812-0011"),
        ),
    ),
}

BRANDS = (
    "Pomina",
    "Veloria",
    "Kestrel & Co",
    "Northwind",
    "Lumacraft",
    "Hearthline",
    "Brightfield",
    "Oakmere",
    "Silvanta",
    "Quillon",
)

PRODUCTS = (
    "Stainless Steel Water Bottle",
    "Silicone Baking Mat",
    "Bamboo Cutting Board",
    "LED Desk Lamp",
    "Insulated Lunch Bag",
    "Yoga Mat",
    "Phone Stand",
    "Wireless Charging Pad",
    "Cotton Bath Towel",
    "Ceramic Coffee Mug",
    "Cast Iron Skillet",
    "Kitchen Scale",
    "Travel Backpack",
    "Quatrefoil Drop Earrings",
    "Beaded Stretch Bracelet",
    "Tassel Pendant Necklace",
    "Garden Hose Nozzle",
    "Dog Chew Toy",
    "Cat Scratching Post",
    "Reading Glasses",
    "Wool Beanie",
    "Running Socks",
    "Shower Caddy",
    "Glass Meal Prep Containers",
    "Electric Milk Frother",
    "Notebook Set",
    "Gel Pens",
    "Plant Pot",
    "Scented Candle",
    "Picture Frame",
    "Bluetooth Speaker",
    "USB-C Cable",
    "Laptop Sleeve",
    "Resistance Bands",
    "Foam Roller",
    "Jump Rope",
    "French Press",
    "Tea Infuser",
    "Salad Spinner",
    "Ice Cube Tray",
)

VARIANTS = (
    "Black",
    "White",
    "Grey",
    "Navy",
    "Red",
    "Sage Green",
    "Rose Gold",
    "Worn Silver",
    "Nude",
    "Light Purple",
    "Set of 2",
    "Set of 3",
    "Set of 4",
    "Large",
    "Small",
    "500 ml",
    "750 ml",
    "1 L",
    "12 inch",
    "36 inches",
)

# (name, weight) per fulfilment channel.
SHIP_LEVELS_MFN = (("Standard", 0.85), ("Expedited", 0.15))
SHIP_LEVELS_AFN = (("Standard", 0.45), ("SecondDay", 0.35), ("NextDay", 0.2))

CANCEL_BY = (("BUYER", 0.72), ("SELLER", 0.22), ("AMAZON", 0.06))
CANCEL_REASONS = {
    "BUYER": (
        "Buyer requested cancellation",
        "Ordered by mistake",
        "Found a better price",
        "Delivery too slow",
    ),
    "SELLER": ("Out of stock", "Pricing error", "Cannot ship to address", "Item damaged in warehouse"),
    "AMAZON": ("Order not confirmed in time", "Payment authorization failed"),
}

COMMENTS = {
    "en": {
        "positive": (
            "Item as described. Quick delivery.",
            "Received quickly",
            "Great seller, would buy again!",
            "Exactly what I ordered, well packed.",
            "Good quality for the price.",
            "Arrived early. Thank you!",
        ),
        "neutral": ("OK, took a while to arrive.", "Product fine, packaging damaged.", "Average."),
        "negative": (
            "Never received the item.",
            "Used or returned item that was retaped",
            "Arrived broken and seller did not reply.",
            "Not as described, very disappointed.",
            "Arrived two weeks late.",
        ),
        "revised": ("Seller fixed the problem quickly, thank you.", "Replacement arrived, all good now."),
        "response": (
            "We are sorry for the trouble; a replacement is on its way.",
            "Please contact us through Buyer-Seller Messaging so we can help.",
            "A full refund has been issued.",
        ),
    },
    "de": {
        "positive": (
            "Alles bestens, schnelle Lieferung.",
            "Wie beschrieben, gerne wieder.",
            "Top Verkäufer, sehr gut verpackt.",
            "Schnell und zuverlässig.",
        ),
        "neutral": ("Ware ok, Lieferung dauerte etwas.", "Verpackung beschädigt, Artikel in Ordnung."),
        "negative": (
            "Artikel nie angekommen.",
            "Defekt geliefert, keine Antwort vom Verkäufer.",
            "Entspricht nicht der Beschreibung.",
            "Viel zu spät geliefert.",
        ),
        "revised": ("Problem wurde schnell gelöst, danke.",),
        "response": (
            "Es tut uns leid, Ersatz ist unterwegs.",
            "Bitte kontaktieren Sie uns, wir helfen gerne.",
            "Der Betrag wurde vollständig erstattet.",
        ),
    },
}
