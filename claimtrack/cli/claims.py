"""Commands on claims: add, list, show, edit, status, note, rm, link, unlink."""

import re
from typing import TYPE_CHECKING, Annotated

import typer

from claimtrack import ids
from claimtrack.cli import complete, emit
from claimtrack.cli.common import (
    FormatOption,
    QuietOption,
    RevealOption,
    YesOption,
    app,
    confirm_destruction,
    environment,
    fail,
    location,
    no_color,
    open_db,
    output_format,
    read_text,
)
from claimtrack.cli.dates import DATE_HELP, date_callback
from claimtrack.cli.filters import NO_FILTERS, FilterOptions, filter_options
from claimtrack.model import STATUSES, one_of

if TYPE_CHECKING:
    from claimtrack.model import Quantity
    from claimtrack.views import ClaimView

ClaimArg = Annotated[
    str,
    typer.Argument(
        metavar="CLAIM", help="Claim ID or any unique prefix of it.", click_type=complete.CLAIM
    ),
]
SourceArg = Annotated[
    str,
    typer.Argument(
        metavar="SOURCE",
        help="Source name, alias or ID prefix.",
        click_type=complete.SOURCE,
    ),
]
STATUS_HELP = "One of: " + ", ".join(STATUSES) + "."
DEFAULT_PAGE = 50


# Whether a text may hold a quantity: a digit or a word the extractor values
# (claimtrack.extract.vocabulary's NUMBER_WORDS, "dozen", "tens of thousands", "a third";
# tests/test_render.py checks that this covers them). Only such a text pays for
# importing the extractor, so that ``add`` stays fast.
_MAY_COUNT = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|dozens?|third|quarter|"
    r"half)\b",
    re.IGNORECASE,
)


def worked_out_quantities(text: str) -> "list[Quantity]":
    """The quantities in a claim's text, as ``extract`` finds them (``[]`` when it holds
    no digit and no number word, without importing the extractor)."""
    if not _MAY_COUNT.search(text):
        return []
    from claimtrack.extract.quantities import quantities

    return quantities(" ".join(text.split()))


def _given_quantities(phrases: list[str]) -> "list[Quantity]":
    """``--quantity`` phrases, each one quantity as the extractor reads it."""
    found: list[Quantity] = []
    for phrase in phrases:
        worked = worked_out_quantities(phrase)
        if len(worked) != 1:
            raise typer.BadParameter(
                f"{phrase!r} holds {len(worked) or 'no'} quantities; give one, "
                "e.g. 'at least 12 entry bans'",
                param_hint="'--quantity'",
            )
        found += worked
    return found


def _checked_status(value: str, hint: str) -> str:
    """A status as typed; an unknown one is a usage error (exit 2)."""
    if one_of(value.strip().lower(), STATUSES) is None:
        raise typer.BadParameter(
            f"unknown status {value!r}; choose one of: {', '.join(STATUSES)}", param_hint=hint
        )
    return value


def _summary(verb: str, view: "ClaimView") -> str:
    short_id = ids.short(view["id"])
    return f"{verb} claim {short_id} ({view['status']}): {emit.clip(view['text'])}"


