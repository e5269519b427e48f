"""A first pass over an article: the checkable claims, who made them, who carried them.

Rule-based and offline (but for fetching a URL): an article in, as plain text in any
layout or as a web page, candidate claims out, for a journalist
to review (``claimtrack extract``). The pipeline, in the order it runs:

- ``text``: clean-up (line endings, curly quotes, odd spaces), paragraphs, sentences;
- ``article``: the furniture around the story (headline, byline, date, dateline,
  captions, a closing "Source:" line), which says who carried it;
- ``quantities``: the numbers in a sentence, with qualifier and what they count;
- ``names``: the people and organisations the article introduces, and what refers back
  to them ("she", "Petrovic", "AP", "the think tank");
- ``attribution``: who made each claim and which news organisation carried it;
- ``clauses``: the grammar attribution reads by pattern (verbs of saying, clauses);
- ``pipeline``: which sentences are candidates, and the stages tied together;
- ``vocabulary``: the word lists all of them are tuned with;
- ``web``: a web page's main text and metadata (trafilatura), and fetching a URL.

The extractor never touches the database: ``claimtrack.importing.candidates`` records
the candidates a journalist accepts.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from claimtrack.extract.pipeline import (
        ArticleInfo,
        Candidate,
        CandidateRecord,
        Extraction,
        ExtractionRecord,
        extract,
    )
    from claimtrack.extract.text import normalise

# The function, not its module of the same name (which importing it makes an attribute
# of this package): what ``add`` needs to work out a claim's quantities.
from claimtrack.extract.quantities import quantities

# The rest loaded on first use (PEP 562): ``add`` must not pay for the whole pipeline.
_WHERE = {
    "ArticleInfo": "pipeline",
    "Candidate": "pipeline",
    "CandidateRecord": "pipeline",
    "Extraction": "pipeline",
    "ExtractionRecord": "pipeline",
    "extract": "pipeline",
    "normalise": "text",
}

__all__ = [
    "ArticleInfo",
    "Candidate",
    "CandidateRecord",
    "Extraction",
    "ExtractionRecord",
    "extract",
    "normalise",
    "quantities",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
