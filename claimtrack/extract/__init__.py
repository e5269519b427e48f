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
- ``pipeline``: which sentences are candidates, and the stages tied together;
- ``vocabulary``: the word lists all of them are tuned with;
- ``web``: a web page's main text and metadata (trafilatura), and fetching a URL.

The extractor never touches the database: ``claimtrack.interchange.candidates`` records
the candidates a journalist accepts.
"""

from claimtrack.extract.pipeline import (
    ArticleInfo,
    Candidate,
    CandidateRecord,
    Extraction,
    ExtractionRecord,
    extract,
)
from claimtrack.extract.quantities import quantities
from claimtrack.extract.text import normalise

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
