"""Translations: the Dutch catalogue is complete, matches the source and is what users see.

The UI is written in English; Dutch (LANGUAGE_CODE) comes from knooppunt/locale/nl.
`bin/update-translations` refreshes and compiles the catalogues; these tests catch a
catalogue that is incomplete, out of date with the templates and code, or not compiled.
"""

from __future__ import annotations

import gettext as gnu_gettext
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "knooppunt"
NL_PO = PACKAGE / "locale" / "nl" / "LC_MESSAGES" / "django.po"
NL_MO = NL_PO.with_suffix(".mo")
EN_PO = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
# What `manage.py makemessages` shells out to.
GETTEXT_TOOLS = ("xgettext", "msguniq", "msgmerge", "msgattrib")
# The same exclusions as bin/update-translations.
MAKEMESSAGES_IGNORES = (".venv", "tests", "bench", "data")
FIX_HINT = "run bin/update-translations, translate the new strings and commit the .po and .mo files"


# --- a tiny PO parser ---------------------------------------------------------------------

_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}


def _unquote(text: str, path: Path, lineno: int) -> str:
    text = text.strip()
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"{path}:{lineno}: expected a quoted string, got {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


@dataclass
class Entry:
    lineno: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def where(self) -> str:
        return " ".join(self.references) or f"django.po:{self.lineno}"

    def describe(self) -> str:
        ctxt = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"{self.msgid!r}{ctxt} [{self.where}]"


