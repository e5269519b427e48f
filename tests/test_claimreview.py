"""Other desks' fact-checks in, ClaimReview out (issue 20): ``import`` reads schema.org
ClaimReview in every shape fact-checkers publish it (one object, an array, an
``@graph``, a DataFeed, HTML pages with embedded JSON-LD), idempotently; our own
export imports back; ``similar`` says whose verdict a match is; the export requires
each review's URL and dates a verdict by the history. The samples are our own."""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claimtrack.importing.claimreview import status_from_rating
from tests.helpers import Cli
from tests.test_evidence import Site, site  # noqa: F401 (the web site fixture)

ORG = {"@type": "Organization", "name": "Checkers Desk", "url": "https://checkers.example"}


def review(
    number: int,
    text: str,
    rating: dict[str, Any],
    *,
    claimant: dict[str, Any] | None = None,
    appearance: list[Any] | None = None,
    author: dict[str, Any] | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {"@type": "Claim", "datePublished": "2024-02-20"}
    if claimant is not None:
        item["author"] = claimant
    if appearance is not None:
        item["appearance"] = appearance
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"https://checkers.example/checks/{number}",
        "claimReviewed": text,
        "datePublished": "2024-03-01T10:00:00+01:00",
        "author": author or ORG,
        "reviewRating": {"@type": "Rating", **rating},
        "itemReviewed": item,
    }


DOZEN = review(
    1,
    "At least a dozen Russians faced entry bans in Serbia",
    {"alternateName": "Mostly False", "ratingValue": 2, "bestRating": 6, "worstRating": 1},
    claimant={"@type": "Person", "name": "Ana Kovac", "jobTitle": "Activist"},
    appearance=[
        {
            "@type": "CreativeWork",
            "url": "https://news.example/a",
            "datePublished": "2024-02-21",
            "publisher": {"@type": "Organization", "name": "News Example"},
        },
        "https://social.example/post/9",
    ],
)
MINISTRY = review(
    2,
    "The ministry issued 40 residence bans last year",
    {"alternateName": "Accurate"},
    claimant={"@type": "GovernmentOrganization", "name": "Interior Ministry"},
)
UNPROVEN = review(3, "Police kept a secret list of activists", {"alternateName": "Unproven"})


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def claims_by_text(cli: Cli) -> dict[str, dict[str, Any]]:
    return {c["text"]: c for c in cli.jsonl("list", "--all")}


# -- the rating ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("False", "false"),
        ("Pants on Fire!", "false"),
        ("False: no such bans on record", "false"),
        ("Mostly false", "false"),
        ("Not true", "false"),
        ("Half True", "disputed"),
        ("Misleading", "disputed"),
        ("Missing context", "disputed"),
        ("Exaggerated", "disputed"),
        ("Satire", "disputed"),
        ("Mostly true", "verified"),
        ("TRUE", "verified"),
        ("Unproven", "unverifiable"),
        # Spanish, Portuguese, French, German, Italian, as their fact-checkers write them
        ("Falso", "false"),
        ("Engañoso", "disputed"),
        ("ENGANOSO", "disputed"),
        ("Verdad a medias", "disputed"),
        ("Sin contexto", "disputed"),
        ("Verdadero", "verified"),
        ("Verdadero, pero...", "disputed"),
        ("não_é_bem_assim", "disputed"),
        ("Não é bem assim", "disputed"),
        ("Enganoso", "disputed"),
        ("Exagerado", "disputed"),
        ("Insustentável", "unverifiable"),
        ("Verdadeiro", "verified"),
        ("Faux", "false"),
        ("Plutôt faux", "false"),
        ("Trompeur", "disputed"),
        ("Manque de contexte", "disputed"),
        ("Vrai", "verified"),
        ("Falsch", "false"),
        ("Größtenteils falsch", "false"),
        ("Irreführend", "disputed"),
        ("Fehlender Kontext", "disputed"),
        ("Unbelegt", "unverifiable"),
        ("Richtig", "verified"),
        ("Fuorviante", "disputed"),
        ("C'eri quasi", "verified"),
        ("Panzana pazzesca", "false"),
        ("Non dimostrato", "unverifiable"),
        # words claimtrack does not know: no verdict
        ("Spinning the numbers", None),
        ("Trueish", None),  # a word, not a part of one
        ("", None),
        (None, None),
    ],
)
def test_a_rating_maps_to_a_status_by_its_words_in_six_languages(
    name: str | None, status: str | None
) -> None:
    assert status_from_rating(name) == status


