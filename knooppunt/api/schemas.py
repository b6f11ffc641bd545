"""Input and output schemas of the JSON API v1, one explicit schema per use.

Outputs are built field by field in the routers (`knooppunt/*/api.py`), never by
dumping a model, so personal data appears only where a router put it on purpose.
Inputs carry the same limits as the models, taken from the same definitions
(`registry.rules` for lengths, year ranges and code formats, `core.validators` for
one-line and non-blank text), so that most bad input is refused with 422 before a
service is called; the services' own `full_clean()` catches the rest, also as 422.
Surrounding white space is stripped from every text, as the website's forms do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from ninja.params.functions import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, StrictBool, StrictInt

from knooppunt.core.validators import blank_problem, single_line_problem, text_problem
from knooppunt.registry import rules
from knooppunt.registry.models import MembershipRole, OrganisationKind, PartnershipKind

MAX_ID = 2**63 - 1  # BigAutoField; larger numbers cannot be a row and would overflow the DB
MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

# Text the database can store: no NUL characters (PostgreSQL refuses them).
TEXT = r"^[^\x00]*$"
MUNICIPALITY_CODE = r"^GM[0-9]{4}$"
COUNTRY_CODE = r"^[A-Z]{2}$"
COUNTRY_OUT = "ISO 3166-1 alpha-2 code: NL, or the country of a partner abroad."
COUNTRY_IN = (
    "ISO 3166-1 alpha-2 code (default NL). Abroad no municipality is looked up and none "
    "may be given."
)
BRIN = rf"^({rules.BRIN_PATTERN})?$"
KVK = rf"^({rules.KVK_PATTERN})?$"
ThemeCode = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,50}$")]
SbiCodeValue = Annotated[str, Field(pattern=r"^[0-9]{4,5}$")]

# Path parameters: a positive id the database can hold (anything else is refused with 422).
OrganisationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The organisation's id.")]
PartnershipId = Annotated[int, Path(ge=1, le=MAX_ID, description="The partnership's id.")]
MembershipId = Annotated[int, Path(ge=1, le=MAX_ID, description="The membership's id.")]
PersonId = Annotated[int, Path(ge=1, le=MAX_ID, description="The person's id.")]
ThemeCodePath = Annotated[str, Path(pattern=r"^[a-z0-9_]{1,50}$", description="Theme code.")]
ProvinceCodePath = Annotated[str, Path(pattern=r"^PV[0-9]{2}$", description="CBS code, e.g. PV30.")]
RegionCodePath = Annotated[str, Path(pattern=r"^AM[0-9]{2}$", description="CBS code, e.g. AM12.")]
MunicipalityCodePath = Annotated[
    str, Path(pattern=r"^GM[0-9]{4}$", description="CBS code, e.g. GM0828.")
]

Sort = Literal["relevance", "name", "-name", "-updated"]


def _no_default(schema: dict[str, Any]) -> None:
    """A PATCH field that may be left out but not sent as null: hide the None default."""
    schema.pop("default", None)


def patch_field(**kwargs: Any) -> Any:
    return Field(None, json_schema_extra=_no_default, **kwargs)


class Input(BaseModel):
    """A request body: a JSON object with only the documented fields, types not coerced.

    Plain pydantic rather than ninja's `Schema`, which reads attributes off any object
    and so would accept a JSON array as an empty PATCH.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check(problem: Any) -> Any:
    """A pydantic validator from one of the shared `*_problem` functions."""

    def check(value: str) -> str:
        message = problem(value)
        if message:
            raise ValueError(message)
        return value

    return AfterValidator(check)


_SINGLE_LINE = _check(single_line_problem)
_NOT_BLANK = _check(blank_problem)

