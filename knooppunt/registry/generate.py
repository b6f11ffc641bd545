"""A synthetic national registry in the interchange format (`knooppunt generate`).

Plain Python, no Django: it reads the reference CSVs shipped with the project and
streams three CSV files (`organisations.csv`, `partnerships.csv`, `memberships.csv`,
see `shared/formats/registry-csv.md`) into a folder. The same seed always gives the
same bytes; every random stream is a `random.Random` seeded from a string
(SHA-512 seeding, so independent of PYTHONHASHSEED), and nothing iterates a set.

What the data look like, and the assumptions behind it
------------------------------------------------------

* **Kinds.** The 107 real mbo, hbo and wo institutions of `data/institutions.csv`
  (real names and BRIN codes) are always included; fictional schools top them up to
  about the real national numbers (vo ~650 school boards/locations, mbo ~60, hbo ~36,
  wo ~14), scaled by `organisations / 250,000`. Every one of the 342 municipalities and
  12 provinces is a public body, plus four ministries. Industry associations (0.4 %),
  knowledge institutes (0.2 %), intermediaries (0.6 %) and others (0.4 %) come next;
  everything left is a company (about 245,000 at full size, close to the ~240,000
  recognised learning companies).
* **Places.** A municipality's weight is a hand-set *province weight* (roughly the
  province's share of business establishments, KvK/CBS, rounded; see
  `PROVINCE_WEIGHTS`) times a *rank weight* `1 / rank` within the province, where the
  ranks follow a hand-made list of each province's largest municipalities
  (`MAIN_MUNICIPALITIES`, by population, most important first) and every other
  municipality of the province shares the next rank. This puts more companies in the
  Randstad (Noord-Holland, Zuid-Holland, Utrecht) and Noord-Brabant than their share of
  municipalities. It is a proxy, not a statistic: real concentration in Amsterdam is
  higher and in the big Brabant cities somewhat lower. Fictional schools follow a
  flatter weight (square root), public bodies sit in their own municipality. An
  organisation's city is the municipality's main place (same name) 60 % of the time,
  otherwise any woonplaats of the municipality from `places/data/places.csv`.
* **Sectors.** A company gets one (80 %) or two SBI 2008 leaf codes (level 4/5, from
  `data/sbi.csv`), drawn with hand-set section weights (trade, construction, care,
  business services and hospitality most common) and regional specialisations per
  province (`PROVINCE_DIVISION_BONUS`: horticulture and ports in Zuid-Holland, chemistry
  in Limburg, high tech in Brabant, ...). Its themes follow from those codes through
  `related_sbi_divisions` in `data/themes.csv`, sometimes with a cross-cutting theme that
  sits under one of them in the theme hierarchy (ict -> ai_data).
* **Partnerships.** Kinds are weighted (`PARTNERSHIP_KIND_WEIGHTS`). Each partnership
  is planted in a labour-market region with a primary theme that companies in that
  region actually have; its lead is a school of a fitting kind in the same region
  (else the same province, a neighbouring province, anywhere). Members come mostly
  (70 %) from organisations in the same region with a matching theme, then from the
  region at large, then from the theme nationwide, then other schools and public bodies:
  a structure a matcher can learn. Sizes are heavy-tailed and add up exactly to the
  requested number of memberships; a pair (partnership, organisation) occurs once.
* **Identifiers.** KvK numbers are 8 digits `00xxxxxx` (a unique permutation, never
  the demo block `0099xxxx`); fictional BRIN codes start with `9` (real ones here start
  with 00-31). Names are built from word lists and are unique (ignoring case and legal
  form). Every generated description starts with "Fictief (gegenereerd)."; the real
  institutions and public bodies say their memberships are fictional.
"""

from __future__ import annotations

import csv
import math
import random
import re
import time
import unicodedata
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

REGISTRY_DATA = Path(__file__).resolve().parent / "data"
PLACES_DATA = Path(__file__).resolve().parent.parent / "places" / "data"

ORGANISATION_COLUMNS = [
    "id",
    "name",
    "kind",
    "municipality_code",
    "city",
    "brin",
    "kvk",
    "sbi",
    "themes",
    "website",
    "description",
]
PARTNERSHIP_COLUMNS = [
    "id",
    "name",
    "kind",
    "themes",
    "municipality_code",
    "city",
    "start_year",
    "end_year",
    "description",
]
MEMBERSHIP_COLUMNS = ["partnership_id", "organisation_id", "role", "since_year"]

MARK = "Fictief (gegenereerd)."
REAL_MARK = "Bestaande organisatie; de samenwerkingen in deze dataset zijn fictief (gegenereerd)."
THIS_YEAR = 2026
FULL_SIZE = 250_000

# --- places -------------------------------------------------------------------------------

# Roughly each province's share (%) of business establishments (KvK/CBS, rounded by hand).
PROVINCE_WEIGHTS = {
    "PV20": 3.0,  # Groningen
    "PV21": 3.5,  # Fryslân
    "PV22": 2.5,  # Drenthe
    "PV23": 6.0,  # Overijssel
    "PV24": 2.5,  # Flevoland
    "PV25": 12.0,  # Gelderland
    "PV26": 9.0,  # Utrecht
    "PV27": 20.0,  # Noord-Holland
    "PV28": 20.0,  # Zuid-Holland
    "PV29": 2.0,  # Zeeland
    "PV30": 15.0,  # Noord-Brabant
    "PV31": 5.5,  # Limburg
}
RANDSTAD_AND_BRABANT = ("PV26", "PV27", "PV28", "PV30")