@app.command()
def add(
    ctx: typer.Context,
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help="The claim in your words; '-' reads stdin.")
    ],
    quote: Annotated[
        str | None, typer.Option(metavar="TEXT", help="The verbatim wording, if quoted.")
    ] = None,
    story: Annotated[
        str | None,
        typer.Option(
            metavar="SLUG",
            help="Story slug grouping claims, e.g. serbia-russians.",
            click_type=complete.STORY,
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", "-t", metavar="TAG", help="A tag (repeatable).", click_type=complete.TAG
        ),
    ] = None,
    said_by: Annotated[
        list[str] | None,
        typer.Option(
            "--said-by",
            metavar="NAME",
            help="Who made the claim (repeatable; created if new).",
            click_type=complete.SOURCE,
        ),
    ] = None,
    reported_by: Annotated[
        list[str] | None,
        typer.Option(
            "--reported-by",
            metavar="NAME",
            help="Who published it, first to last (repeatable; created if new).",
            click_type=complete.SOURCE,
        ),
    ] = None,
    status: Annotated[
        str, typer.Option(metavar="STATUS", help=STATUS_HELP, click_type=complete.STATUS)
    ] = "unverified",
    rating: Annotated[
        str | None, typer.Option(metavar="TEXT", help="The published verdict wording.")
    ] = None,
    note: Annotated[str | None, typer.Option(metavar="TEXT", help="A first note.")] = None,
    no_dupe_check: Annotated[
        bool,
        typer.Option(
            "--no-dupe-check",
            help="Do not look for a claim saying the same (on a terminal 'add' asks what "
            "to do; in a script it adds and warns on stderr).",
        ),
    ] = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Record a claim, with who said it and who reported it.

    A claim that says much the same as one already recorded ('claimtrack similar'
    scores 85 or more) is a near-duplicate: on a terminal 'add' shows it and asks
    whether to add anyway, use the existing claim, or skip; in a script it adds and
    warns on stderr.

    \b
    Examples:
      claimtrack add "At least a dozen anti-war Russians faced entry bans" \\
          --said-by "pro-democracy Russian activists" --reported-by "Associated Press" \\
          --tag serbia --story serbia-russians
      echo "Belgrade welcomed tens of thousands of Russians" | claimtrack add - -q
    """
    from claimtrack.query import Presenter, claim_view

    fmt = output_format(ctx, fmt, quiet)
    status = _checked_status(status, "'--status'")
    body = read_text(text, "claim text")
    quantities = worked_out_quantities(body)
    if not no_dupe_check:
        existing = _near_duplicate(ctx, body, quantities, said_by or [])
        if existing is not None:
            with open_db(ctx) as db:
                view = claim_view(db.get_claim(existing), Presenter(db))
            emit.one(ctx, view, fmt, _summary("Existing", view))
            return
    with open_db(ctx, write=True) as db:
        claim = db.add_claim(
            body,
            quote=quote,
            story=story,
            tags=tag or [],
            status=status,
            rating=rating,
            quantities=quantities,
            said_by=said_by or [],
            reported_by=reported_by or [],
            note=note,
        )
        view = claim_view(claim, Presenter(db))
    emit.one(ctx, view, fmt, _summary("Added", view))


def _near_duplicate(
    ctx: typer.Context, text: str, quantities: "list[Quantity]", said_by: list[str]
) -> str | None:
    """Look for claims saying much the same as the one to add (``similar.DUPLICATE``).
    On a terminal ask: add anyway (None), use the existing claim (its ID) or skip (exit
    0, nothing added). In a script warn on stderr and add (None)."""
    from claimtrack.similar import DUPLICATE, Probe, claimants_named, find_similar

    if not location(ctx).path.exists():
        return None  # the first claim: nothing to compare with
    with open_db(ctx) as db:
        probe = Probe(text, quantities, claimants_named(db, said_by))
        found = find_similar(db, probe, limit=3, min_score=DUPLICATE)
    if not found:
        return None
    env = environment(ctx)
    listing = "".join(
        f"\n  {ids.short(m.claim['id'])}  (score {m.score})  {emit.clip(m.claim['text'], 70)}"
        for m in found
    )
    if not (env.stdin_isatty and env.stderr_isatty):
        best = found[0]
        typer.echo(
            f"Warning: claim {ids.short(best.claim['id'])} says much the same (score "
            f"{best.score}): {emit.clip(best.claim['text'], 70)}; added anyway "
            "('claimtrack similar' shows it; --no-dupe-check skips this check)",
            err=True,
        )
        return None
    import click

    from claimtrack.interchange.formats import safe_text

    typer.echo(safe_text("Already recorded, much the same:" + listing), err=True)
    answer = typer.prompt(
        "[a]dd anyway, [u]se the existing claim, or [s]kip?",
        type=click.Choice(["a", "u", "s"]),
        default="a",
        err=True,
    )
    if answer == "u":
        return found[0].claim["id"]
    if answer == "s":
        typer.echo("Nothing added.", err=True)
        raise typer.Exit(0)
    return None


ListSort = Annotated[
    str, typer.Option("--sort", metavar="FIELD", help="created, updated, status, story or text.")
]
ListReverse = Annotated[bool, typer.Option("--reverse", "-r", help="Reverse the order.")]
ListLimit = Annotated[
    int | None, typer.Option("--limit", "-n", metavar="N", help="Show at most N claims.")
]
ListAll = Annotated[
    bool, typer.Option("--all", "-a", help="Show every match (a terminal shows 50 by default).")
]


@app.command("list")
@filter_options()
def list_claims(
    ctx: typer.Context,
    filters: FilterOptions = NO_FILTERS,
    sort: ListSort = "created",
    reverse: ListReverse = False,
    limit: ListLimit = None,
    show_all: ListAll = False,
    reveal: RevealOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """List claims, newest first, filtered and sorted.

    \b
    Examples:
      claimtrack list --status unverified --tag serbia
      claimtrack list --source "Associated Press" --relation reported-by
      claimtrack list --search "entry ban" --since 2024-02-01
      claimtrack list --format jsonl | jq -r 'select(.status=="unverified") | .id'
    """
    from claimtrack.query import Presenter, claim_view, iter_claims

    fmt = output_format(ctx, fmt, quiet)
    if show_all and limit is not None:
        ctx.fail("--all and --limit contradict each other: give one of them")
    flt = filters.claim_filter()
    if limit is not None and limit < 0:
        raise typer.BadParameter("must be 0 or more", param_hint="'--limit'")
    page = limit
    if page is None and fmt == "table" and not show_all:
        page = DEFAULT_PAGE
    with open_db(ctx) as db:
        flt.prepare(db)
        presenter = Presenter(db, reveal=reveal)
        claims, total = iter_claims(
            db, flt, sort=sort, reverse=reverse, limit=None if show_all else page
        )
        # Written while the claims are read, one at a time: a listing of every claim
        # in a large database never holds them all.
        views = (claim_view(c, presenter) for c in claims)
        shown = emit.claims(ctx, views, fmt)
    hidden = total - shown
    if hidden > 0 and environment(ctx).stdout_isatty:
        typer.echo(
            f"Showing {shown} of {total} claims; --all shows everything, --limit N shows more.",
            err=True,
        )


# `ls` is `list` under a shorter name, hidden from the command list.
app.command("ls", hidden=True)(list_claims)


@app.command()
def show(
    ctx: typer.Context,
    claim: ClaimArg,
    reveal: RevealOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Show one claim: its text, attribution chain, evidence and notes.

    \b
    Examples:
      claimtrack show 3f9k2ab
      claimtrack show 3f9 --format json | jq .reported_by
    """
    from claimtrack.query import Presenter, claim_view

    fmt = output_format(ctx, fmt, quiet)
    with open_db(ctx) as db:
        view = claim_view(db.get_claim(claim), Presenter(db, reveal=reveal))
    if fmt == "table":
        from claimtrack.cli import render

        render.claim_detail(view, no_color(ctx))
    else:
        emit.one(ctx, view, fmt, "")