# Required one-line names (not blank), optional one-line values, long text.
_ONE_LINE = "One line: no line breaks, tabs or other control characters."
_NAME = "Required; one line: no line breaks, tabs or other control characters."
_TEXT = "Line breaks and tabs allowed; other control characters not."
Name = Annotated[str, Field(max_length=rules.NAME_MAX, description=_NAME), _NOT_BLANK, _SINGLE_LINE]
PersonName = Annotated[
    str, Field(max_length=rules.PERSON_NAME_MAX, description=_NAME), _NOT_BLANK, _SINGLE_LINE
]
City = Annotated[str, Field(max_length=rules.CITY_MAX, description=_ONE_LINE), _SINGLE_LINE]
Phone = Annotated[str, Field(max_length=rules.PHONE_MAX, description=_ONE_LINE), _SINGLE_LINE]
Function = Annotated[str, Field(max_length=rules.FUNCTION_MAX, description=_ONE_LINE), _SINGLE_LINE]
Website = Annotated[str, Field(max_length=rules.URL_MAX), _SINGLE_LINE]
Email = Annotated[str, Field(max_length=rules.EMAIL_MAX), _SINGLE_LINE]
LongText = Annotated[str, Field(max_length=rules.TEXT_MAX, description=_TEXT), _check(text_problem)]
Year = Annotated[StrictInt, Field(ge=rules.YEAR_MIN, le=rules.YEAR_MAX)]
RowId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


# --- errors and pages ---------------------------------------------------------------------


class FieldError(Schema):
    field: str | None = Field(
        description="The input field (dotted for nested ones, e.g. `themes.0`); "
        "null for an error about the request as a whole."
    )
    message: str


class Error(Schema):
    """The one error shape of the API, for every 4xx answer."""

    detail: str = Field(description="What went wrong, in a sentence.")
    errors: list[FieldError] = Field(
        default_factory=list, description="Per-field problems; present with 422 only."
    )


class PageMeta(Schema):
    count: int = Field(description="Number of results on all pages together.")
    page: int
    page_size: int
    next: str | None = Field(description="URL of the next page; null on the last page.")
    previous: str | None = Field(description="URL of the previous page; null on the first.")


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Results per page (1-100)."
    )


# --- reference data -----------------------------------------------------------------------


class PlaceRef(Schema):
    code: str
    name: str


class ProvinceOut(Schema):
    code: str = Field(description="CBS code, e.g. PV30.")
    name: str
    abbreviation: str


class LabourMarketRegionOut(Schema):
    code: str = Field(description="CBS code, e.g. AM12.")
    name: str


class MunicipalityOut(Schema):
    code: str = Field(description="CBS code, e.g. GM0828.")
    name: str
    province: PlaceRef
    labour_market_region: PlaceRef


class MunicipalityQuery(Schema):
    province: str = Field("", pattern=r"^(PV[0-9]{2})?$", description="Province code.")
    region: str = Field("", pattern=r"^(AM[0-9]{2})?$", description="Labour-market region code.")


class ThemeRef(Schema):
    code: str
    name_nl: str
    name_en: str


class ThemeOut(Schema):
    code: str
    name_nl: str
    name_en: str
    kind: Literal["topsector", "domain", "cross_cutting"]
    parent: str | None = Field(description="Code of the broader theme, if any.")
    synonyms_nl: list[str]
    synonyms_en: list[str]


# --- directory filters --------------------------------------------------------------------


class DirectoryQuery(PageQuery):
    """The directory's filters; unknown codes are refused with 422 (see /themes, /places)."""

    q: str = Field("", max_length=200, description="Search words (name, place, themes, text).")
    theme: str = Field(
        "", pattern=r"^([a-z0-9_]{1,50})?$", description="Theme code; includes narrower themes."
    )
    province: str = Field("", pattern=r"^(PV[0-9]{2})?$", description="Province code.")
    region: str = Field("", pattern=r"^(AM[0-9]{2})?$", description="Labour-market region code.")
    municipality: str = Field("", pattern=r"^(GM[0-9]{4})?$", description="Municipality code.")
    sort: Sort = Field(
        "relevance", description="relevance (default; name order without q), name, -name, -updated."
    )


class OrganisationQuery(DirectoryQuery):
    kind: OrganisationKind | None = None


class PartnershipQuery(DirectoryQuery):
    kind: PartnershipKind | None = None


class MembershipQuery(PageQuery):
    partnership: int | None = Field(None, ge=1, le=MAX_ID, description="Partnership id.")
    organisation: int | None = Field(None, ge=1, le=MAX_ID, description="Organisation id.")
    role: MembershipRole | None = None