# Each province's largest municipalities, biggest first (CBS population, approximately).
MAIN_MUNICIPALITIES = {
    "PV20": ["GM0014", "GM1969", "GM1952", "GM1966", "GM1979", "GM1895", "GM0037"],
    "PV21": ["GM0080", "GM1900", "GM0090", "GM0074", "GM1940", "GM1949", "GM1970"],
    "PV22": ["GM0114", "GM0106", "GM0118", "GM0119", "GM1731"],
    "PV23": ["GM0153", "GM0193", "GM0150", "GM0164", "GM0141", "GM0160", "GM0166", "GM1742"],
    "PV24": ["GM0034", "GM0995", "GM0171", "GM0303", "GM0050", "GM0184"],
    "PV25": [
        "GM0268", "GM0202", "GM0200", "GM0228", "GM0222", "GM0203", "GM0243", "GM0281",
        "GM0301", "GM0289", "GM1734", "GM1705",
    ],
    "PV26": [
        "GM0344", "GM0307", "GM0356", "GM0345", "GM0355", "GM0632", "GM0321", "GM1904",
        "GM0342", "GM0310",
    ],
    "PV27": [
        "GM0363", "GM0394", "GM0392", "GM0479", "GM0361", "GM0362", "GM0402", "GM0439",
        "GM0405", "GM0453", "GM0400", "GM1980", "GM0358",
    ],
    "PV28": [
        "GM0599", "GM0518", "GM0546", "GM0505", "GM0637", "GM0503", "GM1783", "GM0484",
        "GM0513", "GM0606", "GM1916", "GM1930", "GM0622", "GM0502", "GM1621",
    ],
    "PV29": ["GM0715", "GM0687", "GM0718", "GM0664", "GM1676", "GM0654"],
    "PV30": [
        "GM0772", "GM0855", "GM0758", "GM0796", "GM0794", "GM0828", "GM1982", "GM1948",
        "GM1674", "GM0748", "GM0826", "GM0861", "GM0867", "GM1991",
    ],
    "PV31": [
        "GM0935", "GM0983", "GM1883", "GM0917", "GM0957", "GM0988", "GM0928", "GM0984",
        "GM1507", "GM0882",
    ],
}  # fmt: skip
NEIGHBOURS = {
    "PV20": ["PV21", "PV22"],
    "PV21": ["PV20", "PV22", "PV24"],
    "PV22": ["PV20", "PV21", "PV23"],
    "PV23": ["PV22", "PV25", "PV24"],
    "PV24": ["PV23", "PV25", "PV26", "PV27"],
    "PV25": ["PV23", "PV26", "PV30", "PV28"],
    "PV26": ["PV27", "PV28", "PV25"],
    "PV27": ["PV26", "PV28", "PV24"],
    "PV28": ["PV27", "PV26", "PV30", "PV29"],
    "PV29": ["PV30", "PV28"],
    "PV30": ["PV31", "PV25", "PV28", "PV29"],
    "PV31": ["PV30", "PV25"],
}
# Seat of each provincial government: (city, municipality code).
PROVINCE_SEATS = {
    "PV20": ("Groningen", "GM0014"),
    "PV21": ("Leeuwarden", "GM0080"),
    "PV22": ("Assen", "GM0106"),
    "PV23": ("Zwolle", "GM0193"),
    "PV24": ("Lelystad", "GM0995"),
    "PV25": ("Arnhem", "GM0202"),
    "PV26": ("Utrecht", "GM0344"),
    "PV27": ("Haarlem", "GM0392"),
    "PV28": ("'s-Gravenhage", "GM0518"),
    "PV29": ("Middelburg", "GM0687"),
    "PV30": ("'s-Hertogenbosch", "GM0796"),
    "PV31": ("Maastricht", "GM0935"),
}
# Institutions in institutions.csv whose seat DUO's list leaves empty: their best-known
# main location, used here only to place them on the synthetic map.
ASSUMED_SEATS = {
    "21CY": ("Breda", "GM0758"),
    "09MR": ("Goes", "GM0664"),
    "01AA": ("Zwolle", "GM0193"),
    "14YD": ("Maassluis", "GM0556"),
    "14NZ": ("Zwolle", "GM0193"),
    "30BC": ("Boxtel", "GM0757"),
    "04NZ": ("Arnhem", "GM0202"),
    "05EA": ("Rotterdam", "GM0599"),
    "17WH": ("Houten", "GM0321"),
}
MINISTRIES = [
    ("rijk:ocw", "Ministerie van Onderwijs, Cultuur en Wetenschap", ("onderwijs",)),
    ("rijk:ez", "Ministerie van Economische Zaken", ("ondernemerschap",)),
    ("rijk:szw", "Ministerie van Sociale Zaken en Werkgelegenheid", ("arbeidsmarkt",)),
    (
        "rijk:lvvn",
        "Ministerie van Landbouw, Visserij, Voedselzekerheid en Natuur",
        ("agri_food", "groen"),
    ),
]

# --- organisations ------------------------------------------------------------------------

SCHOOL_TARGETS = {"school_vo": 650, "school_mbo": 60, "school_hbo": 36, "school_wo": 14}
OTHER_KIND_SHARES = {
    "industry_association": 0.004,
    "knowledge_institute": 0.002,
    "intermediary": 0.006,
    "other": 0.004,
}
MIN_COMPANIES = 100

# Share of companies per SBI section (hand-set, after the KvK register of learning
# companies: trade, construction, care, business services and hospitality lead).
SECTION_WEIGHTS = {
    "A": 5.0, "B": 0.1, "C": 8.0, "D": 0.4, "E": 0.6, "F": 13.0, "G": 17.0, "H": 5.0,
    "I": 8.0, "J": 5.0, "K": 2.0, "L": 1.5, "M": 9.0, "N": 5.0, "O": 0.0, "P": 3.0,
    "Q": 11.0, "R": 3.0, "S": 4.0, "T": 0.0, "U": 0.0,
}  # fmt: skip
# Regional specialisations: SBI division -> multiplier, per province.
PROVINCE_DIVISION_BONUS = {
    "PV20": {"35": 3.0, "20": 1.5, "01": 1.5},
    "PV21": {"01": 2.0, "10": 2.0, "03": 2.0, "30": 1.5},
    "PV22": {"01": 2.0, "10": 1.5},
    "PV23": {"25": 1.5, "28": 1.5, "13": 2.0},
    "PV24": {"01": 2.0, "52": 1.5, "41": 1.3},
    "PV25": {"10": 2.0, "01": 1.5, "72": 1.5},
    "PV26": {"62": 2.0, "63": 1.5, "70": 1.5, "64": 1.3},
    "PV27": {"62": 1.7, "51": 3.0, "58": 1.5, "59": 2.0, "64": 1.5, "73": 1.5},
    "PV28": {"01": 2.5, "30": 2.0, "50": 2.0, "52": 2.0, "46": 1.3},
    "PV29": {"50": 2.5, "30": 2.0, "20": 2.0, "19": 2.0, "03": 2.0},
    "PV30": {"25": 2.0, "26": 2.0, "28": 2.0, "29": 2.0, "52": 1.5, "10": 1.5},
    "PV31": {"20": 2.5, "22": 1.5, "52": 1.5},
}
SECTION_WORDS = {
    "A": ["Kwekerij", "Veehouderij", "Akkerbouw", "Loonbedrijf", "Agro", "Boomkwekerij",
          "Melkveebedrijf", "Visserij", "Tuinderij"],
    "B": ["Delfstoffen", "Zandwinning", "Grondstoffen"],
    "C": ["Metaaltechniek", "Machinebouw", "Precisietechniek", "Productie", "Industries",
          "Fabrieken", "Kunststoffen", "Voedingsmiddelen", "Meubelmakerij", "Drukkerij",
          "Engineering", "Constructie", "Plaatwerk"],
    "D": ["Energie", "Energy", "Warmte", "Power"],
    "E": ["Recycling", "Afvalbeheer", "Waterzuivering", "Milieuservice"],
    "F": ["Bouw", "Bouwbedrijf", "Aannemersbedrijf", "Installatietechniek", "Schilders",
          "Dakwerken", "Elektrotechniek", "Infra", "Grondwerken", "Timmerbedrijf",
          "Klimaattechniek"],
    "G": ["Handel", "Groothandel", "Trading", "Supplies", "Retail", "Winkels", "Autobedrijf",
          "Mode", "Wonen", "Tweewielers", "Import"],
    "H": ["Transport", "Logistiek", "Expeditie", "Koeriers", "Distributie", "Vervoer"],
    "I": ["Horeca", "Catering", "Hotel", "Restaurant", "Brasserie", "Events"],
    "J": ["Software", "IT", "Digital", "Media", "Data", "Automatisering", "Uitgeverij"],
    "K": ["Financieel Advies", "Verzekeringen", "Assurantiën", "Finance"],
    "L": ["Vastgoed", "Makelaardij", "Beheer"],
    "M": ["Advies", "Ingenieursbureau", "Architecten", "Accountants", "Consultancy",
          "Ontwerp", "Communicatie", "Lab"],
    "N": ["Personeelsdiensten", "Schoonmaak", "Beveiliging", "Facilitair", "Uitzendbureau",
          "Hoveniers"],
    "O": ["Dienstverlening"],
    "P": ["Opleidingen", "Academie", "Trainingen", "Rijschool"],
    "Q": ["Zorg", "Thuiszorg", "Fysiotherapie", "Zorggroep", "Tandartsen", "Kinderopvang"],
    "R": ["Sport", "Fitness", "Cultuur", "Producties", "Recreatie"],
    "S": ["Kappers", "Salon", "Reparatie", "Service", "Uitvaartzorg"],
    "T": ["Huishouding"],
    "U": ["Vertegenwoordiging"],
}  # fmt: skip
SURNAMES = [
    "Van den Berg", "De Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "De Boer",
    "Mulder", "De Groot", "Bos", "Vos", "Peters", "Hendriks", "Van Leeuwen", "Dekker",
    "Brouwer", "De Wit", "Dijkstra", "Smits", "De Graaf", "Van der Meer", "Van der Linden",
    "Kok", "Jacobs", "De Haan", "Vermeulen", "Van den Heuvel", "Van der Veen", "Van den Broek",
    "De Bruijn", "De Jong", "Schouten", "Van Beek", "Willems", "Van Dijk", "Hoekstra", "Maas",
    "Verhoeven", "Koster", "Prins", "Blom", "Huisman", "Peeters", "Kuipers", "Van Wijk",
    "Postma", "Kramer", "Van Vliet", "Timmermans", "Groen", "Sanders", "Wouters", "Koopman",
    "Verbeek", "Scholten", "Van der Heijden", "Martens", "Van Dam", "Bosman", "Van Rijn",
    "Hermans", "Evers", "Veenstra", "Lammers", "Claessens", "Wijnands", "Hofstra", "Bijl",
    "Kaya", "Yilmaz", "El Amrani", "Nguyen", "Pinas", "Gerritsen", "Van Dongen", "Koning",
    "Hoogendoorn", "Van Os", "Boersma", "Van Vugt", "Kuiper", "Steenbergen", "Wolters",
    "Hoekman", "Zwart", "Van Loon", "Heijmans", "Rutten", "Jonker", "Van Veen", "Brink",
    "Wagenaar", "Drost", "Ploeg", "Hamers", "Van Gils", "Schipper", "Molenaar", "Kamphuis",
]  # fmt: skip
SYLLABLES_A = [
    "Ar", "Bel", "Cor", "Dal", "El", "Fen", "Gar", "Hol", "Ix", "Jor", "Kal", "Lor", "Mar",
    "Nor", "Ol", "Per", "Quin", "Ros", "Sol", "Tor", "Ul", "Ver", "Wes", "Zan", "Bra",
    "Cas", "Dri", "Fle", "Gro", "Tra", "Vel", "Ster", "Kro", "Lum", "Nex", "Ori",
]  # fmt: skip
SYLLABLES_B = [
    "a", "e", "i", "o", "an", "en", "in", "on", "ar", "er", "ix", "ex", "is", "us", "al",
    "el", "or", "um", "ia", "ino", "ana", "eco", "ika", "ova",
]  # fmt: skip
SYLLABLES_C = [
    "", "", "tec", "line", "vast", "dam", "berg", "mond", "veld", "tron", "lux", "gen",
    "com", "plan", "stad", "ware", "tek", "sys", "max", "lab",
]  # fmt: skip
COMPANY_SIZES = ["Familiebedrijf", "Mkb-bedrijf", "Middelgroot bedrijf", "Jong bedrijf",
                 "Groot bedrijf"]  # fmt: skip