@app.command()
def edit(
    ctx: typer.Context,
    claim: ClaimArg,
    text: Annotated[
        str | None, typer.Option(metavar="TEXT", help="New claim text; '-' reads stdin.")
    ] = None,
    quote: Annotated[
        str | None, typer.Option(metavar="TEXT", help="New verbatim quote ('' clears).")
    ] = None,
    story: Annotated[
        str | None,
        typer.Option(metavar="SLUG", help="New story slug ('' clears).", click_type=complete.STORY),
    ] = None,
    add_tag: Annotated[
        list[str] | None,
        typer.Option("--add-tag", metavar="TAG", help="Add a tag.", click_type=complete.TAG),
    ] = None,
    rm_tag: Annotated[
        list[str] | None,
        typer.Option("--rm-tag", metavar="TAG", help="Remove a tag.", click_type=complete.TAG),
    ] = None,
    rating: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Verdict wording ('' clears).")
    ] = None,
    quantity: Annotated[
        list[str] | None,
        typer.Option(
            "--quantity",
            metavar="TEXT",
            help="The claim's quantities, one phrase each, in place of those worked out "
            "(repeatable), e.g. 'at least 12 entry bans'.",
        ),
    ] = None,
    no_quantities: Annotated[
        bool, typer.Option("--no-quantities", help="The claim has no quantities to check.")
    ] = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Change a claim's text, quote, story, tags, rating or quantities.

    A new --text has its quantities worked out again, as 'add' does; --quantity and
    --no-quantities set them by hand.

    \b
    Examples:
      claimtrack edit 3f9k2ab --text "At least 12 Russians faced entry bans" --add-tag deportation
      claimtrack edit 3f9k2ab --story "" --rm-tag draft
      claimtrack edit 3f9k2ab --quantity "at least 12 entry bans"
    """
    from claimtrack.query import Presenter, claim_view

    fmt = output_format(ctx, fmt, quiet)
    if quantity and no_quantities:
        ctx.fail("--quantity and --no-quantities contradict each other")
    changes = (text, quote, story, rating, add_tag, rm_tag, quantity)
    if all(value is None or value == [] for value in changes) and not no_quantities:
        ctx.fail(
            "nothing to change: give --text, --quote, --story, --add-tag, --rm-tag, "
            "--rating, --quantity or --no-quantities"
        )
    if text is not None:
        text = read_text(text, "claim text")
    quantities = None
    if no_quantities:
        quantities = []
    elif quantity:
        quantities = _given_quantities(quantity)
    elif text is not None:
        quantities = worked_out_quantities(text)
    with open_db(ctx, write=True) as db:
        updated = db.edit_claim(
            claim,
            text=text,
            quote=quote,
            story=story,
            add_tags=add_tag or [],
            remove_tags=rm_tag or [],
            rating=rating,
            quantities=quantities,
        )
        view = claim_view(updated, Presenter(db))
    emit.one(ctx, view, fmt, _summary("Edited", view))


@app.command()
def status(
    ctx: typer.Context,
    claim: ClaimArg,
    new_status: Annotated[
        str, typer.Argument(metavar="STATUS", help=STATUS_HELP, click_type=complete.STATUS)
    ],
    note: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Why: added to the claim's notes.")
    ] = None,
    rating: Annotated[
        str | None, typer.Option(metavar="TEXT", help="The published verdict wording.")
    ] = None,
    review_url: Annotated[
        str | None,
        typer.Option(
            "--review-url",
            metavar="URL",
            help="The page where the fact-check is published (ClaimReview's url).",
        ),
    ] = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Move a claim through the workflow: unverified, checking, verified, disputed, ...

    \b
    Examples:
      claimtrack status 3f9k2ab checking --note "asked the ministry"
      claimtrack status 3f9k2ab false --rating "False: no such bans on record" \\
          --review-url https://desk.example/checks/russians-entry-bans
    """
    from claimtrack.query import Presenter, claim_view

    fmt = output_format(ctx, fmt, quiet)
    new_status = _checked_status(new_status, "'STATUS'")
    with open_db(ctx, write=True) as db:
        updated = db.set_status(claim, new_status, note=note, rating=rating, review_url=review_url)
        view = claim_view(updated, Presenter(db))
    emit.one(ctx, view, fmt, _summary("Status of", view))