def parse_po(path: Path) -> list[Entry]:
    """Entries of a PO file, the header (msgid "") included. Obsolete (#~) entries are marked."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which field continuation lines extend

    def finish() -> None:
        nonlocal current, target
        if current is not None and (current.msgstr or current.msgid or current.msgid_plural):
            entries.append(current)
        current, target = None, None

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()
            if current is None:
                current = Entry(lineno=lineno)
            if line.startswith("#,"):
                current.flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            elif line.startswith("#:"):
                current.references += line[2:].split()
            continue  # translator, extracted and previous-msgid (#|) comments
        if line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{path}:{lineno}: continuation line outside an entry")
            value = _unquote(line, path, lineno)
            name, index = target
            if name == "msgctxt":
                current.msgctxt = (current.msgctxt or "") + value
            elif name == "msgid":
                current.msgid += value
            elif name == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + value
            else:
                current.msgstr[index] += value
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(.*)$", line)
        if match is None:
            raise ValueError(f"{path}:{lineno}: cannot parse {raw!r}")
        keyword, index_text, rest = match.groups()
        if keyword in ("msgctxt", "msgid") and current is not None and current.msgstr:
            finish()
        if current is None:
            current = Entry(lineno=lineno)
        current.obsolete = current.obsolete or obsolete
        value = _unquote(rest, path, lineno)
        index = int(index_text) if index_text is not None else 0
        if keyword == "msgctxt":
            current.msgctxt = value
        elif keyword == "msgid":
            current.msgid = value
            current.lineno = lineno
        elif keyword == "msgid_plural":
            current.msgid_plural = value
        else:
            current.msgstr[index] = value
        target = (keyword, index)
    finish()
    return entries


def messages(path: Path) -> list[Entry]:
    """The translatable entries: no header, no obsolete ones."""
    return [e for e in parse_po(path) if e.msgid != "" and not e.obsolete]


def header(path: Path) -> dict[str, str]:
    head = next(e for e in parse_po(path) if e.msgid == "" and e.msgctxt is None)
    fields = (line.partition(":") for line in head.msgstr.get(0, "").splitlines())
    return {name.strip(): value.strip() for name, _, value in fields if name.strip()}


_PERCENT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
    r"(?P<type>[diouxXeEfFgGcrsa%])"
)
_NAMED = re.compile(r"%\((?P<name>[^)]*)\)[#0 +-]*(?:\d+)?(?:\.\d+)?(?P<type>[diouxXeEfFgGcrsa])")
_BRACE = re.compile(r"(?<!\{)\{(?P<name>[^{}]*)\}(?!\})")


def placeholders(text: str, flags: set[str]) -> Counter[str]:
    """The placeholders Python will substitute, as `%(name)s`, `%s` or `{name}` strings."""
    found: Counter[str] = Counter()
    if "python-format" in flags:
        for m in _PERCENT.finditer(text):
            if m.group("type") != "%":
                found[m.group(0)] += 1
    else:  # no flag: a lone "%" may be prose, but "%(name)s" never is
        found.update(m.group(0) for m in _NAMED.finditer(text))
    if "python-brace-format" in flags:
        found.update(m.group(0) for m in _BRACE.finditer(text))
    return found


# --- (a) the committed Dutch catalogue --------------------------------------------------------


def test_dutch_catalogue_header() -> None:
    head = header(NL_PO)
    assert head.get("Language") == "nl"
    assert "charset=UTF-8" in head.get("Content-Type", "")
    assert head.get("Plural-Forms", "").replace(" ", "").startswith("nplurals=2;")
    assert "fuzzy" not in next(e for e in parse_po(NL_PO) if e.msgid == "").flags, (
        "a fuzzy header is left out of the .mo, and with it the charset and plural rule"
    )


def test_every_dutch_string_is_translated_and_not_fuzzy() -> None:
    entries = messages(NL_PO)
    assert len(entries) > 100, "the Dutch catalogue looks empty; run bin/update-translations"
    fuzzy = [e.describe() for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, "fuzzy (unreviewed) translations, which are not compiled:\n" + "\n".join(
        fuzzy
    )
    untranslated = []
    for entry in entries:
        forms = 2 if entry.msgid_plural is not None else 1
        if any(not entry.msgstr.get(i, "").strip() for i in range(forms)):
            untranslated.append(entry.describe())
    assert not untranslated, "untranslated Dutch strings:\n" + "\n".join(untranslated)


def test_dutch_placeholders_match_the_source() -> None:
    problems = []
    for entry in messages(NL_PO):
        for index, text in sorted(entry.msgstr.items()):
            source = entry.msgid if index == 0 else (entry.msgid_plural or entry.msgid)
            want, got = placeholders(source, entry.flags), placeholders(text, entry.flags)
            if want != got:
                problems.append(
                    f"{entry.describe()} msgstr[{index}]: expected {sorted(want.elements())}, "
                    f"got {sorted(got.elements())}"
                )
        # Leading/trailing newlines must match too (msgfmt --check-format enforces this).
        for text in entry.msgstr.values():
            if text and entry.msgid.endswith("\n") != text.endswith("\n"):
                problems.append(f"{entry.describe()}: trailing newline differs")
    assert not problems, "placeholders differ between English and Dutch:\n" + "\n".join(problems)


def test_compiled_dutch_catalogue_matches_the_po_file() -> None:
    """The committed .mo is what a machine without gettext serves; it must be up to date."""
    assert NL_MO.exists(), f"{NL_MO} is missing; {FIX_HINT}"
    with NL_MO.open("rb") as handle:
        catalog: dict[Any, str] = gnu_gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    stale = []
    for entry in messages(NL_PO):
        if "fuzzy" in entry.flags or not all(entry.msgstr.values()):
            continue  # msgfmt leaves these out; the completeness test reports them
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            compiled = {0: catalog.get(msgid)}
        else:
            compiled = {i: catalog.get((msgid, i)) for i in entry.msgstr}
        if any(compiled[i] != entry.msgstr[i] for i in compiled):
            stale.append(entry.describe())
    assert not stale, f"django.mo is older than django.po ({FIX_HINT}):\n" + "\n".join(stale)


def test_english_catalogue_parses_and_is_compiled() -> None:
    # English is the source language: empty msgstr is fine, but the file must compile.
    assert messages(EN_PO)
    assert EN_PO.with_suffix(".mo").exists(), f"English django.mo is missing; {FIX_HINT}"


# --- (b) the committed catalogue covers every string in the source -----------------------


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def test_catalogue_has_every_source_string(tmp_path: Path) -> None:
    """makemessages on a copy of the package finds no string the Dutch catalogue lacks."""
    absent = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if absent:
        reason = f"GNU gettext not installed ({', '.join(absent)} missing)"
        if _on_ci():
            pytest.fail(f"{reason}; CI must install gettext to check the catalogue")
        pytest.skip(reason)

    # A copy, so that makemessages cannot touch the real catalogues: the copy's settings put
    # LOCALE_PATHS inside the copy, and its locale directory starts out empty.
    copy = tmp_path / "knooppunt"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "locale", *MAKEMESSAGES_IGNORES),
    )
    (copy / "locale").mkdir()
    shutil.copy2(ROOT / "manage.py", tmp_path / "manage.py")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"}
    env.update(
        PYTHONPATH=str(tmp_path),  # import knooppunt from the copy, not the checkout
        DJANGO_SETTINGS_MODULE="knooppunt.settings",
        KNOOPPUNT_DATA_DIR=str(tmp_path / "data"),
    )
    command = [
        sys.executable,
        str(tmp_path / "manage.py"),
        "makemessages",
        "-l",
        "nl",
        "--no-obsolete",
        *(f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORES),
    ]
    result = subprocess.run(  # noqa: S603 - fixed argv: this interpreter and our manage.py
        command, cwd=copy, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    fresh_po = copy / "locale" / "nl" / "LC_MESSAGES" / "django.po"
    assert fresh_po.exists(), f"makemessages wrote no catalogue:\n{result.stdout}{result.stderr}"

    fresh = messages(fresh_po)
    assert fresh, "makemessages found no strings at all"
    committed = {entry.key for entry in messages(NL_PO)}
    missing = [entry.describe() for entry in fresh if entry.key not in committed]
    assert not missing, (
        f"{len(missing)} string(s) in templates or code are missing from "
        f"{os.path.relpath(NL_PO, ROOT)} ({FIX_HINT}):\n" + "\n".join(missing)
    )


# --- (c) users get Dutch by default and English on request --------------------------------


def test_key_strings_in_dutch() -> None:
    from knooppunt.registry.models import Organisation, PartnershipKind

    with translation.override("nl"):
        assert translation.gettext("Log in") == "Inloggen"
        assert translation.gettext("Log out") == "Uitloggen"
        assert translation.gettext("Why this result:") == "Waarom dit resultaat:"
        assert translation.gettext("Partnerships") == "Samenwerkingsverbanden"
        assert (
            translation.ngettext("%(counter)s result", "%(counter)s results", 3) % {"counter": 3}
            == "3 resultaten"
        )
        assert str(Organisation._meta.verbose_name_plural) == "organisaties"
        assert str(PartnershipKind.CIV.label) == "Centrum voor Innovatief Vakmanschap (mbo)"
    with translation.override("en"):
        assert translation.gettext("Log in") == "Log in"


@pytest.mark.django_db
def test_directory_is_dutch_by_default(client: Any, reference: None) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert "Zoeken" in html
    assert "Samenwerkingsverbanden" in html


@pytest.mark.django_db
def test_directory_in_english_with_the_language_cookie(client: Any, reference: None) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Search" in html
    assert "Zoeken" not in html