COMPANY_SIZE_WEIGHTS = [20, 50, 15, 10, 5]
LEGAL_FORMS = [" B.V.", "", " V.O.F.", " Holding B.V."]
LEGAL_WEIGHTS = [60, 30, 7, 3]
VO_PATTERNS = [
    "{place} College", "Lyceum {place}", "Scholengemeenschap {place}",
    "Christelijk College {place}", "Openbare Scholengemeenschap {place}",
    "{person} College {place}", "{person} Lyceum", "Het {person} {place}",
]  # fmt: skip
VO_PERSONS = [
    "Erasmus", "Thorbecke", "Spinoza", "Huygens", "Vermeer", "Da Vinci", "Comenius",
    "Rembrandt", "Grotius", "Bonhoeffer", "Stevin", "Van Gogh", "Mondriaan", "Escher",
    "Lorentz", "Kamerlingh Onnes", "Jacobs", "Schreuder", "Ichthus", "Minkema",
]  # fmt: skip
# Words in a real institution's name and the themes they stand for.
SCHOOL_NAME_THEMES = {
    "kunst": ("creatieve_industrie",), "artez": ("creatieve_industrie",),
    "lucas": ("creatieve_industrie",), "design": ("creatieve_industrie",),
    "media": ("creatieve_industrie", "ict"), "zorg": ("zorg_welzijn",),
    "techn": ("techniek",), "aeres": ("agri_food", "groen"), "groen": ("groen", "agri_food"),
    "wageningen": ("agri_food", "groen"), "food": ("voeding",), "voedsel": ("voeding",),
    "gastvrij": ("hospitality",), "hotel": ("hospitality",), "scheepvaart": ("water_maritiem",
    "logistiek"), "maritiem": ("water_maritiem",), "meubel": ("maakindustrie",),
    "lentiz": ("tuinbouw", "groen"), "soma": ("bouw",), "agrarisch": ("agri_food",),
    "politie": ("veiligheid",), "defensie": ("veiligheid",), "theologische": ("onderwijs",),
    "pabo": ("onderwijs",), "onderwijs": ("onderwijs",), "sport": ("sport",),
}  # fmt: skip
GENERAL_CROSS_THEMES = ["ondernemerschap", "arbeidsmarkt", "vitaliteit", "klimaatadaptatie"]
SCHOOL_THEME_COUNTS = {"school_mbo": (3, 7), "school_hbo": (3, 6), "school_wo": (3, 6)}

# --- partnerships -------------------------------------------------------------------------