@app.command()
def note(
    ctx: typer.Context,
    claim: ClaimArg,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The note; '-' reads stdin.")],
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Add a dated note to a claim (calls made, documents seen, doubts).

    \b
    Example:
      claimtrack note 3f9k2ab "BCSP letter to the ministry, 2024-02-20"
    """
    from claimtrack.query import Presenter, claim_view

    fmt = output_format(ctx, fmt, quiet)
    body = read_text(text, "note")
    with open_db(ctx, write=True) as db:
        updated = db.add_note(claim, body)
        view = claim_view(updated, Presenter(db))
    emit.one(ctx, view, fmt, _summary("Noted on", view))


@app.command()
def rm(
    ctx: typer.Context,
    claims: Annotated[
        list[str],
        typer.Argument(
            metavar="CLAIM...", help="Claim IDs or prefixes.", click_type=complete.CLAIM
        ),
    ],
    yes: YesOption = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Delete claims and their links (asks first on a terminal).

    \b
    Examples:
      claimtrack rm 3f9k2ab
      claimtrack list --status retracted -q | xargs claimtrack rm --yes
    """
    fmt = output_format(ctx, fmt, quiet)
    with open_db(ctx, write=True) as db:
        doomed = [db.get_claim(c) for c in claims]
        # Each claim whole, on a line of its own: the question is whether it is the right one.
        listing = "".join(
            f"\n  {ids.short(c['id'])}  {' '.join(c['text'].split())}" for c in doomed
        )
        what = (
            "this claim and its links"
            if len(doomed) == 1
            else f"these {len(doomed)} claims and their links"
        )
        confirm_destruction(ctx, f"To delete:{listing}\nDelete {what}?", yes)
        removed = db.remove_claims(c["id"] for c in doomed)
    if fmt == "table":
        for claim in removed:
            typer.echo(f"Deleted claim {ids.short(claim['id'])}: {emit.clip(claim['text'])}")
    else:
        emit.records(removed, fmt)


@app.command()
def link(
    ctx: typer.Context,
    claim: ClaimArg,
    source: SourceArg,
    relation: Annotated[
        str,
        typer.Option(
            "--as",
            metavar="RELATION",
            help="said-by, reported-by, supports or disputes.",
            click_type=complete.RELATION,
        ),
    ],
    url: Annotated[
        str | None, typer.Option(metavar="URL", help="Where the source says it.")
    ] = None,
    quote: Annotated[str | None, typer.Option(metavar="TEXT", help="The source's words.")] = None,
    date: Annotated[
        str | None,
        typer.Option(
            metavar="DATE",
            help=f"When the source said or published it ({DATE_HELP}).",
            callback=date_callback,
        ),
    ] = None,
    link_note: Annotated[
        str | None, typer.Option("--note", metavar="TEXT", help="A note on this link.")
    ] = None,
    create: Annotated[
        bool, typer.Option("--create", help="Create the source if no source has that name.")
    ] = False,
    archive: Annotated[
        bool,
        typer.Option("--archive", help="Keep a snapshot of the URL's page too (as 'archive')."),
    ] = False,
    wayback: Annotated[
        bool,
        typer.Option(
            "--wayback",
            help="With --archive: ask the Internet Archive for a public copy too "
            "(as 'archive --wayback').",
        ),
    ] = False,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Link a claim to a source as said-by, reported-by, supports or disputes.

    Linking the same pair again updates the link's URL, quote, date or note.
    Reported-by links keep the order they were added in: the chain of attribution.
    With --archive the page at the URL is fetched and kept; if that fails the link
    stays, without a snapshot, and the command exits 1. --archive --wayback asks the
    Internet Archive for a public copy too (as 'archive --wayback').

    \b
    Examples:
      claimtrack link 3f9k2ab "Associated Press" --as reported-by --url https://apnews.com/...
      claimtrack link 3f9k2ab "BCSP report 2024" --as supports --create --date 2024-02-20
    """
    from claimtrack.query import Presenter, claim_view

    fmt = output_format(ctx, fmt, quiet)
    if wayback and not archive:
        ctx.fail("--wayback asks for a public copy of the page --archive keeps: give both")
    with open_db(ctx, write=True) as db:
        if create:
            db.ensure_source(source)
        made = db.link(claim, source, relation, url=url, quote=quote, date=date, note=link_note)
        presenter = Presenter(db)
        view = claim_view(db.get_claim(made["claim"]), presenter)
        name = presenter.name(made["source"])
    failed = False
    if archive and made["url"]:
        from claimtrack.cli.evidence import archive_cited, link_cited

        reports = archive_cited(ctx, link_cited(ctx, made), wayback=wayback)
        failed = any(r["result"] == "failed" for r in reports)
        with open_db(ctx) as db:
            view = claim_view(db.get_claim(made["claim"]), Presenter(db))
    emit.one(ctx, view, fmt, linked_message(name, made["relation"], made["claim"]))
    if failed:
        raise typer.Exit(1)


def linked_message(source: str, relation: str, claim_id: str) -> str:
    """The link in a sentence that reads the right way round: "BCSP letter supports
    claim 6fmxk1p", "claim 6fmxk1p reported by Associated Press"."""
    claim = f"claim {ids.short(claim_id)}"
    if relation in ("supports", "disputes"):
        return f"Linked: {source} {relation} {claim}"
    return f"Linked: {claim} {relation.replace('-', ' ')} {source}"


@app.command()
def unlink(
    ctx: typer.Context,
    claim: ClaimArg,
    source: SourceArg,
    relation: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="RELATION",
            help="Only this relation (default: every link).",
            click_type=complete.RELATION,
        ),
    ] = None,
    fmt: FormatOption = None,
    quiet: QuietOption = False,
) -> None:
    """Remove the links between a claim and a source.

    \b
    Example:
      claimtrack unlink 3f9k2ab "Associated Press" --as reported-by
    """
    from claimtrack.query import Presenter, claim_view

    fmt = output_format(ctx, fmt, quiet)
    with open_db(ctx, write=True) as db:
        removed = db.unlink(claim, source, relation)
        view = claim_view(db.get_claim(claim), Presenter(db))
    if not removed:
        fail("nothing to unlink")
    emit.one(ctx, view, fmt, f"Removed {len(removed)} link(s) from claim {ids.short(view['id'])}")