# -- the shapes ------------------------------------------------------------------------------


def test_one_review_becomes_a_claim_with_its_verdict_claimant_appearances_and_provenance(
    cli: Cli, tmp_path: Path
) -> None:
    cli("import", str(write(tmp_path / "one.json", DOZEN)))
    claim = cli.json("show", cli("list", "-q").stdout.split()[0])
    assert claim["status"] == "false" and claim["rating"] == "Mostly False"
    assert claim["review"] == {
        "by": "Checkers Desk",
        "date": "2024-03-01",
        "url": "https://checkers.example/checks/1",
    }
    assert claim["said_by"] == ["Ana Kovac"]
    assert claim["reported_by"] == ["News Example", "social.example"]
    reported = [k for k in claim["links"] if k["relation"] == "reported-by"]
    assert [(k["url"], k["date"]) for k in reported] == [
        ("https://news.example/a", "2024-02-21"),
        ("https://social.example/post/9", None),
    ]
    (evidence,) = [k for k in claim["links"] if k["relation"] in ("supports", "disputes")]
    assert evidence["relation"] == "disputes" and evidence["source"] == "Checkers Desk"
    assert evidence["url"] == "https://checkers.example/checks/1"
    assert evidence["date"] == "2024-03-01" and "Mostly False" in evidence["note"]
    assert "Verdict of Checkers Desk, published 2024-03-01" in claim["notes"][0]["text"]
    assert claim["quantities"][0]["value"] == 12  # worked out, for similar
    sources = {s["name"]: s for s in cli.jsonl("source", "list")}
    assert sources["Ana Kovac"]["kind"] == "person" and sources["Ana Kovac"]["role"] is None
    assert sources["Checkers Desk"]["kind"] == "organisation"
    assert sources["Checkers Desk"]["url"] == "https://checkers.example"


def test_importing_the_same_reviews_twice_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    feed = write(tmp_path / "reviews.json", [DOZEN, MINISTRY, UNPROVEN])
    cli("import", str(feed))
    before = cli.db_path.read_bytes()
    again = cli("import", str(feed))
    assert "claims: 0 added, 0 updated, 3 unchanged" in again.stderr
    assert "sources: 0 added" in again.stderr and "links: 0 added" in again.stderr
    assert cli.db_path.read_bytes() == before