PARTNERSHIP_KIND_WEIGHTS = {
    "learning_community": 28,
    "rif_project": 20,
    "hub": 12,
    "other": 12,
    "campus": 8,
    "civ": 7,
    "centre_of_expertise": 6,
    "technohub": 4,
    "cove": 3,
}
LEAD_KINDS = {
    "centre_of_expertise": (("school_hbo", 1),),
    "civ": (("school_mbo", 1),),
    "rif_project": (("school_mbo", 1),),
    "cove": (("school_mbo", 1),),
    "technohub": (("school_mbo", 3), ("school_vo", 1)),
    "campus": (("school_mbo", 2), ("school_hbo", 2), ("school_wo", 1)),
    "hub": (("school_mbo", 2), ("school_hbo", 1)),
    "learning_community": (("school_hbo", 2), ("school_mbo", 2)),
    "other": (("school_mbo", 2), ("school_hbo", 1), ("school_wo", 1), ("school_vo", 1)),
}
# (first year, typical length in years or 0 for open-ended) per kind.
KIND_YEARS = {
    "centre_of_expertise": (2011, 0),
    "civ": (2013, 0),
    "rif_project": (2014, 4),
    "cove": (2019, 4),
    "technohub": (2022, 0),
    "campus": (2010, 0),
    "hub": (2015, 0),
    "learning_community": (2017, 0),
    "other": (2010, 0),
}
# Mean size multiplier per kind (members per partnership, before scaling to the total).
KIND_SIZE = {
    "campus": 1.8,
    "hub": 1.4,
    "centre_of_expertise": 1.5,
    "civ": 1.2,
    "technohub": 0.9,
    "learning_community": 0.9,
    "rif_project": 0.7,
    "cove": 1.0,
    "other": 1.0,
}
KIND_NAMES = {
    "campus": ["Campus {label} {place}", "{place} {label} Campus"],
    "centre_of_expertise": ["Centre of Expertise {label} {region}", "CoE {label} {region}"],
    "civ": ["CIV {label} {region}", "Centrum voor Innovatief Vakmanschap {label} {region}"],
    "technohub": ["Technohub {topic} {region}", "Technohub {place}"],
    "learning_community": ["Learning Community {label} {place}",
                           "Leergemeenschap {label} {place}"],
    "rif_project": ["RIF {label} {region}", "{label}academie {region}",
                    "Vakmanschap {label} {place}"],
    "cove": ["CoVE {label} {region}", "Europees Vakmanschap {label} {region}"],
    "hub": ["Hub {label} {place}", "{label}hub {place}", "Praktijkhub {label} {region}"],
    "other": ["Netwerk {label} {region}", "Pact {label} {region}", "Alliantie {label} {place}",
              "Samenwerking {label} {place}"],
}  # fmt: skip
KIND_PHRASES = {
    "campus": "Campus waar onderwijs en bedrijven onder één dak leren en werken",
    "centre_of_expertise": "Centre of Expertise waarin hogeschool en bedrijven samen "
    "praktijkgericht onderzoek doen",
    "civ": "Centrum voor Innovatief Vakmanschap waarin mbo en bedrijfsleven samen opleiden",
    "technohub": "Technohub waar werkenden bijblijven en jongeren technische vaardigheden leren",
    "learning_community": "Learning Community waarin studenten, docenten en bedrijven "
    "meerjarig aan opdrachten werken",
    "rif_project": "Project uit het Regionaal Investeringsfonds mbo",
    "cove": "Centre of Vocational Excellence met Europese partners",
    "hub": "Regionale hub voor kennisdeling tussen onderwijs en bedrijfsleven",
    "other": "Samenwerkingsverband van onderwijs, bedrijven en overheid",
}
NAME_QUALIFIERS = [
    "Talent", "Innovatie", "Praktijk", "Next", "Vakmanschap", "Toekomst", "Lab", "Werkplaats",
    "Academie", "Impuls", "Versnelling", "Kracht", "Plus", "Noord", "Zuid", "Oost", "West",
]  # fmt: skip
TECHNOHUB_TOPICS = [
    "Smart Maintenance", "Robotisering", "Digital Twin", "Lassen & Verbinden", "Mechatronica",
    "Additive Manufacturing", "Composieten", "Fotonica", "Slimme Fabriek", "Cobots",
    "Energiezuinig Produceren", "Vision & Sensoren",
]  # fmt: skip
TECHNOHUB_THEMES = ["maakindustrie", "smart_industry", "robotica", "htsm", "installatietechniek"]
# Short labels for names.
THEME_LABELS = {
    "agri_food": "Agrifood", "chemie": "Chemie", "creatieve_industrie": "Creatieve Industrie",
    "energie": "Energie", "htsm": "Hightech", "lsh": "Life Sciences", "logistiek": "Logistiek",
    "tuinbouw": "Tuinbouw", "water_maritiem": "Maritiem", "techniek": "Techniek",
    "bouw": "Bouw", "installatietechniek": "Installatietechniek",
    "maakindustrie": "Maakindustrie", "procestechniek": "Procestechniek",
    "mobiliteit": "Mobiliteit", "luchtvaart": "Luchtvaart", "zorg_welzijn": "Zorg",
    "ict": "ICT", "hospitality": "Gastvrijheid", "handel": "Retail",
    "zakelijke_dienstverlening": "Dienstverlening", "veiligheid": "Veiligheid",
    "onderwijs": "Onderwijs", "groen": "Groen", "voeding": "Food", "sport": "Sport",
    "overheid": "Publieke Dienst", "energietransitie": "Energietransitie",
    "waterstof": "Waterstof", "circulaire_economie": "Circulair", "biobased": "Biobased",
    "klimaatadaptatie": "Klimaat", "smart_industry": "Smart Industry", "robotica": "Robotica",
    "ai_data": "Data & AI", "cybersecurity": "Cybersecurity", "zorgtechnologie": "Zorgtechnologie",
    "vitaliteit": "Vitaliteit", "leven_lang_ontwikkelen": "Leven Lang Ontwikkelen",
    "arbeidsmarkt": "Arbeidsmarkt", "ondernemerschap": "Ondernemerschap",
    "wonen_leefomgeving": "Wonen",
}  # fmt: skip
# Public-private partnerships in vocational education lean towards technology and care.
PARTNERSHIP_THEME_BONUS = {
    "techniek": 2.0, "maakindustrie": 2.0, "installatietechniek": 2.0, "bouw": 1.5,
    "zorg_welzijn": 1.5, "ict": 1.5, "energie": 2.0, "energietransitie": 2.0,
    "smart_industry": 2.0, "logistiek": 1.3, "handel": 0.4,
    "zakelijke_dienstverlening": 0.4, "onderwijs": 0.3, "overheid": 0.1,
}  # fmt: skip
PARTNERSHIP_EXTRA_THEMES = ["leven_lang_ontwikkelen", "arbeidsmarkt", "onderwijs"]

# Where the members of a partnership come from (after the lead).
MEMBER_SOURCES = [
    ("region_theme", 70),
    ("region", 12),
    ("theme", 10),
    ("school", 5),
    ("public", 3),
]


@dataclass
class Municipality:
    code: str
    name: str
    province: str
    region: str
    places: list[str]
    main_place: str
    weight: float = 0.0


@dataclass
class ThemeRef:
    code: str
    name_nl: str
    kind: str
    parent: str
    divisions: list[str]


@dataclass
class Reference:
    municipalities: list[Municipality]
    by_code: dict[str, Municipality]
    provinces: dict[str, str]
    regions: dict[str, str]
    institutions: list[dict[str, str]]
    sbi: list[tuple[str, str, str, str]]  # (code, name, division, section)
    themes: dict[str, ThemeRef]