class PersonQuery(PageQuery):
    q: str = Field("", max_length=150, pattern=TEXT, description="Part of the name.")
    organisation: int | None = Field(
        None, ge=1, le=MAX_ID, description="Only people affiliated with this organisation."
    )


# --- short references ---------------------------------------------------------------------


class OrganisationRef(Schema):
    id: int
    name: str
    kind: OrganisationKind


class PartnershipRef(Schema):
    id: int
    name: str
    kind: PartnershipKind


class PersonRef(Schema):
    id: int
    name: str


# --- organisations ------------------------------------------------------------------------


class OrganisationOut(Schema):
    id: int
    url: str = Field(description="The organisation's page on the website.")
    kind: OrganisationKind
    name: str
    brin: str
    kvk: str
    country: str = Field(description=COUNTRY_OUT)
    city: str = Field(description="The place as written.")
    municipality: MunicipalityOut | None = Field(
        description="Null abroad, or when the place did not resolve to one municipality."
    )
    website: str
    email: str = Field(description="The organisation's general address (public).")
    phone: str = Field(description="The organisation's general number (public).")
    description: str
    themes: list[ThemeRef]
    sbi_codes: list[str]
    created_at: datetime
    updated_at: datetime


class OrganisationMembershipOut(Schema):
    id: int
    partnership: PartnershipRef
    role: MembershipRole
    since_year: int | None
    until_year: int | None


class AffiliatedPersonOut(Schema):
    id: int
    name: str
    function: str
    email: str | None = Field(description="Null unless the caller may see personal data.")
    phone: str | None = Field(description="Null unless the caller may see personal data.")


class OrganisationDetailOut(OrganisationOut):
    memberships: list[OrganisationMembershipOut]
    people: list[AffiliatedPersonOut] = Field(
        description="The people the caller may see (public names, or all for editors)."
    )


class OrganisationPage(PageMeta):
    results: list[OrganisationOut]


class OrganisationIn(Input):
    kind: OrganisationKind
    name: Name
    brin: str = Field("", pattern=BRIN, description="Schools only.")
    kvk: str = Field("", pattern=KVK)
    country: str = Field("NL", pattern=COUNTRY_CODE, description=COUNTRY_IN)
    city: City = ""
    municipality: str | None = Field(
        None,
        pattern=MUNICIPALITY_CODE,
        description="Municipality code; left out, it is looked up from `city`.",
    )
    website: Website = ""
    email: Email = ""
    phone: Phone = ""
    description: LongText = ""
    themes: list[ThemeCode] = Field(default_factory=list, max_length=50, description="Theme codes.")
    sbi_codes: list[SbiCodeValue] = Field(
        default_factory=list, max_length=50, description="SBI codes."
    )


class OrganisationPatch(Input):
    """Only the fields sent are changed."""

    kind: OrganisationKind = patch_field()
    name: Name = patch_field()
    brin: str = patch_field(pattern=BRIN)
    kvk: str = patch_field(pattern=KVK)
    country: str = patch_field(pattern=COUNTRY_CODE, description=COUNTRY_IN)
    city: City = patch_field()
    municipality: str | None = patch_field(pattern=MUNICIPALITY_CODE)
    website: Website = patch_field()
    email: Email = patch_field()
    phone: Phone = patch_field()
    description: LongText = patch_field()
    themes: list[ThemeCode] = patch_field(max_length=50)
    sbi_codes: list[SbiCodeValue] = patch_field(max_length=50)


# --- partnerships -------------------------------------------------------------------------


class PartnershipOut(Schema):
    id: int
    url: str = Field(description="The partnership's page on the website.")
    kind: PartnershipKind
    name: str
    country: str = Field(description=COUNTRY_OUT)
    city: str = Field(description="The place as written.")
    municipality: MunicipalityOut | None = Field(
        description="Null abroad, or when the place did not resolve to one municipality."
    )
    start_year: int | None
    end_year: int | None
    description: str
    goals: str
    website: str
    email: str = Field(description="The partnership's general address (public).")
    themes: list[ThemeRef]
    member_count: int
    created_at: datetime
    updated_at: datetime