@pytest.mark.parametrize("shape", ["array", "graph", "datafeed", "nested-graph"])
def test_every_json_ld_shape_imports_the_same_claims(cli: Cli, tmp_path: Path, shape: str) -> None:
    reviews = [DOZEN, MINISTRY, UNPROVEN]
    if shape == "array":
        data: Any = reviews
    elif shape == "graph":
        # the reviewing organisation given once, referred to by @id
        graph = [{**r, "author": {"@id": "#desk"}} for r in reviews]
        data = {"@context": "https://schema.org", "@graph": [{**ORG, "@id": "#desk"}, *graph]}
    elif shape == "datafeed":
        data = {
            "@context": "https://schema.org",
            "@type": "DataFeed",
            "dataFeedElement": [
                {"@type": "DataFeedItem", "dateCreated": "2024-03-02", "item": [r]} for r in reviews
            ],
        }
    else:
        data = [{"@context": "https://schema.org", "@graph": [r]} for r in reviews]
    cli("import", str(write(tmp_path / "reviews.jsonld", data)))
    found = claims_by_text(cli)
    assert {c["status"] for c in found.values()} == {"false", "verified", "unverifiable"}
    assert all(c["review"]["by"] == "Checkers Desk" for c in found.values())
    ministry = found["The ministry issued 40 residence bans last year"]
    assert [k["relation"] for k in ministry["links"]] == ["said-by", "supports"]
    kinds = {s["name"]: s["kind"] for s in cli.jsonl("source", "list")}
    assert kinds["Interior Ministry"] == "organisation"
    # an unverifiable verdict supports nothing and disputes nothing: no evidence link
    unproven = found["Police kept a secret list of activists"]
    assert unproven["links"] == [] and unproven["review"]["url"].endswith("/3")


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fact check: bans</title>
<script type="application/ld+json">{ "@type": "BreadcrumbList", broken </script>
<script type="application/ld+json">
<!-- written by the CMS -->
{BODY}
</script>
</head><body><article><h1>Did Serbia ban a dozen Russians?</h1>
<p>We looked at the claim &amp; the records: Mostly False.</p></article></body></html>
"""


def page(data: Any) -> str:
    return PAGE.replace("{BODY}", json.dumps(data))


def test_an_html_page_with_embedded_json_ld_imports_by_name_and_by_content(
    cli: Cli, tmp_path: Path
) -> None:
    article = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Bans"}
    path = tmp_path / "fact-check.html"
    path.write_text(page([article, DOZEN]), encoding="utf-8")
    cli("import", str(path))
    assert list(claims_by_text(cli)) == [DOZEN["claimReviewed"]]
    # the same page piped in, without a name to go by, is the same claim again
    piped = cli("import", "-", input=page({"@graph": [DOZEN, MINISTRY]}))
    assert "claims: 1 added, 0 updated, 1 unchanged" in piped.stderr
    forced = cli("import", "-", "--format", "claimreview", input=page(MINISTRY))
    assert "claims: 0 added, 0 updated, 1 unchanged" in forced.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("none.html", "<html><body><p>No data here</p></body></html>", "has no JSON-LD"),
        ("article.html", page({"@type": "NewsArticle"}), "holds no ClaimReview"),
        ("bad.jsonld", '{"@type": "ClaimReview",', "is not valid JSON"),
        (
            "date.json",
            json.dumps({**DOZEN, "datePublished": "soon"}),
            "datePublished 'soon' is not a date",
        ),
    ],
)
def test_a_file_with_no_usable_review_imports_nothing_and_says_why_in_one_error(
    cli: Cli, tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = cli("import", str(path), code=1)
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.stderr
    assert cli.jsonl("list", "--all") == []


# -- round trip and similar ------------------------------------------------------------------


def test_our_own_export_imports_back_onto_its_claims_and_into_another_database(
    cli: Cli, tmp_path: Path
) -> None:
    false = cli.add("At least 12 people were deported", "--said-by", "Ana Kovac")
    cli("source", "edit", "Ana Kovac", "--kind", "person")
    cli("link", false, "AP", "--as", "reported-by", "--url", "https://ap.example/x", "--create")
    true = cli.add("The ministry issued 40 bans", "--said-by", "Interior Ministry")
    cli("status", false, "false", "--rating", "False: no such deportations")
    cli("status", true, "verified", "--review-url", "https://desk.example/checks/40-bans")
    out = tmp_path / "reviews.json"
    cli(
        "export",
        "--format",
        "claimreview",
        "--org",
        "Desk Fact Check",
        "--review-url",
        "https://desk.example/c/{short}",
        "-o",
        str(out),
    )
    before = cli.db_path.read_bytes()
    back = cli("import", str(out))
    assert "claims: 0 added, 0 updated, 2 unchanged" in back.stderr
    assert "sources: 0 added" in back.stderr and "links: 0 added" in back.stderr
    assert cli.db_path.read_bytes() == before

    other = Cli(tmp_path / "other.json")
    other("import", str(out))
    theirs = {c["id"]: c for c in other.jsonl("list", "--all")}
    assert set(theirs) == {false, true}
    assert theirs[false]["status"] == "false"
    assert theirs[false]["rating"] == "False: no such deportations"
    assert theirs[false]["said_by"] == ["Ana Kovac"]
    assert theirs[false]["reported_by"] == ["AP"]
    assert theirs[true]["status"] == "verified"
    assert theirs[true]["review"]["url"] == "https://desk.example/checks/40-bans"
    assert theirs[true]["review"]["by"] == "Desk Fact Check"
    # what another desk imported is its verdict: not exported again as the importer's
    again = other("export", "--format", "claimreview", "--org", "Other Desk")
    assert json.loads(again.stdout) == []
    assert "2 claim(s) whose verdict is another desk's" in again.stderr


def test_similar_says_whose_verdict_a_match_is(cli: Cli, tmp_path: Path) -> None:
    ours = cli.add("A dozen Russians were refused entry to Serbia")
    cli("status", ours, "disputed")
    cli("import", str(write(tmp_path / "one.json", DOZEN)))
    found = cli.jsonl("similar", "At least 12 Russians faced entry bans in Serbia")
    by = {m["text"]: m["verdict_by"] for m in found}
    assert by == {
        DOZEN["claimReviewed"]: "Checkers Desk",
        "A dozen Russians were refused entry to Serbia": None,
    }
    table = cli("similar", "At least 12 Russians faced entry bans in Serbia", "--format", "table")
    assert "verdict of Checkers Desk" in table.stdout


def test_a_new_verdict_of_ours_replaces_another_desks(cli: Cli, tmp_path: Path) -> None:
    cli("import", str(write(tmp_path / "one.json", DOZEN)))
    claim = cli("list", "-q").stdout.split()[0]
    cli("status", claim, "false", "--note", "our own check agrees")
    assert cli.json("show", claim)["review"]["by"] == "Checkers Desk"  # same verdict kept
    cli("status", claim, "disputed")
    assert "review" not in cli.json("show", claim)
    cli("status", claim, "disputed", "--review-url", "https://desk.example/checks/9")
    assert cli.json("show", claim)["review"] == {"url": "https://desk.example/checks/9"}


# -- ClaimReview out, complete ---------------------------------------------------------------


def test_export_refuses_claims_without_a_review_url_and_lists_them(cli: Cli) -> None:
    with_url = cli.add("The ministry issued 40 bans")
    without = cli.add("Police kept a list")
    cli("status", with_url, "verified", "--review-url", "https://desk.example/checks/1")
    cli("status", without, "false")
    refused = cli("export", "--format", "claimreview", "--org", "Desk", code=1)
    assert refused.stdout == ""
    assert refused.stderr.startswith("Error: 1 claim(s) have no review URL")
    assert without[:7] in refused.stderr and with_url[:7] not in refused.stderr
    assert "--allow-missing-url" in refused.stderr
    allowed = cli("export", "--format", "claimreview", "--org", "Desk", "--allow-missing-url")
    reviews = {r["identifier"]: r for r in json.loads(allowed.stdout)}
    assert reviews[with_url]["url"] == "https://desk.example/checks/1"
    assert "url" not in reviews[without]
    assert f"without a url: {without[:7]}" in allowed.stderr
    # --claim picks; the claim's own URL wins over the template
    picked = cli(
        "export", "--format", "claimreview", "--org", "Desk", "--claim", with_url[:7],
        "--review-url", "https://desk.example/c/{short}",
    )  # fmt: skip
    assert [r["identifier"] for r in json.loads(picked.stdout)] == [with_url]
    assert json.loads(picked.stdout)[0]["url"] == "https://desk.example/checks/1"
    assert cli(
        "status", without, "false", "--review-url", "desk.example/x", code=1
    ).stderr.startswith("Error: review URL 'desk.example/x' is not a web address")


def test_date_published_is_when_the_verdict_was_given_not_the_last_update(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claimtrack import records

    # every stamp a command asks for is a day after the one before
    days = itertools.count()
    start = datetime.datetime(2024, 1, 1, 10, tzinfo=datetime.UTC)

    def tomorrow() -> str:
        moment = start + datetime.timedelta(days=next(days))
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    monkeypatch.setattr(records, "now", tomorrow)
    claim = cli.add("Police kept a list", "--said-by", "Interior Ministry")
    cli("status", claim, "false", "--review-url", "https://desk.example/checks/1")
    (status_event,) = [e for e in cli.jsonl("log", claim) if e["action"] == "status"]
    when = status_event["at"][:10]
    cli("note", claim, "called the ministry again")
    cli("link", claim, "Wire", "--as", "disputes", "--url", "https://wire.example/b", "--create")
    assert cli.json("show", claim)["updated"][:10] > when
    (review_out,) = json.loads(cli("export", "--format", "claimreview", "--org", "Desk").stdout)
    assert review_out["datePublished"] == when
    # the claimant's kind is unknown: named, not called an organisation
    assert review_out["itemReviewed"]["author"] == {"name": "Interior Ministry"}
    cli("source", "edit", "Interior Ministry", "--kind", "organisation")
    (typed,) = json.loads(cli("export", "--format", "claimreview", "--org", "Desk").stdout)
    assert typed["itemReviewed"]["author"]["@type"] == "Organization"


@pytest.mark.parametrize(
    ("rating", "appearance", "said"),
    [
        ({"ratingValue": "1e400"}, None, "not a number a rating can be"),
        ({"ratingValue": float("nan")}, None, "not a number a rating can be"),
        ({"alternateName": "False"}, ["not-a-url"], "is not a web address"),
    ],
)
def test_a_review_with_values_no_record_can_hold_imports_nothing(
    cli: Cli, tmp_path: Path, rating: dict[str, Any], appearance: list[Any] | None, said: str
) -> None:
    bad = review(7, "A claim", rating, appearance=appearance)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad).replace("NaN", '"NaN"'), encoding="utf-8")
    failed = cli("import", str(path), "--format", "claimreview", code=1)
    assert said in failed.stderr and cli.jsonl("list") == []


# -- other desks' verdicts with the meaning they have (issue 25) ------------------------------

# Shaped like the pages of real fact-checkers (one review each, in their languages, with
# the fields and quirks their CMSs write: a url without its scheme, a scale of 1-6, a
# rating image, a `schema:` prefix); the sentences and names are ours.
PT_PAGE_REVIEW = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "datePublished": "2024-05-02T18:30:00-03:00",
    "url": "checagem.example/noticias/2024/05/prefeito-escolas",
    "claimReviewed": "O prefeito disse que a cidade abriu 40 escolas em 2023",
    "author": {
        "@type": "Organization",
        "name": "Checagem Exemplo",
        "url": "https://checagem.example",
        "logo": {"@type": "ImageObject", "url": "https://checagem.example/logo.png"},
    },
    "reviewRating": {
        "@type": "Rating",
        "ratingValue": 5,
        "bestRating": 6,
        "worstRating": 1,
        "alternateName": "não_é_bem_assim",
        "image": "https://checagem.example/selos/nao-e-bem-assim.png",
    },
    "itemReviewed": {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "Prefeito Exemplo", "jobTitle": "Prefeito"},
        "datePublished": "2024-04-28",
        "firstAppearance": {"@type": "CreativeWork", "url": "https://video.example/watch/9"},
        "appearance": [{"@type": "CreativeWork", "url": "https://social.example/p/44"}],
    },
}
ES_GRAPH = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "NewsMediaOrganization", "@id": "https://verifica.example/#org",
         "name": "Verifica Ejemplo", "url": "https://verifica.example/"},
        {"@type": "ClaimReview", "@id": "https://verifica.example/bulos/tren/#claimreview",
         "url": "https://verifica.example/bulos/tren/",
         "datePublished": "2024-06-11",
         "claimReviewed": "El tren nuevo costó 3.000 millones de euros",
         "author": {"@id": "https://verifica.example/#org"},
         "reviewRating": {"@type": "Rating", "ratingValue": "2", "bestRating": "5",
                          "worstRating": "1", "alternateName": "Engañoso"},
         "itemReviewed": {"@type": "Claim", "url": "https://prensa.example/tren",
                          "author": {"@type": "Person", "name": "Portavoz Ejemplo"}}},
    ],
}  # fmt: skip


def test_a_portuguese_not_quite_so_is_disputed_and_a_url_without_scheme_is_https(
    cli: Cli, tmp_path: Path
) -> None:
    result = cli("import", str(write(tmp_path / "pt.json", PT_PAGE_REVIEW)))
    assert (
        "Warning: ClaimReview 1: url 'checagem.example/noticias/2024/05/prefeito-escolas' "
        "has no scheme; read as https://checagem.example/noticias/2024/05/prefeito-escolas"
    ) in result.stderr
    (claim,) = cli.jsonl("list", "--all")
    claim = cli.json("show", claim["id"])
    assert claim["status"] == "disputed" and claim["rating"] == "não_é_bem_assim"
    assert claim["review"]["url"] == "https://checagem.example/noticias/2024/05/prefeito-escolas"
    relations = {k["relation"]: k for k in claim["links"]}
    assert relations["disputes"]["source"] == "Checagem Exemplo"
    assert "supports" not in relations
    # firstAppearance and appearance are where the claim was made, in that order
    reported = [(k["url"], k["date"]) for k in claim["links"] if k["relation"] == "reported-by"]
    assert reported == [
        ("https://video.example/watch/9", "2024-04-28"),
        ("https://social.example/p/44", None),
    ]


def test_a_spanish_misleading_in_a_graph_is_disputed_with_the_claims_own_page(
    cli: Cli, tmp_path: Path
) -> None:
    cli("import", str(write(tmp_path / "es.json", ES_GRAPH)))
    (claim,) = cli.jsonl("list", "--all")
    claim = cli.json("show", claim["id"])
    assert claim["status"] == "disputed" and claim["rating"] == "Engañoso"
    assert claim["review"]["by"] == "Verifica Ejemplo"
    assert [(k["relation"], k["source"], k["url"]) for k in claim["links"]] == [
        ("said-by", "Portavoz Ejemplo", None),
        ("reported-by", "prensa.example", "https://prensa.example/tren"),
        ("disputes", "Verifica Ejemplo", "https://verifica.example/bulos/tren/"),
    ]


@pytest.mark.parametrize(
    ("rating", "kept", "why"),
    [
        (
            {"alternateName": "Pinocho a medio gas", "ratingValue": 5, "bestRating": 6},
            "Pinocho a medio gas",
            "does not know what the rating 'Pinocho a medio gas' means",
        ),
        ({"ratingValue": 1}, "1 of 1-5", "a number alone is not read as a verdict"),
    ],
)
def test_a_rating_claimtrack_does_not_know_marks_the_claim_for_review_and_links_nothing(
    cli: Cli, tmp_path: Path, rating: dict[str, Any], kept: str, why: str
) -> None:
    unknown = review(11, "The port handled 2 million containers", rating)
    cli("import", str(write(tmp_path / "unknown.json", unknown)))
    (claim,) = cli.jsonl("list", "--all")
    claim = cli.json("show", claim["id"])
    assert claim["status"] == "checking" and claim["rating"] == kept
    assert why in claim["notes"][0]["text"] and "marked checking" in claim["notes"][0]["text"]
    assert claim["links"] == []  # neither supports nor disputes is invented
    assert claim["review"]["by"] == "Checkers Desk"


def test_the_import_is_the_users_change_and_the_verdict_the_reviewers(
    cli: Cli, tmp_path: Path, raw_db: Callable[[], dict[str, Any]]
) -> None:
    cli("import", str(write(tmp_path / "one.json", DOZEN)))
    (claim,) = cli.jsonl("list", "--all")
    shown = cli.json("show", claim["id"])
    assert shown["author"] == "tester" and shown["review"]["by"] == "Checkers Desk"
    assert shown["notes"][0]["author"] == "tester"
    stored = raw_db()
    assert {k["author"] for k in stored["links"].values()} == {"tester"}
    assert {e["actor"] for e in stored["events"].values()} == {"tester"}


def feed(*reviews: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [{"@type": "DataFeedItem", "item": [r]} for r in reviews],
    }


def test_one_bad_review_in_a_feed_is_reported_and_skipped_unless_strict(
    cli: Cli, tmp_path: Path
) -> None:
    bad = {**MINISTRY, "datePublished": "soon"}
    path = write(tmp_path / "feed.json", feed(DOZEN, bad, UNPROVEN))
    strict = cli("import", str(path), "--strict", code=1)
    assert strict.stderr.startswith("Error: ") and "1 invalid record(s)" in strict.stderr
    assert "ClaimReview 2: datePublished 'soon' is not a date" in strict.stderr
    assert cli.jsonl("list", "--all") == []
    result = cli("import", str(path))
    assert "Warning: ClaimReview 2: datePublished 'soon' is not a date; skipped" in result.stderr
    assert set(claims_by_text(cli)) == {DOZEN["claimReviewed"], UNPROVEN["claimReviewed"]}
    # the skipped review's claimant was not added either
    assert "Interior Ministry" not in {s["name"] for s in cli.jsonl("source", "list")}


def test_json_ld_with_a_schema_prefix_reads_as_schema_org(cli: Cli, tmp_path: Path) -> None:
    prefixed = {
        "@context": {"schema": "https://schema.org/"},
        "@type": "schema:ClaimReview",
        "schema:url": "https://checkers.example/checks/77",
        "schema:claimReviewed": "The bridge cost 90 million",
        "schema:datePublished": "2024-07-01",
        "schema:author": {"@type": "schema:Organization", "schema:name": "Checkers Desk"},
        "schema:reviewRating": {"@type": "schema:Rating", "schema:alternateName": "Falso"},
    }
    cli("import", str(write(tmp_path / "prefixed.jsonld", prefixed)))
    (claim,) = cli.jsonl("list", "--all")
    assert claim["text"] == "The bridge cost 90 million" and claim["status"] == "false"
    assert cli.json("show", claim["id"])["review"]["by"] == "Checkers Desk"
    # in a page, beside a block whose context is not schema.org's (left out, not fetched)
    other = {"@context": "https://vocab.example/ctx", "@type": "BreadcrumbList"}
    http = {**prefixed, "@context": {"s": "http://schema.org/"}}
    http = {k.replace("schema:", "s:"): v for k, v in http.items()}
    http["s:url"] = "https://checkers.example/checks/78"
    http["s:claimReviewed"] = "The tunnel cost 40 million"
    html = PAGE.replace("{BODY}", json.dumps(http)).replace("broken", json.dumps(other)[1:-1])
    cli("import", "-", input=html)
    assert {c["text"] for c in cli.jsonl("list", "--all")} == {
        "The bridge cost 90 million",
        "The tunnel cost 40 million",
    }


def test_a_block_nested_past_the_stack_is_left_out_and_the_review_beside_it_imported(
    cli: Cli,
) -> None:
    """Issue 27: a JSON-LD block nested 100,000 deep stopped the whole import with
    'internal error: RecursionError'; the good block beside it was lost."""
    deep = "[" * 100_000 + "]" * 100_000
    html = page(DOZEN).replace('{ "@type": "BreadcrumbList", broken ', deep)
    assert deep in html
    cli("import", "-", input=html)
    texts = [c["text"] for c in cli.jsonl("list", "--all")]
    assert texts == ["At least a dozen Russians faced entry bans in Serbia"]


def test_a_context_claimtrack_would_have_to_fetch_is_refused(cli: Cli, tmp_path: Path) -> None:
    remote = {**DOZEN, "@context": "https://vocab.example/context.jsonld"}
    failed = cli("import", str(write(tmp_path / "remote.jsonld", remote)), code=1)
    assert failed.stderr.startswith("Error: ")
    assert "https://vocab.example/context.jsonld, which claimtrack does not fetch" in failed.stderr
    assert cli.jsonl("list", "--all") == []


def test_import_url_fetches_the_page(cli: Cli, site: Site) -> None:  # noqa: F811
    url = site.page("/checks/tren", page(ES_GRAPH).encode())
    result = cli("import", url)
    assert f"Imported from {url}: claims: 1 added" in result.stderr
    assert [c["status"] for c in cli.jsonl("list", "--all")] == ["disputed"]
    missing = cli("import", site.url("/checks/none"), code=1)
    assert missing.stderr.startswith("Error: ") and "404" in missing.stderr
    assert "no such file" not in missing.stderr


def test_export_names_the_rating_and_dates_the_claim(cli: Cli) -> None:
    claim = cli.add("Police kept a list", "--said-by", "Interior Ministry")
    cli("link", claim, "Interior Ministry", "--as", "said-by", "--date", "2024-01-15")
    cli("link", claim, "Wire", "--as", "reported-by", "--url", "https://wire.example/a",
        "--date", "2024-01-16", "--create")  # fmt: skip
    cli("status", claim, "false", "--rating", "Mostly false")
    other = cli.add("The list has 40 names")
    cli("status", other, "verified")
    out = cli("export", "--format", "claimreview", "--org", "Desk", "--allow-missing-url")
    reviews = {r["identifier"]: r for r in json.loads(out.stdout)}
    assert reviews[claim]["reviewRating"]["name"] == "Mostly false"
    assert reviews[claim]["reviewRating"]["alternateName"] == "Mostly false"
    assert reviews[claim]["itemReviewed"]["datePublished"] == "2024-01-15"  # when it was said
    assert reviews[other]["reviewRating"]["name"] == "True"
    assert "datePublished" not in reviews[other]["itemReviewed"]  # not known
