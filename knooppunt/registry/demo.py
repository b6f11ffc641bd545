"""Demo data for a local Knooppunt (`knooppunt demo`). Never loaded in production.

Three layers, each recognisable in the data:

1. **Reference data**: places, themes, SBI codes, and the 110 real mbo, hbo and wo
   institutions with their BRIN (DUO open data, `data/institutions.csv`).
2. **Named in the seed texts** (`shared/seeds`): Talentencampus Oss, De Kracht van Oss,
   the Learning Communities in Oss, Katapult, FME, A+O Metalektro and the Technohub
   regulation, Metalot, Smart Services Campus, Qeske, Grow Campus, Denim City, TecWijzer,
   Edupower and Bureau Birch. Only the facts the texts state, in our own words; no contact
   details are made up for the real people named there.
3. **Generated and fictional**: about 300 companies, 50 partnerships and 120 contact
   people, all from `random.Random(2026)` so every run builds the same data. Descriptions
   start with "Fictief bedrijf (demodata)." or "Fictief samenwerkingsverband (demodata).";
   KvK numbers are 0099xxxx, e-mail addresses and websites are on example.nl and mobile
   numbers are 06-00xxxxxx (a block that is not handed out). Three fictional partners
   abroad (in Mol, Aachen and Valencia: a country, no municipality) join European
   partnerships.

Every organisation and partnership gets a stable id under source "demo"
(`brin:25LJ`, `seed:talentencampus-oss`, `gen-company-0001`); a second run skips what is
already there, so `demo_load()` is idempotent. All writes go through the registry services
with `actor=None`, which keeps audit entries and search documents right.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field

from django.db import transaction

from knooppunt.accounts.models import Editorship, User
from knooppunt.accounts.services import editorship_grant
from knooppunt.core.text import fold
from knooppunt.places.models import Municipality
from knooppunt.places.services import places_load_reference
from knooppunt.registry.models import (
    Affiliation,
    Membership,
    Organisation,
    OrganisationSourceId,
    Partnership,
    PartnershipContact,
    PartnershipSourceId,
    Person,
    SbiCode,
    Theme,
)
from knooppunt.registry.services import (
    DATA,
    membership_set,
    organisation_create,
    partnership_contact_set,
    partnership_create,
    person_create,
    sbi_load_reference,
    themes_load_reference,
)

DEMO_STAFF_EMAIL = "staf@knooppunt.example"
DEMO_STAFF_PASSWORD = "demo-knooppunt-2026"  # noqa: S105 - a published demo login, never production
DEMO_EDITOR_EMAIL = "redacteur@knooppunt.example"
DEMO_EDITOR_PASSWORD = "demo-redacteur-2026"  # noqa: S105 - idem
DEMO_EDITOR_ORGANISATION = "seed:talentencampus-oss"

SOURCE = "demo"
SEED = 2026
FICTIONAL_COMPANY = "Fictief bedrijf (demodata)."
FICTIONAL_PARTNERSHIP = "Fictief samenwerkingsverband (demodata)."
LAST_YEAR = 2025


# --- plan: plain data, built before anything is written -----------------------------------


@dataclass
class OrgSpec:
    external_id: str
    kind: str
    name: str
    municipality: str = ""  # CBS code
    city: str = ""
    themes: tuple[str, ...] = ()
    sbi: tuple[str, ...] = ()
    brin: str = ""
    kvk: str = ""
    website: str = ""
    description: str = ""
    province: str = ""  # for planning only
    country: str = "NL"


@dataclass
class PartnershipSpec:
    external_id: str
    kind: str
    name: str
    municipality: str = ""
    city: str = ""
    themes: tuple[str, ...] = ()
    start_year: int | None = None
    end_year: int | None = None
    description: str = ""
    goals: str = ""
    website: str = ""
    # (organisation external id, role, since year)
    members: list[tuple[str, str, int | None]] = field(default_factory=list)


@dataclass
class PersonSpec:
    name: str
    organisation: str  # external id
    function: str
    email: str = ""
    phone: str = ""
    is_public: bool = False
    contact_for: list[tuple[str, str]] = field(default_factory=list)  # (partnership id, role)


@dataclass
class Plan:
    organisations: list[OrgSpec] = field(default_factory=list)
    partnerships: list[PartnershipSpec] = field(default_factory=list)
    people: list[PersonSpec] = field(default_factory=list)


# --- fictional partners abroad (interchange format 1.1: a country, no municipality) -------

FICTIONAL_ABROAD = "Fictieve buitenlandse partner (demodata)."
ABROAD_ORGANISATIONS = [
    OrgSpec(
        "gen-abroad-mol",
        "knowledge_institute",
        "Kempens Energie-instituut",
        city="Mol",
        themes=("energie",),
        description=f"{FICTIONAL_ABROAD} Vlaams onderzoeksinstituut voor energie en materialen.",
        country="BE",
    ),
    OrgSpec(
        "gen-abroad-aachen",
        "school_wo",
        "Hochschule Dreiländereck",
        city="Aachen",
        themes=("htsm",),
        description=f"{FICTIONAL_ABROAD} Duitse technische universiteit, partner in EU-projecten.",
        country="DE",
    ),
    OrgSpec(
        "gen-abroad-valencia",
        "school_wo",
        "Universidad del Turia",
        city="Valencia",
        themes=("agri_food",),
        description=f"{FICTIONAL_ABROAD} Spaanse universiteit, partner in een Europees CoVE.",
        country="ES",
    ),
]
MAX_MEMBERS = 12  # besides the lead


# --- layer 2: organisations and partnerships named in the seed texts ----------------------

SEED_ORGANISATIONS = [
    OrgSpec(
        "seed:talentencampus-oss",
        "intermediary",
        "Talentencampus Oss",
        "GM0828",
        "Oss",
        ("onderwijs", "arbeidsmarkt"),
        description="Intermediair tussen onderwijs en bedrijfsleven in Oss. Stelt de "
        "Learning Communities samen, houdt de contacten bij en zorgt dat de "
        "samenwerking niet van losse personen afhangt.",
    ),
    OrgSpec(
        "seed:kracht-van-oss",
        "intermediary",
        "De Kracht van Oss",
        "GM0828",
        "Oss",
        ("ondernemerschap", "arbeidsmarkt"),
        description="Netwerk dat al tien jaar projecten in Oss ondersteunt, zoals de "
        "Talentencampus, De Kracht van New Business en de Droomwinkel. Levert ideeën, "
        "inbreng en een breed netwerk voor de Learning Communities.",
    ),
    OrgSpec(
        "seed:katapult",
        "intermediary",
        "Katapult",
        "GM0518",
        "Den Haag",
        ("onderwijs", "ondernemerschap", "leven_lang_ontwikkelen"),
        description="Landelijk netwerk van publiek-private samenwerkingen in het "
        "beroepsonderwijs: Centres of Expertise in het hbo, Centra voor Innovatief "
        "Vakmanschap en andere PPS in het mbo. Tussen 2011 en 2018 zijn er ruim 160 van "
        "zulke samenwerkingen begonnen.",
    ),
    OrgSpec(
        "seed:fme",
        "industry_association",
        "FME",
        "GM0637",
        "Zoetermeer",
        ("maakindustrie", "htsm"),
        description="Werkgeversorganisatie voor de technologische industrie. Bedacht samen "
        "met de vakbonden de aanjaagsubsidie voor Technohubs.",
    ),
    OrgSpec(
        "seed:ao-metalektro",
        "other",
        "A+O Metalektro",
        themes=("maakindustrie", "leven_lang_ontwikkelen"),
        description="Opleidings- en ontwikkelingsfonds van de cao Metalektro. Via dit fonds "
        "konden aangesloten bedrijven subsidie aanvragen om een Technohub op te richten.",
    ),
    OrgSpec(
        "seed:tecwijzer",
        "intermediary",
        "TecWijzer",
        themes=("techniek", "onderwijs"),
        description="Brengt overheden, scholen en bedrijven met elkaar in contact rond "
        "wetenschap en techniek in het onderwijs.",
    ),
    OrgSpec(
        "seed:edupower",
        "intermediary",
        "Edupower",
        themes=("onderwijs", "ict"),
        description="Adviesorganisatie die samenwerking tussen onderwijs en bedrijfsleven "
        "stimuleert en scholen informeert over digitaal onderwijs.",
    ),
    OrgSpec(
        "seed:bureau-birch",
        "knowledge_institute",
        "Bureau Birch",
        themes=("onderwijs",),
        description="Onderzoeksbureau dat de impact van de Technohubs onderzoekt.",
    ),
]

SEED_PEOPLE = [
    PersonSpec("Richard van Ommen", "seed:talentencampus-oss", "Directeur", is_public=True),
    PersonSpec("Liz Chermin", "seed:kracht-van-oss", "Bestuurslid", is_public=True),
]

_LC_OSS = ("seed:talentencampus-oss", "lead", None)
SEED_PARTNERSHIPS = [
    PartnershipSpec(
        "seed:learning-communities-oss",
        "learning_community",
        "Learning Communities Oss",
        "GM0828",
        "Oss",
        ("onderwijs", "ict", "vitaliteit", "bouw"),
        description="Programma waarin studenten en docenten van verschillende opleidingen "
        "samen met bedrijven aan echte opdrachten werken; onderzoeksthema's lopen meerdere "
        "jaren door. In een paar jaar zijn zes Learning Communities gestart, met samen zo'n "
        "1000 studenten en 80 tot 100 bedrijven; de nieuwste is BIM 5. Ook negen hogescholen "
        "en twee universiteiten zijn erbij betrokken.",
        goals="Meer communities, ook over goed werkgeverschap en de energietransitie, en een "
        "digitale werkplaats met de HAN (afspraken voor drie jaar).",
        members=[_LC_OSS, ("seed:kracht-van-oss", "partner", None), ("brin:25KB", "partner", None)],
    ),
    PartnershipSpec(
        "seed:lc-oss-digitalisering",
        "learning_community",
        "Learning Community Digitalisering Oss",
        "GM0828",
        "Oss",
        ("ict", "onderwijs"),
        description="Een van de Learning Communities in Oss: studenten, docenten en bedrijven "
        "werken samen aan digitaliseringsvragen.",
        members=[_LC_OSS],
    ),
    PartnershipSpec(
        "seed:lc-oss-vitaliteit",
        "learning_community",
        "Learning Community Vitaliteit Oss",
        "GM0828",
        "Oss",
        ("vitaliteit", "onderwijs"),
        description="Een van de Learning Communities in Oss, rond vitaliteit en duurzame "
        "inzetbaarheid.",
        members=[_LC_OSS],
    ),
    PartnershipSpec(
        "seed:lc-oss-bim-5",
        "learning_community",
        "Learning Community BIM 5 (Oss)",
        "GM0828",
        "Oss",
        ("bouw", "ict"),
        description="De jongste Learning Community in Oss, over bouwinformatiemodellen (BIM).",
        members=[_LC_OSS],
    ),
    PartnershipSpec(
        "seed:technohubs",
        "other",
        "Aanjaagregeling Technohubs",
        themes=("maakindustrie", "leven_lang_ontwikkelen", "smart_industry"),
        description="Subsidieregeling van FME en de vakbonden, uitgevoerd door A+O Metalektro. "
        "Bedrijven onder de cao Metalektro konden anderhalf jaar lang een Technohub aanvragen: "
        "een regionale PPS waar werkenden bijblijven en jongeren toekomstige vaardigheden "
        "leren. Er zijn 12 Technohubs ontstaan, verspreid over het land, elk met minstens twee "
        "onderwijsinstellingen en bedrijven uit de maakindustrie. De regeling is gesloten; "
        "Bureau Birch onderzoekt de impact.",
        members=[
            ("seed:ao-metalektro", "lead", None),
            ("seed:fme", "founder", None),
            ("seed:bureau-birch", "partner", None),
        ],
    ),
    PartnershipSpec(
        "seed:metalot",
        "campus",
        "Metalot",
        "GM1706",
        "Budel",
        ("maakindustrie",),
        description="Innovatiecentrum voor de metaalindustrie, in te richten in een oude "
        "zinkfabriek in Brabant.",
    ),
    PartnershipSpec(
        "seed:smart-services-campus",
        "campus",
        "Smart Services Campus",
        "GM0917",
        "Heerlen",
        ("ai_data", "ict"),
        description="Campus voor diensten op basis van big data, in het vroegere kantoor van "
        "APG in Heerlen.",
    ),
    PartnershipSpec(
        "seed:qeske",
        "hub",
        "Qeske",
        "GM0917",
        "Heerlen",
        ("ondernemerschap",),
        description="Leegstaande kantoorruimte in Limburg, omgebouwd tot werk- en "
        "ontmoetingsplekken voor ongeveer 80 studenten en bedrijven.",
    ),
    PartnershipSpec(
        "seed:grow-campus",
        "campus",
        "Grow Campus",
        description="Publiek-private campus, genoemd als voorbeeld van de snelle groei van "
        "samenwerking tussen onderwijs en bedrijfsleven.",
    ),
    PartnershipSpec(
        "seed:denim-city",
        "hub",
        "Denim City",
        "GM0363",
        "Amsterdam",
        ("creatieve_industrie",),
        description="Amsterdamse plek waar onderwijs en bedrijfsleven samenwerken; genoemd als "
        "voorbeeld van publiek-private samenwerking.",
    ),
]

# Real public bodies (names only, neutral descriptions).
PROVINCE_ORGS = [
    ("PV20", "Groningen", "Groningen", "GM0014"),
    ("PV21", "Fryslân", "Leeuwarden", "GM0080"),
    ("PV22", "Drenthe", "Assen", "GM0106"),
    ("PV23", "Overijssel", "Zwolle", "GM0193"),
    ("PV24", "Flevoland", "Lelystad", "GM0995"),
    ("PV25", "Gelderland", "Arnhem", "GM0202"),
    ("PV26", "Utrecht", "Utrecht", "GM0344"),
    ("PV27", "Noord-Holland", "Haarlem", "GM0392"),
    ("PV28", "Zuid-Holland", "Den Haag", "GM0518"),
    ("PV29", "Zeeland", "Middelburg", "GM0687"),
    ("PV30", "Noord-Brabant", "'s-Hertogenbosch", "GM0796"),
    ("PV31", "Limburg", "Maastricht", "GM0935"),
]
MUNICIPALITY_ORGS = [
    ("PV20", "Groningen", "GM0014"),
    ("PV21", "Leeuwarden", "GM0080"),
    ("PV22", "Emmen", "GM0114"),
    ("PV22", "Assen", "GM0106"),
    ("PV23", "Zwolle", "GM0193"),
    ("PV23", "Enschede", "GM0153"),
    ("PV24", "Almere", "GM0034"),
    ("PV24", "Lelystad", "GM0995"),
    ("PV25", "Arnhem", "GM0202"),
    ("PV25", "Nijmegen", "GM0268"),
    ("PV26", "Utrecht", "GM0344"),
    ("PV26", "Amersfoort", "GM0307"),
    ("PV27", "Amsterdam", "GM0363"),
    ("PV27", "Alkmaar", "GM0361"),
    ("PV28", "Rotterdam", "GM0599"),
    ("PV28", "Den Haag", "GM0518"),
    ("PV29", "Terneuzen", "GM0715"),
    ("PV29", "Middelburg", "GM0687"),
    ("PV30", "Oss", "GM0828"),
    ("PV30", "Eindhoven", "GM0772"),
    ("PV30", "Tilburg", "GM0855"),
    ("PV31", "Heerlen", "GM0917"),
    ("PV31", "Venlo", "GM0983"),
]

# --- layer 3: what the generator draws from -------------------------------------------------

# (place, CBS municipality code) per province, most important first.
PROVINCE_CITIES: dict[str, list[tuple[str, str]]] = {
    "PV20": [
        ("Groningen", "GM0014"),
        ("Hoogezand", "GM1952"),
        ("Delfzijl", "GM1979"),
        ("Veendam", "GM0047"),
        ("Winschoten", "GM1895"),
        ("Stadskanaal", "GM0037"),
    ],
    "PV21": [
        ("Leeuwarden", "GM0080"),
        ("Drachten", "GM0090"),
        ("Heerenveen", "GM0074"),
        ("Sneek", "GM1900"),
        ("Harlingen", "GM0072"),
    ],
    "PV22": [
        ("Assen", "GM0106"),
        ("Emmen", "GM0114"),
        ("Hoogeveen", "GM0118"),
        ("Meppel", "GM0119"),
        ("Coevorden", "GM0109"),
    ],
    "PV23": [
        ("Zwolle", "GM0193"),
        ("Enschede", "GM0153"),
        ("Hengelo", "GM0164"),
        ("Almelo", "GM0141"),
        ("Deventer", "GM0150"),
        ("Kampen", "GM0166"),
    ],
    "PV24": [
        ("Almere", "GM0034"),
        ("Lelystad", "GM0995"),
        ("Emmeloord", "GM0171"),
        ("Dronten", "GM0303"),
    ],
    "PV25": [
        ("Arnhem", "GM0202"),
        ("Nijmegen", "GM0268"),
        ("Apeldoorn", "GM0200"),
        ("Ede", "GM0228"),
        ("Doetinchem", "GM0222"),
        ("Tiel", "GM0281"),
        ("Harderwijk", "GM0243"),
        ("Wageningen", "GM0289"),
    ],
    "PV26": [
        ("Utrecht", "GM0344"),
        ("Amersfoort", "GM0307"),
        ("Nieuwegein", "GM0356"),
        ("Veenendaal", "GM0345"),
        ("Houten", "GM0321"),
        ("Zeist", "GM0355"),
    ],
    "PV27": [
        ("Amsterdam", "GM0363"),
        ("Haarlem", "GM0392"),
        ("Alkmaar", "GM0361"),
        ("Zaandam", "GM0479"),
        ("Hoofddorp", "GM0394"),
        ("Hoorn", "GM0405"),
        ("Hilversum", "GM0402"),
        ("Purmerend", "GM0439"),
        ("Den Helder", "GM0400"),
    ],
    "PV28": [
        ("Rotterdam", "GM0599"),
        ("Den Haag", "GM0518"),
        ("Leiden", "GM0546"),
        ("Delft", "GM0503"),
        ("Dordrecht", "GM0505"),
        ("Zoetermeer", "GM0637"),
        ("Naaldwijk", "GM1783"),
        ("Gouda", "GM0513"),
        ("Schiedam", "GM0606"),
        ("Alphen aan den Rijn", "GM0484"),
        ("Spijkenisse", "GM1930"),
    ],
    "PV29": [
        ("Middelburg", "GM0687"),
        ("Vlissingen", "GM0718"),
        ("Terneuzen", "GM0715"),
        ("Goes", "GM0664"),
        ("Zierikzee", "GM1676"),
    ],
    "PV30": [
        ("Eindhoven", "GM0772"),
        ("Tilburg", "GM0855"),
        ("Breda", "GM0758"),
        ("'s-Hertogenbosch", "GM0796"),
        ("Helmond", "GM0794"),
        ("Oss", "GM0828"),
        ("Roosendaal", "GM1674"),
        ("Veghel", "GM1948"),
        ("Bergen op Zoom", "GM0748"),
        ("Uden", "GM1991"),
        ("Waalwijk", "GM0867"),
        ("Budel", "GM1706"),
    ],
    "PV31": [
        ("Maastricht", "GM0935"),
        ("Heerlen", "GM0917"),
        ("Venlo", "GM0983"),
        ("Sittard", "GM1883"),
        ("Roermond", "GM0957"),
        ("Weert", "GM0988"),
        ("Kerkrade", "GM0928"),
    ],
}
# Companies per province (300): more in the Randstad and Noord-Brabant.
COMPANY_COUNTS = {
    "PV20": 13,
    "PV21": 13,
    "PV22": 10,
    "PV23": 22,
    "PV24": 12,
    "PV25": 36,
    "PV26": 26,
    "PV27": 42,
    "PV28": 46,
    "PV29": 12,
    "PV30": 46,
    "PV31": 22,
}
# Fictional partnerships per province (40), besides one Technohub in every province.
PARTNERSHIP_COUNTS = {
    "PV20": 3,
    "PV21": 2,
    "PV22": 2,
    "PV23": 3,
    "PV24": 2,
    "PV25": 4,
    "PV26": 3,
    "PV27": 5,
    "PV28": 5,
    "PV29": 3,
    "PV30": 5,
    "PV31": 3,
}
NEIGHBOURS = {
    "PV20": ["PV21", "PV22"],
    "PV21": ["PV20", "PV22"],
    "PV22": ["PV20", "PV23"],
    "PV23": ["PV25", "PV22"],
    "PV24": ["PV23", "PV26", "PV27"],
    "PV25": ["PV26", "PV23"],
    "PV26": ["PV27", "PV25"],
    "PV27": ["PV26", "PV28"],
    "PV28": ["PV27", "PV26"],
    "PV29": ["PV30", "PV28"],
    "PV30": ["PV31", "PV25"],
    "PV31": ["PV30"],
}
REGIONAL = {
    "PV20": "Groninger",
    "PV21": "Friese",
    "PV22": "Drentse",
    "PV23": "Overijsselse",
    "PV24": "Flevolandse",
    "PV25": "Gelderse",
    "PV26": "Utrechtse",
    "PV27": "Noord-Hollandse",
    "PV28": "Zuid-Hollandse",
    "PV29": "Zeeuwse",
    "PV30": "Brabantse",
    "PV31": "Limburgse",
}
SURNAMES = [
    "van den Berg",
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "de Jong",
    "Schouten",
    "van Beek",
    "Willems",
    "van Dijk",
    "Hoekstra",
    "Maas",
    "Verhoeven",
    "Koster",
    "Prins",
    "Blom",
    "Huisman",
    "Peeters",
    "Kuipers",
    "van Wijk",
    "Postma",
    "Kramer",
    "van Vliet",
    "Timmermans",
    "Groen",
    "Sanders",
    "Wouters",
    "Koopman",
    "Verbeek",
    "Scholten",
    "van der Heijden",
    "Martens",
    "van Dam",
    "Bosman",
    "van Rijn",
    "Hermans",
    "Evers",
    "Veenstra",
    "Lammers",
    "Claessens",
    "Wijnands",
    "Hofstra",
    "Bijl",
    "Kaya",
    "Yilmaz",
    "El Amrani",
    "Nguyen",
    "Pinas",
]
FIRST_NAMES = [
    "Sanne",
    "Daan",
    "Fatima",
    "Mohamed",
    "Anouk",
    "Bram",
    "Lotte",
    "Thijs",
    "Noor",
    "Sem",
    "Emma",
    "Luuk",
    "Eva",
    "Jesse",
    "Iris",
    "Ruben",
    "Yara",
    "Milan",
    "Fleur",
    "Stijn",
    "Esra",
    "Kevin",
    "Lisa",
    "Tim",
    "Marloes",
    "Joost",
    "Ilse",
    "Hamza",
    "Sophie",
    "Jeroen",
    "Karin",
    "Peter",
    "Marieke",
    "Erik",
    "Annemiek",
    "Hans",
    "Ingrid",
    "Wouter",
    "Priya",
    "Dewi",
    "Mehmet",
    "Linda",
    "Rik",
    "Femke",
    "Gerben",
    "Tessa",
]


@dataclass(frozen=True)
class Sector:
    label: str  # short word for partnership names
    themes: tuple[str, ...]  # the first has SBI divisions
    words: tuple[str, ...]  # for company names
    activity: str
    focus: str
    weight: int
    provinces: tuple[str, ...] = ()  # where companies of this sector may be; empty: anywhere


SECTORS = [
    Sector(
        "Maakindustrie",
        ("maakindustrie", "smart_industry", "robotica", "htsm"),
        (
            "Metaaltechniek",
            "Machinebouw",
            "Precisietechniek",
            "Constructiewerken",
            "Plaatbewerking",
            "Lastechniek",
            "Metaalbewerking",
        ),
        "dat onderdelen en machines maakt voor de maakindustrie",
        "slimme productie, lassen, verspanen en vakmanschap in de metaal",
        16,
    ),
    Sector(
        "Installatietechniek",
        ("installatietechniek", "energietransitie", "energie"),
        ("Installatietechniek", "Elektrotechniek", "Klimaattechniek", "Installaties"),
        "dat gebouwen voorziet van elektra, warmtepompen en klimaatinstallaties",
        "installatietechniek voor de energietransitie",
        10,
    ),
    Sector(
        "Bouw",
        ("bouw", "wonen_leefomgeving", "circulaire_economie", "biobased"),
        ("Bouw", "Bouwgroep", "Aannemersbedrijf", "Bouwbedrijf", "Timmerfabriek"),
        "dat woningen en utiliteitsgebouwen bouwt en renoveert",
        "circulair en industrieel bouwen",
        12,
    ),
    Sector(
        "Zorg",
        ("zorg_welzijn", "zorgtechnologie", "vitaliteit"),
        ("Zorggroep", "Thuiszorg", "Zorgdiensten"),
        "dat thuiszorg en ouderenzorg biedt",
        "zorgtechnologie en nieuwe manieren van werken in de zorg",
        8,
    ),
    Sector(
        "ICT",
        ("ict", "ai_data", "cybersecurity"),
        ("Software", "IT", "Data", "Digital", "Automatisering"),
        "dat software en data-oplossingen ontwikkelt voor het mkb",
        "digitale vaardigheden, data en cybersecurity",
        10,
    ),
    Sector(
        "Logistiek",
        ("logistiek", "mobiliteit", "smart_industry"),
        ("Transport", "Logistiek", "Distributie", "Expeditie"),
        "voor wegtransport, opslag en distributie",
        "slimme logistiek en data in de keten",
        8,
    ),
    Sector(
        "Food",
        ("voeding", "agri_food", "circulaire_economie"),
        ("Voedingsmiddelen", "Zuivel", "Bakkerij", "Foods"),
        "dat levensmiddelen produceert",
        "voedselveiligheid, procesinnovatie en minder voedselverspilling",
        6,
    ),
    Sector(
        "Tuinbouw",
        ("tuinbouw", "agri_food", "energietransitie"),
        ("Kwekerij", "Tuinbouw", "Kassenbouw", "Plantenkwekerij"),
        "dat groenten, planten of bloemen teelt onder glas",
        "duurzame glastuinbouw en teelttechniek",
        5,
    ),
    Sector(
        "Procestechniek",
        ("chemie", "procestechniek", "circulaire_economie"),
        ("Chemie", "Kunststoffen", "Coatings", "Process Solutions"),
        "dat grondstoffen verwerkt tot kunststoffen en coatings",
        "procestechniek, veiligheid en onderhoud in de procesindustrie",
        5,
    ),
    Sector(
        "Energie",
        ("energie", "energietransitie", "waterstof"),
        ("Energie", "Zonne-energie", "Warmte", "Energy"),
        "dat zonnestroom, warmte en opslag levert aan bedrijven en woningen",
        "de energietransitie en netcongestie in de regio",
        5,
    ),
    Sector(
        "Maritiem",
        ("water_maritiem", "maakindustrie", "logistiek"),
        ("Scheepsbouw", "Waterbouw", "Maritiem", "Scheepswerf", "Jachtbouw"),
        "dat schepen bouwt en onderhoudt of aan waterbouwprojecten werkt",
        "maritieme techniek en waterbouw",
        5,
        ("PV20", "PV21", "PV23", "PV24", "PV25", "PV27", "PV28", "PV29", "PV30", "PV31"),
    ),
    Sector(
        "Gastvrijheid",
        ("hospitality", "voeding"),
        ("Hotel", "Horecagroep", "Catering", "Events"),
        "in horeca, catering en evenementen",
        "gastvrijheid en vakmanschap in de horeca",
        5,
    ),
    Sector(
        "Creatieve Technologie",
        ("creatieve_industrie", "ict"),
        ("Ontwerpbureau", "Media", "Design", "Studio"),
        "dat ontwerp, video en interactieve media maakt",
        "creatieve technologie en design",
        4,
    ),
    Sector(
        "Mobiliteit",
        ("mobiliteit", "energietransitie"),
        ("Autobedrijf", "Mobiliteit", "Carrosserie", "Fietstechniek"),
        "voor onderhoud en reparatie van voertuigen",
        "elektrisch rijden en nieuwe voertuigtechniek",
        5,
    ),
    Sector(
        "Zakelijke Dienstverlening",
        ("zakelijke_dienstverlening", "ict"),
        ("Administratiekantoor", "Adviesgroep", "Accountants", "Personeelsdiensten"),
        "in administratie, advies en personeelsdiensten",
        "digitalisering van de zakelijke dienstverlening",
        4,
    ),
    Sector(
        "Groen",
        ("groen", "klimaatadaptatie", "biobased"),
        ("Hoveniers", "Groenvoorziening", "Boomverzorging"),
        "dat tuinen, parken en openbaar groen aanlegt en onderhoudt",
        "klimaatadaptief groen en natuurinclusief werken",
        3,
    ),
    Sector(
        "Circulair",
        ("circulaire_economie", "biobased", "procestechniek"),
        ("Recycling", "Grondstoffen", "Circulair"),
        "dat afval inzamelt en grondstoffen terugwint",
        "hergebruik van grondstoffen",
        3,
    ),
    Sector(
        "Life Sciences",
        ("lsh", "zorgtechnologie", "chemie"),
        ("Laboratoria", "Medical", "Pharma", "Diagnostics"),
        "dat medische hulpmiddelen en diagnostiek ontwikkelt",
        "life sciences en laboratoriumtechniek",
        3,
    ),
    Sector(
        "Luchtvaart",
        ("luchtvaart", "maakindustrie", "htsm"),
        ("Aerospace", "Aviation Services", "Vliegtuigonderhoud"),
        "voor onderhoud en onderdelen in de luchtvaart",
        "luchtvaarttechniek en onderhoud",
        2,
        ("PV24", "PV27", "PV28", "PV30", "PV31"),
    ),
]
PROVINCE_SECTOR_BONUS = {
    "PV28": {"Tuinbouw": 3, "Maritiem": 2, "Logistiek": 2},
    "PV29": {"Maritiem": 3, "Procestechniek": 2},
    "PV30": {"Maakindustrie": 2, "Logistiek": 2},
    "PV31": {"Procestechniek": 2, "Logistiek": 2},
    "PV21": {"Food": 3, "Maritiem": 2},
    "PV20": {"Energie": 3, "Procestechniek": 2},
    "PV25": {"Food": 2, "Groen": 2},
    "PV27": {"ICT": 2, "Luchtvaart": 3, "Creatieve Technologie": 2},
    "PV26": {"ICT": 2, "Zakelijke Dienstverlening": 2},
    "PV24": {"Logistiek": 2, "Bouw": 2},
}
CROSS_THEMES = ("leven_lang_ontwikkelen", "arbeidsmarkt", "ondernemerschap", "onderwijs")
TECHNOHUB_TOPICS = [
    "Smart Maintenance",
    "Robotisering",
    "Digital Twin",
    "Lassen & Verbinden",
    "Mechatronica",
    "Additive Manufacturing",
    "Composieten",
    "Fotonica",
    "Slimme Fabriek",
    "Cobots",
    "Energiezuinig Produceren",
    "Vision & Sensoren",
]
KIND_NAMES = {
    "campus": "Campus {label} {city}",
    "centre_of_expertise": "Centre of Expertise {label} {city}",
    "civ": "CIV {label} {city}",
    "learning_community": "Learning Community {label} {city}",
    "rif_project": "RIF-project Vakmanschap {label} {city}",
    "cove": "CoVE {label} {city}",
    "hub": "Hub {label} {city}",
}
KIND_PHRASES = {
    "campus": "Campus waar onderwijs en bedrijven onder één dak leren en werken",
    "centre_of_expertise": "Centre of Expertise waarin hogeschool en bedrijven samen "
    "praktijkgericht onderzoek doen",
    "civ": "Centrum voor Innovatief Vakmanschap waarin mbo en bedrijfsleven samen opleiden",
    "learning_community": "Learning Community waarin studenten, docenten en bedrijven "
    "meerjarig aan opdrachten werken",
    "rif_project": "Project uit het Regionaal Investeringsfonds mbo",
    "cove": "Centre of Vocational Excellence met Europese partners",
    "hub": "Regionale hub voor kennisdeling tussen onderwijs en bedrijfsleven",
    "technohub": "Technohub naar het voorbeeld van de regeling van A+O Metalektro",
}
LEAD_KINDS = {
    "centre_of_expertise": ("school_hbo",),
    "civ": ("school_mbo",),
    "rif_project": ("school_mbo",),
    "cove": ("school_mbo",),
    "technohub": ("school_mbo",),
    "campus": ("school_mbo", "school_hbo"),
    "hub": ("school_mbo", "school_hbo"),
    "learning_community": ("school_hbo", "school_mbo"),
}
_CREATIVE = ("Creatieve Technologie",)
_GREEN = ("Food", "Tuinbouw", "Groen")
# Institutions with a narrow profile take part only in generated partnerships of these sectors
# (an empty tuple: never). All other institutions are treated as broad.
SPECIALISED = {
    "21QA": _CREATIVE,
    "27NF": _CREATIVE,
    "14NI": _CREATIVE,
    "02NT": _CREATIVE,
    "02BY": _CREATIVE,
    "23KJ": _CREATIVE,
    "00MF": _CREATIVE,
    "02PN": _CREATIVE,
    "23JA": _CREATIVE,
    "23KG": _CREATIVE,
    "02PA": _CREATIVE,
    "30BC": _CREATIVE,
    "02PG": ("Bouw", *_CREATIVE),
    "02NR": ("Gastvrijheid",),
    "17WH": ("Food",),
    "05EA": ("Maritiem", "Logistiek"),
    "02OV": ("Maakindustrie", "Life Sciences"),
    "21UI": ("Gastvrijheid", "Logistiek", *_CREATIVE),
    "25LV": ("Gastvrijheid", *_CREATIVE),
    "30TX": _GREEN,
    "25GV": _GREEN,
    "30HD": _GREEN,
    "01NJ": _GREEN,
    "01OE": _GREEN,
    "14YD": _GREEN,
    "21CY": _GREEN,
    "21CW": _GREEN,
    "22HH": ("Zorg",),
    "04NZ": (),
    "15BK": (),
    "21UG": (),
    "09OT": (),
    "00IC": (),
    "10IZ": (),
    "08OK": (),
    "30VP": (),
    "00DV": (),
    "21QO": (),
    "25AV": (),
    "23BF": (),
}
GOALS = [
    "Meer instroom in technische en praktijkgerichte opleidingen.",
    "Praktijkopdrachten van bedrijven in het onderwijsprogramma.",
    "Bij- en omscholing van werkenden met korte modules.",
    "Gedeelde faciliteiten en apparatuur voor onderwijs en bedrijven.",
    "Docenten die regelmatig meelopen in de bedrijven.",
    "Meer stageplaatsen en leerbanen in de regio.",
    "Kennis uit praktijkgericht onderzoek snel naar het mkb.",
]
COMPANY_EXTRAS = [
    "Erkend leerbedrijf voor mbo-studenten.",
    "Biedt stageplaatsen aan mbo- en hbo-studenten.",
    "Zoekt samenwerking met scholen voor bijscholing van eigen personeel.",
    "Werkt mee aan praktijkopdrachten van studenten.",
    "",
]
COMPANY_FUNCTIONS = [
    "Directeur",
    "HR-adviseur",
    "Opleidingscoördinator",
    "Praktijkopleider",
    "Bedrijfsleider",
    "Innovatiemanager",
    "Hoofd productie",
    "Teamleider techniek",
]
SCHOOL_FUNCTIONS = ["Programmamanager", "Projectleider", "Coördinator praktijkleren"]


def _company_name(rng: random.Random, sector: Sector, province: str, city: str) -> str:
    word = rng.choice(sector.words)
    pattern = rng.random()
    if pattern < 0.7:
        surname = rng.choice(SURNAMES)
        legal = rng.choices([" B.V.", "", " & Zonen B.V."], weights=[62, 28, 10])[0]
        return f"{surname[0].upper()}{surname[1:]} {word}{legal}"
    legal = rng.choices([" B.V.", ""], weights=[70, 30])[0]
    if pattern < 0.85:
        return f"{REGIONAL[province]} {word}{legal}"
    return f"{city} {word}{legal}"


def _slug(name: str) -> str:
    return fold(name.replace(" B.V.", "").replace("&", " ")).replace(" ", "-")


def _pick_city(rng: random.Random, province: str) -> tuple[str, str]:
    cities = PROVINCE_CITIES[province]
    return rng.choices(cities, weights=range(len(cities) + 1, 1, -1))[0]


def _sector_for(rng: random.Random, province: str) -> Sector:
    bonus = PROVINCE_SECTOR_BONUS.get(province, {})
    weights = [
        s.weight * bonus.get(s.label, 1) if not s.provinces or province in s.provinces else 0
        for s in SECTORS
    ]
    return rng.choices(SECTORS, weights=weights)[0]


def _institutions() -> list[dict[str, str]]:
    with (DATA / "institutions.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build_plan(
    province_of: dict[str, str],
    sbi_by_division: dict[str, list[str]],
    divisions_of: dict[str, list[str]],
) -> Plan:
    """The whole demo data set as plain specs; the same inputs always give the same plan.

    `province_of` maps municipality code -> province code, `sbi_by_division` a two-digit
    division -> SBI codes, `divisions_of` a theme code -> its related SBI divisions.
    """
    rng = random.Random(SEED)
    plan = Plan()
    orgs = plan.organisations
    schools: list[OrgSpec] = []
    for row in _institutions():
        spec = OrgSpec(
            f"brin:{row['brin']}",
            row["kind"],
            row["name"],
            row["municipality_code"],
            row["city"],
            brin=row["brin"],
            province=province_of.get(row["municipality_code"], ""),
        )
        schools.append(spec)
    orgs += schools
    for seed_org in SEED_ORGANISATIONS:
        orgs.append(seed_org)
    government: dict[str, list[OrgSpec]] = {}
    for province, name, city, code in PROVINCE_ORGS:
        spec = OrgSpec(
            f"gov:province-{province.lower()}",
            "province",
            f"Provincie {name}",
            code,
            city,
            ("overheid",),
            description=f"Provinciale overheid, zetel in {city}.",
            province=province,
        )
        government.setdefault(province, []).append(spec)
        orgs.append(spec)
    for province, name, code in MUNICIPALITY_ORGS:
        spec = OrgSpec(
            f"gov:municipality-{code.lower()}",
            "municipality",
            f"Gemeente {name}",
            code,
            name,
            ("overheid",),
            description="Gemeentelijke overheid.",
            province=province,
        )
        government.setdefault(province, []).append(spec)
        orgs.append(spec)

    # Companies.
    companies: dict[str, list[tuple[OrgSpec, Sector]]] = {p: [] for p in PROVINCE_CITIES}
    names: set[str] = set()
    number = 0
    for province, count in COMPANY_COUNTS.items():
        for _ in range(count):
            number += 1
            sector = _sector_for(rng, province)
            city, code = _pick_city(rng, province)
            name = _company_name(rng, sector, province, city)
            while name in names:
                name = _company_name(rng, sector, province, city)
            names.add(name)
            extra = rng.sample(sector.themes[1:], k=rng.randint(0, min(2, len(sector.themes) - 1)))
            themes = (sector.themes[0], *extra)
            divisions = [d for t in themes for d in divisions_of.get(t, [])]
            sbi_pool = sorted({c for d in divisions for c in sbi_by_division.get(d, [])})
            sbi = tuple(sorted(rng.sample(sbi_pool, k=min(len(sbi_pool), rng.randint(1, 2)))))
            size = rng.choice(
                ["Familiebedrijf", "Mkb-bedrijf", "Middelgroot bedrijf", "Jong bedrijf"]
            )
            staff = rng.choice([8, 12, 25, 40, 60, 85, 120, 200, 350])
            description = " ".join(
                part
                for part in (
                    FICTIONAL_COMPANY,
                    f"{size} in {city} {sector.activity}.",
                    f"Circa {staff} medewerkers.",
                    rng.choice(COMPANY_EXTRAS),
                )
                if part
            )
            website = f"https://{_slug(name)}.example.nl" if rng.random() < 0.45 else ""
            spec = OrgSpec(
                f"gen-company-{number:04d}",
                "company",
                name,
                code,
                city,
                themes,
                sbi,
                kvk=f"0099{number:04d}",
                website=website,
                description=description,
                province=province,
            )
            companies[province].append((spec, sector))
            orgs.append(spec)

    # Partnerships.
    def schools_for(
        province: str, kinds: tuple[str, ...], sector: Sector, exclude: str = ""
    ) -> list[OrgSpec]:
        fitting = [
            s
            for s in schools
            if s.kind in kinds
            and s.external_id != exclude
            and sector.label in SPECIALISED.get(s.brin, (sector.label,))
        ]
        for where in [province, *NEIGHBOURS[province]]:
            found = [s for s in fitting if s.province == where]
            if found:
                return found
        return fitting

    kinds = list(KIND_NAMES) * 6
    schedule = [p for p, n in PARTNERSHIP_COUNTS.items() for _ in range(n)]
    kinds = kinds[: len(schedule)]
    rng.shuffle(kinds)
    schedule_kinds = list(zip(schedule, kinds, strict=True))
    schedule_kinds += [(p, "technohub") for p in PROVINCE_CITIES]
    partnership_names: set[str] = set()
    topics = list(TECHNOHUB_TOPICS)
    rng.shuffle(topics)
    contacts: list[PersonSpec] = []
    for number, (province, kind) in enumerate(schedule_kinds, start=1):
        pool = companies[province]
        if kind == "technohub":
            sector = next(s for s in SECTORS if s.label == "Maakindustrie")
            topic = topics.pop()
        else:
            sector = rng.choice(pool)[1]
            topic = ""
        lead = rng.choice(schools_for(province, LEAD_KINDS[kind], sector))
        city, code = (
            (lead.city, lead.municipality)
            if lead.province == province and (rng.random() < 0.6)
            else _pick_city(rng, province)
        )
        template = "Technohub {label} {city}" if kind == "technohub" else KIND_NAMES[kind]
        name = template.format(label=topic or sector.label, city=city)
        while name in partnership_names:
            city, code = _pick_city(rng, province)
            name = template.format(label=topic or sector.label, city=city)
        partnership_names.add(name)
        start = rng.randint(2021, 2023) if kind == "technohub" else rng.randint(2012, LAST_YEAR)
        end = None
        if kind != "technohub" and rng.random() < 0.18 and start + 2 <= LAST_YEAR:
            end = min(LAST_YEAR, start + rng.randint(2, 4))

        def since(start: int = start, end: int | None = end) -> int:
            return rng.randint(start, end or LAST_YEAR)

        members: list[tuple[str, str, int | None]] = [(lead.external_id, "lead", start)]
        second = None
        if kind == "technohub" or rng.random() < 0.5:
            second_kinds = (
                ("school_mbo", "school_hbo")
                if kind == "technohub"
                else ("school_mbo", "school_hbo", "school_wo")
            )
            second = rng.choice(schools_for(province, second_kinds, sector, lead.external_id))
            members.append((second.external_id, "partner", since()))
        # Companies with the partnership's main theme: from the province, then from the
        # neighbouring provinces; others from the province only to reach two.
        theme = sector.themes[0]
        matching = [c for c, _ in pool if theme in c.themes]
        nearby = [c for p in NEIGHBOURS[province] for c, _ in companies[p] if theme in c.themes]
        others = [c for c, _ in pool if theme not in c.themes]
        for group in (matching, nearby, others):
            rng.shuffle(group)
        chosen = (matching + nearby)[: rng.randint(2, 9)]
        chosen += others[: max(0, 2 - len(chosen))]
        for i, company in enumerate(chosen):
            role = (
                "founder"
                if i == 0 and rng.random() < 0.5
                else rng.choice(["partner", "partner", "member"])
            )
            members.append((company.external_id, role, start if role == "founder" else since()))
        if kind == "technohub":
            members.append(("seed:ao-metalektro", "funder", start))
        elif rng.random() < 0.45:
            local = [g for g in government[province] if g.municipality == code]
            funder = rng.choice(local or government[province])
            members.append((funder.external_id, "funder", since()))
        extra = rng.sample(sector.themes[1:], k=rng.randint(1, min(2, len(sector.themes) - 1)))
        themes = (sector.themes[0], *extra, rng.choice(CROSS_THEMES))
        focus = f"{topic.lower()} en {sector.focus}" if topic else sector.focus
        company_count = len(chosen)
        description = (
            f"{FICTIONAL_PARTNERSHIP} {KIND_PHRASES[kind]}. {lead.name} werkt hier samen met "
            f"{company_count} bedrijven"
            + (f" en {second.name}" if second else "")
            + f" aan {focus}."
        )
        if kind == "technohub":
            description += " Naam, deelnemers en cijfers zijn verzonnen."
        goals = " ".join(rng.sample(GOALS, k=2))
        external_id = f"gen-partnership-{number:03d}"
        plan.partnerships.append(
            PartnershipSpec(
                external_id,
                kind,
                name,
                code,
                city,
                themes,
                start,
                end,
                description,
                goals,
                f"https://{_slug(name)}.example.nl" if rng.random() < 0.4 else "",
                members,
            )
        )
        # One contact at the lead school; sometimes one for the companies too.
        # The institution is real and the person is not: say so in the function.
        functions = SCHOOL_FUNCTIONS + (["Lector"] if lead.kind == "school_hbo" else [])
        contacts.append(
            PersonSpec(
                "",
                lead.external_id,
                f"{rng.choice(functions)} (fictief)",
                contact_for=[(external_id, "Programmaleiding")],
            )
        )
        if chosen and rng.random() < 0.5:
            contacts.append(
                PersonSpec(
                    "",
                    rng.choice(chosen).external_id,
                    rng.choice(COMPANY_FUNCTIONS),
                    contact_for=[(external_id, "Contact voor bedrijven")],
                )
            )

    # Partners abroad: each joins a European partnership (a CoVE, else a hub) with room.
    orgs += ABROAD_ORGANISATIONS
    european = [p for kind in ("cove", "hub") for p in plan.partnerships if p.kind == kind]
    for i, abroad in enumerate(ABROAD_ORGANISATIONS):
        roomy = [p for p in european if len(p.members) - 1 < MAX_MEMBERS]
        target = roomy[i % len(roomy)]
        target.members.append((abroad.external_id, "partner", target.start_year))

    # People: partnership contacts first, then staff of random companies, 120 in all.
    all_companies = [c for p in PROVINCE_CITIES for c, _ in companies[p]]
    while len(contacts) < 120:
        contacts.append(
            PersonSpec("", rng.choice(all_companies).external_id, rng.choice(COMPANY_FUNCTIONS))
        )
    person_names: set[str] = set()
    for person in contacts:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        while name in person_names:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        person_names.add(name)
        person.name = name
        person.email = f"{fold(name).replace(' ', '.', 1).replace(' ', '')}@example.nl"
        person.phone = f"06-00{rng.randrange(10**6):06d}"
        person.is_public = rng.random() < 0.15
    plan.people = [*SEED_PEOPLE, *contacts]
    plan.partnerships = [*SEED_PARTNERSHIPS, *plan.partnerships]
    return plan


# --- writing the plan -------------------------------------------------------------------


class _Writer:
    """Applies a plan through the registry services, skipping what already exists."""

    def __init__(self) -> None:
        self.themes = {t.code: t for t in Theme.objects.all()}
        self.sbi = {s.code: s for s in SbiCode.objects.all()}
        self.municipalities = {m.code: m for m in Municipality.objects.all()}
        self.orgs = {
            s.external_id: s.organisation
            for s in OrganisationSourceId.objects.filter(source=SOURCE).select_related(
                "organisation"
            )
        }
        self.by_brin = {o.brin: o for o in Organisation.objects.exclude(brin="")}
        self.partnerships = {
            s.external_id: s.partnership
            for s in PartnershipSourceId.objects.filter(source=SOURCE).select_related("partnership")
        }
        self.affiliated = set(Affiliation.objects.values_list("person__name", "organisation_id"))

    def organisation(self, spec: OrgSpec) -> None:
        if spec.external_id in self.orgs:
            return
        if spec.brin and spec.brin in self.by_brin:  # already there, e.g. from an import
            self.orgs[spec.external_id] = self.by_brin[spec.brin]
            return
        self.orgs[spec.external_id] = organisation_create(
            actor=None,
            kind=spec.kind,
            name=spec.name,
            themes=[self.themes[t] for t in spec.themes],
            sbi_codes=[self.sbi[c] for c in spec.sbi],
            source=SOURCE,
            external_id=spec.external_id,
            country=spec.country,
            municipality=self.municipalities.get(spec.municipality),
            city=spec.city,
            brin=spec.brin,
            kvk=spec.kvk,
            website=spec.website,
            description=spec.description,
        )

    def partnership(self, spec: PartnershipSpec) -> None:
        if spec.external_id in self.partnerships:
            return
        partnership = partnership_create(
            actor=None,
            kind=spec.kind,
            name=spec.name,
            themes=[self.themes[t] for t in spec.themes],
            source=SOURCE,
            external_id=spec.external_id,
            municipality=self.municipalities.get(spec.municipality),
            city=spec.city,
            start_year=spec.start_year,
            end_year=spec.end_year,
            description=spec.description,
            goals=spec.goals,
            website=spec.website,
        )
        self.partnerships[spec.external_id] = partnership
        for org_id, role, since_year in spec.members:
            membership_set(
                actor=None,
                partnership=partnership,
                organisation=self.orgs[org_id],
                role=role,
                since_year=since_year,
            )

    def person(self, spec: PersonSpec) -> None:
        organisation = self.orgs[spec.organisation]
        if (spec.name, organisation.pk) in self.affiliated:
            return
        person = person_create(
            actor=None,
            name=spec.name,
            organisation=organisation,
            function=spec.function,
            email=spec.email,
            phone=spec.phone,
            is_public=spec.is_public,
        )
        self.affiliated.add((spec.name, organisation.pk))
        for partnership_id, role in spec.contact_for:
            partnership_contact_set(
                actor=None, partnership=self.partnerships[partnership_id], person=person, role=role
            )


def _account(email: str, password: str, full_name: str, *, staff: bool) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        return User.objects.create_user(
            email, password, full_name=full_name, is_staff=staff, is_superuser=staff
        )
    if not user.check_password(password) or user.is_staff != staff or not user.is_active:
        user.set_password(password)  # the printed demo login must keep working
        user.is_staff = user.is_superuser = staff
        user.is_active = True
        user.save()
    return user


def demo_load() -> dict[str, int]:
    """Load reference and demo data and the two demo accounts; safe to run again."""
    with transaction.atomic():
        places_load_reference()
        themes_load_reference()
        sbi_load_reference()
        sbi_by_division: dict[str, list[str]] = {}
        for code in SbiCode.objects.order_by("code").values_list("code", flat=True):
            sbi_by_division.setdefault(code[:2], []).append(code)
        divisions_of = {
            t.code: [d for d in t.related_sbi_divisions.split(";") if d]
            for t in Theme.objects.order_by("code")
        }
        province_of = dict(Municipality.objects.values_list("code", "province__code"))
        plan = build_plan(province_of, sbi_by_division, divisions_of)

        writer = _Writer()
        for org in plan.organisations:
            writer.organisation(org)
        for partnership in plan.partnerships:
            writer.partnership(partnership)
        for person in plan.people:
            writer.person(person)

        _account(DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, "Demo Stafmedewerker", staff=True)
        editor = _account(DEMO_EDITOR_EMAIL, DEMO_EDITOR_PASSWORD, "Demo Redacteur", staff=False)
        editorship_grant(
            actor=None, user=editor, organisation=writer.orgs[DEMO_EDITOR_ORGANISATION]
        )
    return {
        "organisations": Organisation.objects.count(),
        "partnerships": Partnership.objects.count(),
        "memberships": Membership.objects.count(),
        "people": Person.objects.count(),
        "partnership_contacts": PartnershipContact.objects.count(),
        "editorships": Editorship.objects.count(),
    }
