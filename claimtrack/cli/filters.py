"""The list filters, declared once: ``--status --tag --story --source --relation --search
--since --until``, which ``list``, ``export``, ``check`` and (some of them) ``stats`` take.

Typer reads a command's options from its signature, so ``filter_options`` puts one
parameter per filter where the command has ``filters: FilterOptions``, and hands the
command the one object built from them (as sqlite-utils' ``output_options`` declares
shared options once). The options, their help and their order are the same everywhere.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from claimtrack.cli import complete
from claimtrack.cli.dates import DATE_HELP, since_callback, until_callback
from claimtrack.model import RELATIONS

if TYPE_CHECKING:
    from claimtrack.views.presenter import ClaimFilter

StatusFilter = Annotated[
    list[str] | None,
    typer.Option(
        "--status",
        "-s",
        metavar="STATUS",
        help="Only this status (repeatable).",
        click_type=complete.STATUS,
    ),
]
TagFilter = Annotated[
    list[str] | None,
    typer.Option(
        "--tag",
        "-t",
        metavar="TAG",
        help="Only claims with this tag (repeatable).",
        click_type=complete.TAG,
    ),
]
StoryFilter = Annotated[
    list[str] | None,
    typer.Option("--story", metavar="SLUG", help="Only this story.", click_type=complete.STORY),
]
SourceFilter = Annotated[
    str | None,
    typer.Option(
        "--source",
        metavar="SOURCE",
        help="Only claims linked to this source (name, alias or ID).",
        click_type=complete.SOURCE,
    ),
]
RelationFilter = Annotated[
    str | None,
    typer.Option(
        "--relation",
        metavar="RELATION",
        help="With --source: only this relation (" + ", ".join(RELATIONS) + ").",
        click_type=complete.RELATION,
    ),
]
SearchFilter = Annotated[
    str | None,
    typer.Option("--search", "-S", metavar="TEXT", help="Text to find in the claim or its quote."),
]
SinceFilter = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="DATE",
        help=f"Created on or after this day, in your time zone ({DATE_HELP}).",
        callback=since_callback,
    ),
]
UntilFilter = Annotated[
    str | None,
    typer.Option(
        "--until",
        metavar="DATE",
        help="Created on or before this day, in your time zone.",
        callback=until_callback,
    ),
]

# Parameter name -> option, in the order commands list them in --help.
_OPTIONS = {
    "status": StatusFilter,
    "tag": TagFilter,
    "story": StoryFilter,
    "source": SourceFilter,
    "relation": RelationFilter,
    "search": SearchFilter,
    "since": SinceFilter,
    "until": UntilFilter,
}


@dataclass(frozen=True)
class FilterOptions:
    """The filters as given on the command line (repeatable ones as lists), unchecked:
    ``claim_filter`` makes the core's filter, which validates them against the database."""

    statuses: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    stories: tuple[str, ...] = ()
    source: str | None = None
    relation: str | None = None
    search: str | None = None
    since: str | None = None
    until: str | None = None

    @classmethod
    def given(
        cls,
        status: list[str] | None = None,
        tag: list[str] | None = None,
        story: list[str] | None = None,
        source: str | None = None,
        relation: str | None = None,
        search: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> FilterOptions:
        """The filters from the options' values (named as the options are)."""
        return cls(
            tuple(status or ()),
            tuple(tag or ()),
            tuple(story or ()),
            source,
            relation,
            search,
            since,
            until,
        )

    @property
    def narrowing(self) -> bool:
        """Whether any filter leaves claims out (``--relation`` does only with ``--source``,
        and is an error without it)."""
        given = (self.statuses, self.tags, self.stories, self.source, self.search, self.since)
        return any(given) or bool(self.until)

    def claim_filter(self) -> ClaimFilter:
        """The core's filter. Raises ``typer.BadParameter`` (a usage error, exit 2) for
        ``--relation`` without ``--source`` (a status or relation unknown is one already,
        given by the options' type, ``complete.Closed``)."""
        from claimtrack.views.presenter import ClaimFilter

        if self.relation is not None and self.source is None:
            raise typer.BadParameter(
                "needs --source: whose links of that kind?", param_hint="'--relation'"
            )

        return ClaimFilter(
            statuses=list(self.statuses),
            tags=list(self.tags),
            stories=list(self.stories),
            source=self.source,
            relation=self.relation,
            search=self.search,
            since=self.since,
            until=self.until,
        )


NO_FILTERS = FilterOptions()


def filter_options(*names: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the list filters (every one, or those named, e.g. ``"status"``) in
    place of its ``filters: FilterOptions`` parameter."""
    chosen = names or tuple(_OPTIONS)

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(command)
        parameters: list[inspect.Parameter] = []
        for parameter in signature.parameters.values():
            if parameter.name != "filters":
                parameters.append(parameter)
                continue
            parameters.extend(
                inspect.Parameter(name, parameter.kind, default=None, annotation=_OPTIONS[name])
                for name in chosen
            )

        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> None:  # called by Typer, with its values
            given = {name: kwargs.pop(name, None) for name in chosen}
            command(*args, filters=FilterOptions.given(**given), **kwargs)

        # What Typer reads to make the command's options.
        run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        return run

    return decorate