@dataclass
class Counts:
    organisations: dict[str, int] = field(default_factory=dict)
    partnerships: dict[str, int] = field(default_factory=dict)
    memberships: int = 0
    seconds: float = 0.0

    @property
    def organisation_total(self) -> int:
        return sum(self.organisations.values())

    @property
    def partnership_total(self) -> int:
        return sum(self.partnerships.values())


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_reference() -> Reference:
    places: dict[str, list[str]] = {}
    for row in _rows(PLACES_DATA / "places.csv"):
        places.setdefault(row["municipality_code"], []).append(row["place"])
    municipalities = []
    for row in _rows(PLACES_DATA / "municipalities.csv"):
        code = row["municipality_code"]
        own = places.get(code, [])
        base = row["name"].split(" (")[0]
        main = next((p for p in own if p == row["name"]), None)
        main = main or next((p for p in own if p == base), None) or (own[0] if own else base)
        municipalities.append(
            Municipality(
                code,
                row["name"],
                row["province_code"],
                row["labour_market_region_code"],
                sorted(own) or [main],
                main,
            )
        )
    municipalities.sort(key=lambda m: m.code)
    provinces = {
        r["province_code"]: r["province_name"] for r in _rows(PLACES_DATA / "provinces.csv")
    }
    regions = {
        r["labour_market_region_code"]: r["labour_market_region_name"]
        for r in _rows(PLACES_DATA / "labour_market_regions.csv")
    }
    sbi = [
        (r["code"], r["name_nl"], r["division"], r["section"])
        for r in _rows(REGISTRY_DATA / "sbi.csv")
        if r["level"] in {"4", "5"} and r["is_leaf"] == "true" and r["section"]
    ]
    themes = {
        r["code"]: ThemeRef(
            r["code"],
            r["name_nl"],
            r["kind"],
            r["parent_code"],
            [d for d in r["related_sbi_divisions"].split(";") if d],
        )
        for r in _rows(REGISTRY_DATA / "themes.csv")
    }
    ref = Reference(
        municipalities,
        {m.code: m for m in municipalities},
        provinces,
        regions,
        _rows(REGISTRY_DATA / "institutions.csv"),
        sbi,
        themes,
    )
    _set_weights(ref)
    return ref


def _set_weights(ref: Reference) -> None:
    """Province weight times 1/rank within the province (see the module docstring)."""
    for province, weight in PROVINCE_WEIGHTS.items():
        members = [m for m in ref.municipalities if m.province == province]
        main = [c for c in MAIN_MUNICIPALITIES[province] if c in ref.by_code]
        rank = {code: i + 1 for i, code in enumerate(main)}
        raw = {m.code: 1.0 / rank.get(m.code, len(main) + 1) for m in members}
        total = sum(raw.values())
        for m in members:
            m.weight = weight * raw[m.code] / total


# --- helpers ------------------------------------------------------------------------------


class Picker:
    """Draw from a fixed population with fixed weights, fast (cumulative weights)."""

    def __init__(self, population: Sequence[Any], weights: Sequence[float]) -> None:
        pairs = [(p, w) for p, w in zip(population, weights, strict=True) if w > 0]
        self.population = [p for p, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]
        self.last = len(self.cum) - 1

    def __call__(self, rng: random.Random) -> Any:
        return self.population[min(bisect(self.cum, rng.random() * self.total), self.last)]


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _core(name: str) -> str:
    """A name without legal form, case-folded: what must be unique."""
    for legal in LEGAL_FORMS:
        if legal and name.endswith(legal):
            name = name[: -len(legal)]
            break
    return " ".join(name.casefold().split())


class Names:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, candidates: Callable[[int], str]) -> str:
        """The first unused name among candidates(0), candidates(1), ..."""
        attempt = 0
        while True:
            name = candidates(attempt)
            key = _core(name)
            if key not in self.used:
                self.used.add(key)
                return name
            attempt += 1


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += letters
            n -= value
    return out


def _kvk(n: int) -> str:
    """The n-th fictional KvK number: 00 + a permutation of 0..979,999 (never 0099xxxx)."""
    return f"00{(n * 618_033 + 271_829) % 980_000:06d}"


def _fictional_brin(n: int) -> str:
    """The n-th fictional BRIN code: 9, a digit and two letters (6,760 codes)."""
    k = (n * 2011 + 17) % 6760
    digit, rest = divmod(k, 676)
    return f"9{digit}{chr(65 + rest // 26)}{chr(65 + rest % 26)}"


# --- the generator ------------------------------------------------------------------------


@dataclass
class Org:
    """What partnerships need to know about an organisation (kept in memory)."""

    id: str
    kind: str
    municipality: str
    region: str
    province: str
    themes: tuple[str, ...]