class PartnershipMembershipOut(Schema):
    id: int
    organisation: OrganisationRef
    role: MembershipRole
    since_year: int | None
    until_year: int | None


class ContactOut(Schema):
    person: PersonRef
    role: str = Field(description="What the person is the contact for.")
    email: str | None = Field(description="Null unless the caller may see personal data.")
    phone: str | None = Field(description="Null unless the caller may see personal data.")


class PartnershipDetailOut(PartnershipOut):
    memberships: list[PartnershipMembershipOut]
    contacts: list[ContactOut] = Field(description="The contact persons the caller may see.")


class PartnershipPage(PageMeta):
    results: list[PartnershipOut]


class PartnershipIn(Input):
    kind: PartnershipKind
    name: Name
    country: str = Field("NL", pattern=COUNTRY_CODE, description=COUNTRY_IN)
    city: City = ""
    municipality: str | None = Field(
        None,
        pattern=MUNICIPALITY_CODE,
        description="Municipality code; left out, it is looked up from `city`.",
    )
    start_year: Year | None = None
    end_year: Year | None = Field(None, description="Not before start_year.")
    description: LongText = ""
    goals: LongText = ""
    website: Website = ""
    email: Email = ""
    themes: list[ThemeCode] = Field(default_factory=list, max_length=50, description="Theme codes.")


class PartnershipPatch(Input):
    """Only the fields sent are changed."""

    kind: PartnershipKind = patch_field()
    name: Name = patch_field()
    country: str = patch_field(pattern=COUNTRY_CODE, description=COUNTRY_IN)
    city: City = patch_field()
    municipality: str | None = patch_field(pattern=MUNICIPALITY_CODE)
    start_year: Year | None = patch_field()
    end_year: Year | None = patch_field()
    description: LongText = patch_field()
    goals: LongText = patch_field()
    website: Website = patch_field()
    email: Email = patch_field()
    themes: list[ThemeCode] = patch_field(max_length=50)


# --- memberships --------------------------------------------------------------------------


class MembershipOut(Schema):
    id: int
    partnership: PartnershipRef
    organisation: OrganisationRef
    role: MembershipRole
    since_year: int | None
    until_year: int | None


class MembershipPage(PageMeta):
    results: list[MembershipOut]


class MembershipIn(Input):
    partnership: RowId = Field(description="Partnership id.")
    organisation: RowId = Field(description="Organisation id.")
    role: MembershipRole = MembershipRole.MEMBER
    since_year: Year | None = None
    until_year: Year | None = None


class MembershipPatch(Input):
    """Only the fields sent are changed."""

    role: MembershipRole = patch_field()
    since_year: Year | None = patch_field()
    until_year: Year | None = patch_field()


# --- people -------------------------------------------------------------------------------


class AffiliationOut(Schema):
    organisation: OrganisationRef
    function: str


class PersonOut(Schema):
    id: int
    url: str = Field(description="The person's page on the website.")
    name: str
    is_public: bool = Field(description="The person agreed to their name being public.")
    email: str | None = Field(description="Null unless the caller may see personal data.")
    phone: str | None = Field(description="Null unless the caller may see personal data.")
    affiliations: list[AffiliationOut]


class PartnershipRoleOut(Schema):
    partnership: PartnershipRef
    role: str


class PersonDetailOut(PersonOut):
    partnership_roles: list[PartnershipRoleOut]


class PersonPage(PageMeta):
    results: list[PersonOut]


class PersonIn(Input):
    name: PersonName
    organisation: RowId = Field(description="Organisation id; the person works there.")
    function: Function = ""
    email: Email = ""
    phone: Phone = ""
    is_public: StrictBool = Field(False, description="Only with the person's consent.")


class PersonPatch(Input):
    """Only the fields sent are changed. `function` changes the first affiliation's function."""

    name: PersonName = patch_field()
    function: Function = patch_field()
    email: Email = patch_field()
    phone: Phone = patch_field()
    is_public: StrictBool = patch_field()