class Generator:
    def __init__(
        self, ref: Reference, *, organisations: int, partnerships: int, memberships: int, seed: int
    ) -> None:
        self.ref = ref
        self.n_org = organisations
        self.n_ps = partnerships
        self.n_ms = memberships
        self.seed = seed
        self.names = Names()
        self.orgs: list[Org] = []
        self.counts = Counts()
        # Pools of organisation indices.
        self.by_region_theme: dict[tuple[str, str], list[int]] = {}
        self.by_region: dict[str, list[int]] = {}
        self.by_theme: dict[str, list[int]] = {}
        self.schools: dict[tuple[str, str], list[int]] = {}  # (kind, region|province|"") -> idx
        self.public_by_region: dict[str, list[int]] = {}
        self.municipality_org: dict[str, int] = {}
        self.province_org: dict[str, int] = {}
        self.theme_children: dict[str, list[str]] = {}
        for theme in ref.themes.values():
            if theme.parent:
                self.theme_children.setdefault(theme.parent, []).append(theme.code)
        self.division_themes: dict[str, list[str]] = {}
        for theme in ref.themes.values():
            for division in theme.divisions:
                self.division_themes.setdefault(division, []).append(theme.code)

    def rng(self, stream: str) -> random.Random:
        # Synthetic data, not security: a seeded non-crypto generator is the point.
        return random.Random(f"knooppunt-generate:{self.seed}:{stream}")  # noqa: S311

    # -- plan --------------------------------------------------------------------------

    def plan_kinds(self) -> dict[str, int]:
        """How many organisations of each kind; raises ValueError when too few are asked."""
        scale = self.n_org / FULL_SIZE
        real = {kind: 0 for kind in SCHOOL_TARGETS}
        for row in self.ref.institutions:
            real[row["kind"]] += 1
        plan = {
            f"fictional_{kind}": max(0, round(target * scale) - real[kind])
            for kind, target in SCHOOL_TARGETS.items()
        }
        for kind, share in OTHER_KIND_SHARES.items():
            plan[kind] = round(self.n_org * share)
        fixed = (
            len(self.ref.institutions)
            + len(self.ref.municipalities)
            + len(self.ref.provinces)
            + len(MINISTRIES)
        )
        companies = self.n_org - fixed - sum(plan.values())
        if companies < MIN_COMPANIES:
            minimum = math.ceil((fixed + MIN_COMPANIES + plan["fictional_school_vo"]) * 1.02)
            raise ValueError(f"--organisations must be at least about {minimum}")
        plan["company"] = companies
        return plan

    def check(self) -> dict[str, int]:
        plan = self.plan_kinds()
        if self.n_ps < 1:
            raise ValueError("--partnerships must be at least 1")
        if self.n_ms < self.n_ps:
            raise ValueError("--memberships must be at least --partnerships (each has a lead)")
        if self.n_ms > self.n_ps * self.n_org // 2:
            raise ValueError("--memberships is too large for this many organisations")
        if plan["company"] > 980_000:
            raise ValueError("at most 980,000 companies (the fictional KvK block)")
        return plan

    # -- organisations -----------------------------------------------------------------

    def _add(self, org: Org, *, pooled: bool = True) -> int:
        idx = len(self.orgs)
        self.orgs.append(org)
        self.counts.organisations[org.kind] = self.counts.organisations.get(org.kind, 0) + 1
        if org.kind.startswith("school_"):
            for key in (org.region, org.province, ""):
                self.schools.setdefault((org.kind, key), []).append(idx)
        elif org.kind in {"municipality", "province"}:
            self.public_by_region.setdefault(org.region, []).append(idx)
        elif pooled:
            self.by_region.setdefault(org.region, []).append(idx)
            for theme in org.themes:
                self.by_region_theme.setdefault((org.region, theme), []).append(idx)
                self.by_theme.setdefault(theme, []).append(idx)
            if org.kind == "intermediary":
                self.public_by_region.setdefault(org.region, []).append(idx)
        return idx

    def _city(self, rng: random.Random, m: Municipality) -> str:
        return m.main_place if rng.random() < 0.6 else rng.choice(m.places)

    def _theme_names(self, codes: Sequence[str]) -> str:
        return ";".join(self.ref.themes[c].name_nl for c in codes)

    def organisations(self, writer: Any, plan: dict[str, int]) -> None:
        ref = self.ref
        rng = self.rng("organisations")
        muni_picker = Picker(ref.municipalities, [m.weight for m in ref.municipalities])
        school_picker = Picker(
            ref.municipalities, [math.sqrt(m.weight) for m in ref.municipalities]
        )
        domain_codes = [t.code for t in ref.themes.values() if t.kind in {"domain", "topsector"}]

        def row(org: Org, name: str, city: str, **cells: str) -> None:
            writer.writerow(
                [
                    org.id,
                    name,
                    org.kind,
                    org.municipality,
                    city,
                    cells.get("brin", ""),
                    cells.get("kvk", ""),
                    cells.get("sbi", ""),
                    self._theme_names(org.themes),
                    cells.get("website", ""),
                    cells.get("description", ""),
                ]
            )

        def org_at(idx: str, kind: str, m: Municipality | None, themes: Sequence[str]) -> Org:
            if m is None:
                return Org(idx, kind, "", "", "", tuple(themes))
            return Org(idx, kind, m.code, m.region, m.province, tuple(themes))

        # Real schools.
        for inst in ref.institutions:
            code, city = inst["municipality_code"], inst["city"]
            if not code and inst["brin"] in ASSUMED_SEATS:
                city, code = ASSUMED_SEATS[inst["brin"]]
            m = ref.by_code.get(code)
            org = org_at(
                f"brin:{inst['brin']}",
                inst["kind"],
                m,
                self._school_themes(rng, inst, domain_codes),
            )
            self.names.used.add(_core(inst["name"]))
            self._add(org)
            row(org, inst["name"], city, brin=inst["brin"], description=REAL_MARK)
        # Fictional schools.
        brin_n = 0
        for kind in SCHOOL_TARGETS:
            for _ in range(plan[f"fictional_{kind}"]):
                m = school_picker(rng)
                city = m.main_place if rng.random() < 0.85 else rng.choice(m.places)
                themes: list[str]
                if kind == "school_vo":
                    themes = ["onderwijs"]

                    def vo_name(attempt: int, city: str = city) -> str:
                        pattern = rng.choice(VO_PATTERNS)
                        name = pattern.format(place=city, person=rng.choice(VO_PERSONS))
                        return name if attempt < 5 else f"{name} {_roman(attempt - 3)}"

                    name = self.names.take(vo_name)
                    description = f"{MARK} School voor voortgezet onderwijs in {city}."
                else:
                    lo, hi = SCHOOL_THEME_COUNTS[kind]
                    themes = sorted(rng.sample(domain_codes, rng.randint(lo, hi)))
                    label = {"school_mbo": "Vakcollege", "school_hbo": "Hogeschool",
                             "school_wo": "Universiteit"}[kind]  # fmt: skip

                    def school_name(attempt: int, label: str = label, city: str = city) -> str:
                        return f"{label} {city}" + (f" {_roman(attempt + 1)}" if attempt else "")

                    name = self.names.take(school_name)
                    description = f"{MARK} Onderwijsinstelling in {city}."
                brin = _fictional_brin(brin_n)
                brin_n += 1
                org = org_at(f"brin:{brin}", kind, m, themes)
                self._add(org)
                row(org, name, city, brin=brin, description=description)
        # Public bodies.
        for province, pname in sorted(ref.provinces.items()):
            city, code = PROVINCE_SEATS[province]
            m = ref.by_code[code]
            org = org_at(f"pv:{province}", "province", m, ["overheid"])
            self.province_org[province] = self._add(org)
            self.names.used.add(_core(f"Provincie {pname}"))
            row(org, f"Provincie {pname}", city, description=REAL_MARK)
        for m in ref.municipalities:
            org = org_at(f"gm:{m.code}", "municipality", m, ["overheid"])
            self.municipality_org[m.code] = self._add(org)
            self.names.used.add(_core(f"Gemeente {m.name}"))
            row(org, f"Gemeente {m.name}", m.main_place, description=REAL_MARK)
        seat = ref.by_code["GM0518"]
        for ext_id, name, themes_ in MINISTRIES:
            org = org_at(ext_id, "national_government", seat, ["overheid", *themes_])
            self._add(org, pooled=False)
            self.names.used.add(_core(name))
            row(org, name, seat.main_place, description=REAL_MARK)
        # Associations, knowledge institutes, intermediaries, others, companies.
        number = 0
        for kind in ("industry_association", "knowledge_institute", "intermediary", "other"):
            for _ in range(plan[kind]):
                number += 1
                m = muni_picker(rng)
                city = self._city(rng, m)
                org, name = self._other_org(rng, kind, m, city, number)
                self._add(org)
                row(org, name, city, kvk=_kvk(number), description=self._other_description(
                    kind, city, org.themes))  # fmt: skip
        self.companies(rng, writer, plan["company"], number, muni_picker, row)

    @staticmethod
    def _school_themes(
        rng: random.Random, inst: dict[str, str], domain_codes: list[str]
    ) -> list[str]:
        """Themes a specialised school's name suggests; a broad school gets several at random."""
        name = inst["name"].casefold()
        themes = sorted({t for word, ts in SCHOOL_NAME_THEMES.items() if word in name for t in ts})
        lo, hi = SCHOOL_THEME_COUNTS[inst["kind"]]
        if not themes:
            themes = rng.sample(domain_codes, rng.randint(lo, hi))
        return sorted(themes)

    def _other_org(
        self, rng: random.Random, kind: str, m: Municipality, city: str, number: int
    ) -> tuple[Org, str]:
        ref = self.ref
        region = ref.regions[m.region]
        domain = rng.choice(
            sorted(c for c in THEME_LABELS if ref.themes[c].kind != "cross_cutting")
        )
        themes = [domain]
        if kind == "industry_association":
            patterns = ["Branchevereniging {label} {region}", "Ondernemersvereniging {city}",
                        "Vereniging {label} {province}", "Bedrijvenkring {city}",
                        "Platform {label} {region}"]  # fmt: skip
        elif kind == "knowledge_institute":
            patterns = ["Kenniscentrum {label} {region}", "Instituut voor {label} {city}",
                        "{brand} Research", "Expertisecentrum {label} {province}"]  # fmt: skip
        elif kind == "intermediary":
            themes.append(rng.choice(["arbeidsmarkt", "onderwijs", "leven_lang_ontwikkelen"]))
            patterns = ["Talentpunt {region}", "Stichting {brand} Werkt", "Praktijkpunt {city}",
                        "Netwerk {label} {region}", "Leerwerkpunt {city}",
                        "Platform Onderwijs & Bedrijf {city}"]  # fmt: skip
        else:
            themes = [rng.choice(["ondernemerschap", "leven_lang_ontwikkelen", domain])]
            patterns = ["Stichting {brand}", "Fonds {label} {region}", "Coöperatie {brand}",
                        "Stichting {label} {city}"]  # fmt: skip

        def candidate(attempt: int) -> str:
            name = rng.choice(patterns).format(
                label=THEME_LABELS[domain],
                region=region,
                city=city,
                province=ref.provinces[m.province],
                brand=self._brand(rng),
            )
            return name if attempt < 4 else f"{name} {_roman(attempt - 2)}"

        name = self.names.take(candidate)
        org = Org(f"gen-org-{number:06d}", kind, m.code, m.region, m.province, tuple(themes))
        return org, name

    def _other_description(self, kind: str, city: str, themes: Sequence[str]) -> str:
        what = {
            "industry_association": "Brancheorganisatie",
            "knowledge_institute": "Kennisinstelling",
            "intermediary": "Intermediair tussen onderwijs en arbeidsmarkt",
            "other": "Organisatie",
        }[kind]
        return f"{MARK} {what} in {city}, actief in {self.ref.themes[themes[0]].name_nl.lower()}."

    @staticmethod
    def _brand(rng: random.Random) -> str:
        return rng.choice(SYLLABLES_A) + rng.choice(SYLLABLES_B) + rng.choice(SYLLABLES_C)

    def companies(
        self,
        rng: random.Random,
        writer: Any,
        count: int,
        first_number: int,
        muni_picker: Picker,
        row: Callable[..., None],
    ) -> None:
        ref = self.ref
        section_sizes: dict[str, int] = {}
        for _code, _name, _division, section in ref.sbi:
            section_sizes[section] = section_sizes.get(section, 0) + 1
        sbi_pickers = {}
        for province in PROVINCE_WEIGHTS:
            bonus = PROVINCE_DIVISION_BONUS.get(province, {})
            weights = [
                SECTION_WEIGHTS.get(section, 0.0)
                / section_sizes[section]
                * bonus.get(division, 1.0)
                for _code, _name, division, section in ref.sbi
            ]
            sbi_pickers[province] = Picker(ref.sbi, weights)
        size_picker = Picker(COMPANY_SIZES, COMPANY_SIZE_WEIGHTS)
        legal_picker = Picker(LEGAL_FORMS, LEGAL_WEIGHTS)
        for i in range(count):
            number = first_number + i + 1
            m: Municipality = muni_picker(rng)
            city = self._city(rng, m)
            sbi = [sbi_pickers[m.province](rng)]
            if rng.random() < 0.2:
                second = sbi_pickers[m.province](rng)
                if second[0] != sbi[0][0]:
                    sbi.append(second)
            themes: list[str] = []
            for _code, _name, division, _section in sbi:
                linked = self.division_themes.get(division, [])
                if linked:
                    k = 1 if len(linked) == 1 or rng.random() < 0.6 else 2
                    for theme in rng.sample(linked, k):
                        if theme not in themes:
                            themes.append(theme)
            if themes and rng.random() < 0.25:
                children = self.theme_children.get(themes[0], [])
                if children:
                    child = rng.choice(children)
                    if child not in themes:
                        themes.append(child)
            if rng.random() < 0.05:
                extra = rng.choice(GENERAL_CROSS_THEMES)
                if extra not in themes:
                    themes.append(extra)
            section = sbi[0][3]
            words = SECTION_WORDS[section]
            legal = legal_picker(rng)

            def candidate(attempt: int, words: list[str] = words, city: str = city,
                          legal: str = legal) -> str:  # fmt: skip
                word = rng.choice(words)
                pattern = rng.random()
                if attempt >= 3:
                    base = f"{self._brand(rng)} {word} {city}"
                elif pattern < 0.1:
                    base = f"{rng.choice(SURNAMES)} {word}"
                elif pattern < 0.25:
                    base = f"{rng.choice(SURNAMES)} {word} {city}"
                elif pattern < 0.65:
                    base = f"{self._brand(rng)} {word}"
                elif pattern < 0.75:
                    base = self._brand(rng)
                elif pattern < 0.85:
                    base = f"{city} {word}"
                else:
                    base = f"{rng.choice(SURNAMES)} & {rng.choice(SURNAMES).split()[-1]} {word}"
                if attempt >= 8:
                    base += f" {_roman(attempt - 6)}"
                return base + legal

            name = self.names.take(candidate)
            website = f"https://{_slug(_core(name))}.example.nl" if rng.random() < 0.35 else ""
            activity = sbi[0][1]
            description = (
                f"{MARK} {size_picker(rng)} in {city}. "
                f"Activiteit: {activity[0].lower()}{activity[1:]}."
            )
            theme_tuple = tuple(themes)
            org = Org(f"gen-org-{number:06d}", "company", m.code, m.region, m.province, theme_tuple)
            self._add(org)
            row(
                org,
                name,
                city,
                kvk=_kvk(number),
                sbi=";".join(s[0] for s in sbi),
                website=website,
                description=description,
            )

    # -- partnerships ------------------------------------------------------------------

    def partnerships(self, ps_writer: Any, ms_writer: Any) -> None:
        ref = self.ref
        rng = self.rng("partnerships")
        kind_picker = Picker(
            list(PARTNERSHIP_KIND_WEIGHTS), list(PARTNERSHIP_KIND_WEIGHTS.values())
        )
        region_weight: dict[str, float] = {}
        for m in ref.municipalities:
            region_weight[m.region] = region_weight.get(m.region, 0.0) + m.weight
        regions = sorted(region_weight)
        region_picker = Picker(regions, [region_weight[r] ** 0.6 for r in regions])
        muni_in_region: dict[str, Picker] = {}
        for region in regions:
            ms = [m for m in ref.municipalities if m.region == region]
            muni_in_region[region] = Picker(ms, [m.weight for m in ms])
        self.region_province: dict[str, str] = {}
        for m in ref.municipalities:
            self.region_province.setdefault(m.region, m.province)
        self.region_themes: dict[str, list[tuple[str, float]]] = {}
        for (reg, theme), pool in sorted(self.by_region_theme.items()):
            if len(pool) >= 3:
                weight = len(pool) ** 0.7 * PARTNERSHIP_THEME_BONUS.get(theme, 1.0)
                self.region_themes.setdefault(reg, []).append((theme, weight))
        kinds = [kind_picker(rng) for _ in range(self.n_ps)]
        sizes = self._sizes(rng, kinds)
        for n, (kind, size) in enumerate(zip(kinds, sizes, strict=True), start=1):
            region = region_picker(rng)
            themes = self._partnership_themes(rng, kind, region)
            lead = self._lead(rng, kind, region)
            lead_org = self.orgs[lead]
            if lead_org.region == region and lead_org.municipality:
                m = ref.by_code[lead_org.municipality]
            else:
                m = muni_in_region[region](rng)
            city = self._city(rng, m)
            first, length = KIND_YEARS[kind]
            start = rng.randint(first, THIS_YEAR - 1)
            start = max(start, rng.randint(first, THIS_YEAR - 1))  # more recent ones
            end: int | None = None
            if length:
                end = start + length
            elif rng.random() < 0.2 and start < THIS_YEAR - 2:
                end = rng.randint(start + 2, THIS_YEAR - 1)
            if end is not None and end >= THIS_YEAR:
                end = None  # still running
            name = self._partnership_name(rng, kind, themes, region, city)
            ext_id = f"gen-ps-{n:05d}"
            ps_writer.writerow(
                [
                    ext_id,
                    name,
                    kind,
                    self._theme_names(themes),
                    m.code,
                    city,
                    start,
                    end or "",
                    f"{MARK} {KIND_PHRASES[kind]} rond "
                    f"{ref.themes[themes[0]].name_nl.lower()} in de regio {ref.regions[region]}.",
                ]
            )
            self.counts.partnerships[kind] = self.counts.partnerships.get(kind, 0) + 1
            last = min(end or THIS_YEAR, THIS_YEAR)
            for org_idx, role in self._members(rng, size, lead, region, m.code, themes):
                since = start if role in {"lead", "founder"} else rng.randint(start, last)
                ms_writer.writerow([ext_id, self.orgs[org_idx].id, role, since])
                self.counts.memberships += 1

    def _sizes(self, rng: random.Random, kinds: list[str]) -> list[int]:
        """Heavy-tailed sizes (>= 1, <= a cap) that add up exactly to the membership total."""
        cap = max(1, len(self.orgs) // 2)
        raw = [KIND_SIZE[k] * rng.lognormvariate(0.0, 0.8) for k in kinds]
        total = sum(raw)
        exact = [r * self.n_ms / total for r in raw]
        sizes = [min(cap, max(1, int(e))) for e in exact]
        diff = self.n_ms - sum(sizes)
        order = sorted(range(len(kinds)), key=lambda i: (-(exact[i] - int(exact[i])), i))
        while diff > 0:
            for i in order:
                if diff == 0:
                    break
                if sizes[i] < cap:
                    sizes[i] += 1
                    diff -= 1
        while diff < 0:
            for i in sorted(range(len(kinds)), key=lambda i: (-sizes[i], i)):
                if diff == 0:
                    break
                if sizes[i] > 1:
                    sizes[i] -= 1
                    diff += 1
        return sizes

    def _partnership_themes(self, rng: random.Random, kind: str, region: str) -> list[str]:
        if kind == "technohub":
            primary = rng.choice(TECHNOHUB_THEMES[:3])
        else:
            candidates = self.region_themes.get(region) or [("techniek", 1.0)]
            primary = rng.choices([c[0] for c in candidates], weights=[c[1] for c in candidates])[0]
        themes = [primary]
        related = [*self.theme_children.get(primary, [])]
        parent = self.ref.themes[primary].parent
        if parent:
            related.append(parent)
        if related and rng.random() < 0.6:
            themes.append(rng.choice(related))
        if rng.random() < 0.4:
            extra = rng.choice(PARTNERSHIP_EXTRA_THEMES)
            if extra not in themes:
                themes.append(extra)
        return themes

    def _lead(self, rng: random.Random, kind: str, region: str) -> int:
        options = LEAD_KINDS[kind]
        school_kind = rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]
        province = self.region_province[region]
        keys = [(school_kind, region), (school_kind, province)]
        keys += [(school_kind, p) for p in NEIGHBOURS[province]]
        keys.append((school_kind, ""))
        keys += [(k, "") for k in ("school_mbo", "school_hbo", "school_wo", "school_vo")]
        for key in keys:
            pool = self.schools.get(key)
            if pool:
                return rng.choice(pool)
        raise ValueError("no schools to lead partnerships")

    def _partnership_name(
        self, rng: random.Random, kind: str, themes: list[str], region: str, city: str
    ) -> str:
        label = THEME_LABELS[themes[0]]
        region_name = self.ref.regions[region]

        def candidate(attempt: int) -> str:
            name = rng.choice(KIND_NAMES[kind]).format(
                label=label, place=city, region=region_name, topic=rng.choice(TECHNOHUB_TOPICS)
            )
            if attempt >= 2:
                name = f"{name} {rng.choice(NAME_QUALIFIERS)}"
            if attempt >= 6:
                name = f"{name} {_roman(attempt - 4)}"
            return name

        return self.names.take(candidate)

    def _members(
        self,
        rng: random.Random,
        size: int,
        lead: int,
        region: str,
        municipality: str,
        themes: list[str],
    ) -> list[tuple[int, str]]:
        chosen: dict[int, str] = {lead: "lead"}
        if size > 3 and rng.random() < 0.4:
            chosen.setdefault(self.municipality_org[municipality], "funder")
        if size > 6 and rng.random() < 0.25:
            province = self.ref.by_code[municipality].province
            chosen.setdefault(self.province_org[province], "funder")
        theme_pools = [self.by_region_theme.get((region, t), []) for t in themes]
        theme_pools = [p for p in theme_pools if p]
        national = [self.by_theme[t] for t in themes if t in self.by_theme]
        schools = [
            p
            for k in ("school_mbo", "school_hbo", "school_vo")
            if (p := self.schools.get((k, region)))
        ]
        public = self.public_by_region.get(region, [])
        region_pool = self.by_region.get(region, [])
        source_picker = [s for s, _ in MEMBER_SOURCES]
        source_weights = [w for _, w in MEMBER_SOURCES]
        founders = rng.randint(0, 2) if size > 4 else 0
        misses = 0
        while len(chosen) < size:
            source = rng.choices(source_picker, weights=source_weights)[0]
            pool: list[int] = []
            if source == "region_theme" and theme_pools:
                pool = rng.choice(theme_pools)
            elif source == "region":
                pool = region_pool
            elif source == "theme" and national:
                pool = rng.choice(national)
            elif source == "school" and schools:
                pool = rng.choice(schools)
            elif source == "public":
                pool = public
            idx = rng.randrange(len(self.orgs)) if misses > 50 or not pool else rng.choice(pool)
            if idx in chosen:
                misses += 1
                continue
            org = self.orgs[idx]
            if founders and org.kind == "company":
                role = "founder"
                founders -= 1
            elif org.kind.startswith("school_") or rng.random() < 0.3:
                role = "partner"
            else:
                role = "member"
            chosen[idx] = role
        return list(chosen.items())


def generate(
    out_dir: Path | str,
    *,
    organisations: int = FULL_SIZE,
    partnerships: int = 5_000,
    memberships: int = 100_000,
    seed: int = 1,
) -> Counts:
    """Write organisations.csv, partnerships.csv and memberships.csv to `out_dir`."""
    started = time.perf_counter()
    out = Path(out_dir)
    gen = Generator(
        load_reference(),
        organisations=organisations,
        partnerships=partnerships,
        memberships=memberships,
        seed=seed,
    )
    plan = gen.check()
    out.mkdir(parents=True, exist_ok=True)
    with (out / "organisations.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(ORGANISATION_COLUMNS)
        gen.organisations(writer, plan)
    with (
        (out / "partnerships.csv").open("w", encoding="utf-8", newline="") as ps_fh,
        (out / "memberships.csv").open("w", encoding="utf-8", newline="") as ms_fh,
    ):
        ps_writer = csv.writer(ps_fh)
        ms_writer = csv.writer(ms_fh)
        ps_writer.writerow(PARTNERSHIP_COLUMNS)
        ms_writer.writerow(MEMBERSHIP_COLUMNS)
        gen.partnerships(ps_writer, ms_writer)
    gen.counts.seconds = time.perf_counter() - started
    return gen.counts
