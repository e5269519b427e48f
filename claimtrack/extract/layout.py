"""The article's layout: who speaks where the structure, not a verb, says so.

Some copy names its speakers by layout rather than by "said":

- a Q&A or a transcript labels each turn ("Ana:", "MAYOR KIM:"); an answer runs on over
  unlabelled paragraphs until the next question (a paragraph ending in "?");
- a round-up gives each expert a section under a heading with the name, a role line
  below it ("Chief economist, Harbor Bank"), and first-person paragraphs under that;
- a release or transcript opens the speech with "Remarks of / by NAME";
- a live blog stamps each entry with its time ("14:05", "2.30pm Jane Roe"): an entry
  starts afresh, so a pronoun or a quotation never reaches back into the entry before;
- a list whose bullets were lost in the paste is a run of short paragraphs (one or two
  sentences) after a line ending in a colon or a semicolon;
- a byline may run into the body on one line ("By Jane Roe The council voted ...").

:func:`read_layout` finds these in the paragraphs, before the story is read sentence by
sentence. It never guesses a speaker from a single line that merely looks like a name:
a label counts when it recurs or names someone the article introduced in full, and a
heading counts only with a role line under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from claimtrack.extract.names import kind_of, looks_like_name, split_role
from claimtrack.extract.text import Block
from claimtrack.extract.vocabulary import BULLET, NOT_NAMES, ROLE_NOUNS

# "Ana:", "Mayor Kim:", "ANA RUIZ:", "Q:"; the label is one to four capitalised words.
_LABEL = re.compile(r"^(?P<label>(?:[A-Z][\w'.-]*)(?:\s+[A-Z][\w'.-]*){0,3}):\s+(?P<rest>\S.*)$")
# Words that open a line with a colon but name no speaker ("Update:", "Editor's note:").
_NOT_LABELS = frozenset(
    "update updated note editor's editors breaking correction clarification source sources "
    "photo photos video watch read listen related background disclosure warning caution "
    "contact email e-mail tel phone web website twitter facebook instagram credit credits "
    "location date time when where what why how who price cost tickets more also see "
    "summary highlights key points fact facts factbox analysis opinion comment explainer "
    "live latest timeline quote quotes verdict rating claim claims the a an in on at for "
    "by from with and but or if so then now here there this that these those it he she "
    "they we you i".split()
)
# Question and answer labels of an interview: no speaker named.
_QA = frozenset(("q", "a", "question", "answer"))
# "Remarks of Vice President Ana Ruiz", "Statement by the Minister for Health".
_REMARKS = re.compile(
    r"^(?:(?:prepared|full|opening|closing)\s+)?(?:remarks|statement|speech|address|"
    r"testimony|transcript|keynote)(?:\s+as\s+(?:prepared\s+for\s+)?delivered)?\s+"
    r"(?:of|by|from)\s+(?P<who>[A-Z][^.!?:;]{2,80})$",
    re.IGNORECASE,
)
# A live-blog entry's time stamp: "14:05", "2.30pm", "09:12 GMT Jane Roe", "11:45 am -".
_STAMP = re.compile(
    r"^(?P<stamp>(?:\d{1,2}:\d\d(?:\s*[ap]\.?m\.?)?|\d{1,2}[.:]\d\d\s*[ap]\.?m\.?)"
    r"(?:\s*(?:gmt|utc|bst|ist|cet|cest|est|edt|cst|cdt|pst|pdt|aest|aedt|et|pt)\b)?)"
    r"(?:\s*[-|\u2013\u2014:]\s*|\s+|$)(?P<rest>.*)$",
    re.IGNORECASE,
)
# A byline run into the body: "By" and a name of two or three words (or two names).
_RUN_IN_BYLINE = re.compile(
    r"^By\s+(?P<name>(?:[A-Z][\w.'-]*\s+){1,2}[A-Z][\w.'-]*"
    r"(?:\s+(?:and|&)\s+(?:[A-Z][\w.'-]*\s+){1,2}[A-Z][\w.'-]*)?)"
    r"(?:,\s*(?P<outlet>[A-Z][\w.'&-]*(?:\s+[A-Z][\w.'&-]*){0,3}))?\s+(?P<body>\S.*)$"
)
# Sentence punctuation a line that is a paragraph of story ends with.
_CLOSED = re.compile(r"""[.!?:;)"'\]]$""")
# A role line that makes a name over it a byline: the writer's, not a speaker's.
_JOURNALIST = re.compile(
    r"\b(?:reporter|correspondent|editor|writer|author|columnist|journalist|staff|contributor|"
    r"photographer|producer|presenter|anchor|news)\b",
    re.IGNORECASE,
)
# A list item that lost its bullet: a paragraph of one or two sentences.
_ITEM_WORDS = 45


@dataclass
class Layout:
    """The paragraphs as the story stages read them, and what their layout says.

    ``blocks`` are the article's paragraphs with speaker labels and time stamps cut off
    (offsets kept right) and a run-in byline split from the body; the other fields are
    keyed by the index of a block in ``blocks``: ``speakers`` the speaker its layout
    names (a label, a heading, a "Remarks of"), ``entries`` where a live-blog entry or a
    new section starts, ``items`` the list items that lost their bullets."""

    blocks: list[Block]
    speakers: dict[int, str] = field(default_factory=dict)
    entries: set[int] = field(default_factory=set)
    items: set[int] = field(default_factory=set)


def read_layout(blocks: list[Block]) -> Layout:
    """The layout of an article's paragraphs (see :class:`Layout`)."""
    layout = Layout(_split_byline(blocks))
    _stamps(layout)
    _labels(layout)
    _headings(layout)
    _lost_bullets(layout)
    return layout


def _split_byline(blocks: list[Block]) -> list[Block]:
    """The paragraphs with a byline that runs into the story's first paragraph on one
    line ("By Jane Roe The council voted ...") split in two."""
    out = list(blocks)
    for index, block in enumerate(blocks[:4]):
        found = _RUN_IN_BYLINE.match(block.text)
        if not found:
            continue
        name, body = found.group("name"), found.group("body")
        words = name.split()
        if words[-1].lower() in NOT_NAMES:  # "By Jane Roe The council ...": "The" is the body's
            cut = found.start("name") + len(" ".join(words[:-1]))
            name, body = " ".join(words[:-1]), block.text[cut:].strip()
        if len(body.split()) < 8 or not _CLOSED.search(body) or len(name.split()) < 2:
            continue
        at = block.text.index(body, found.start("name") + len(name))
        out[index] = Block(block.start, block.text[:at].rstrip())
        out.insert(index + 1, Block(block.start + at, body))
        break
    return out


def _stamps(layout: Layout) -> None:
    """Live-blog entries: a paragraph that opens with a time stamp starts one; the stamp
    (and an author's name after it on a short line) is cut off the story."""
    stamped = [n for n, block in enumerate(layout.blocks) if _STAMP.match(block.text)]
    if len(stamped) < 2:
        return  # one time in the text is a time, not a live blog
    for index in stamped:
        block = layout.blocks[index]
        found = _STAMP.match(block.text)
        assert found is not None
        layout.entries.add(index)
        rest = found.group("rest")
        if len(rest.split()) >= 6 and _CLOSED.search(rest):
            layout.blocks[index] = Block(block.start + found.start("rest"), rest)


def _label_name(text: str) -> str | None:
    found = _LABEL.match(text)
    if not found:
        return None
    label = found.group("label")
    if label.lower() in _QA:
        return label
    if label.split()[0].lower().strip(".'") in _NOT_LABELS or len(label) < 2:
        return None
    return label


def _labels(layout: Layout) -> None:
    """Speaker labels: "Ana:" before a turn. A label is a speaker's when it is a person's
    name that recurs as a label or was given in full before; the turn runs on until a
    question, a time stamp or another label."""
    labels = [_label_name(block.text) for block in layout.blocks]
    counts: dict[str, int] = {}
    for label in labels:
        if label:
            counts[label] = counts.get(label, 0) + 1
    speaker: str | None = None
    for index, (block, label) in enumerate(zip(layout.blocks, labels, strict=True)):
        if index in layout.entries:
            speaker = None
        if label and index > 0 and _speaker_label(label, counts[label], layout.blocks[:index]):
            found = _LABEL.match(block.text)
            assert found is not None
            layout.blocks[index] = Block(block.start + found.start("rest"), found.group("rest"))
            speaker = None if label.lower() in _QA else _as_name(label)
        elif block.text.endswith("?"):
            speaker = None
        if speaker:
            layout.speakers[index] = speaker


def _speaker_label(label: str, count: int, before: list[Block]) -> bool:
    """Whether a label names a speaker: "Q" and "A" do, as does a person's name used as a
    label twice or more, or given before in the article ("Ana" of "Ana Ruiz")."""
    if label.lower() in _QA:
        return count >= 2
    if kind_of(_as_name(label)) != "person":
        return False
    if count >= 2:
        return True
    if " " in label:
        return any(label in block.text for block in before)
    pattern = re.compile(rf"\b{re.escape(label)}\s+[A-Z][\w'-]+")
    return any(pattern.search(block.text) for block in before)


def _as_name(label: str) -> str:
    """A label as a name: "ANA RUIZ" -> "Ana Ruiz"."""
    return label.title() if label.isupper() and len(label) > 3 else label


def _short_line(text: str) -> bool:
    return len(text.split()) <= 12 and not _CLOSED.search(text)


def speaker_heading(lines: list[str], index: int) -> str | None:
    """The speaker the line at ``index`` names as a heading: "Remarks of NAME", or a
    person's name over a role line ("Chief economist, Harbor Bank") or with its role
    after a comma; None when it names none."""
    text = lines[index]
    remarks = _REMARKS.match(text)
    if remarks:
        return remarks.group("who").strip()
    if not _short_line(text):
        return None
    name, role = split_role(text)
    if role and _JOURNALIST.search(role):
        return None  # "Jane Roe, Staff Reporter": the byline, not a speaker
    if role and looks_like_name(name) and kind_of(name) == "person":
        return name
    following = lines[index + 1] if index + 1 < len(lines) else ""
    if _JOURNALIST.search(following) or kind_of(following) == "media":
        return None  # "Jane Roe / Staff Reporter": the byline, not a speaker
    if (
        looks_like_name(text)
        and kind_of(text) == "person"
        and not any(w.lower() in NOT_NAMES for w in text.split())
        and _role_line(following)
    ):
        return text
    return None


def _role_line(text: str) -> bool:
    """A short line giving a role and where ("Chief economist, Harbor Bank - Portvale,
    N.Y."): a role noun, and a comma or a dash before the employer or the place."""
    ends = re.sub(r"\b(?:[A-Z]\.)+$", "", text.strip())  # "N.Y." ends a place, not a sentence
    where = re.search(r",|\s[-\u2013\u2014]\s", text)
    return _short_line(ends) and bool(ROLE_NOUNS.search(text)) and where is not None


def _headings(layout: Layout) -> None:
    """Sections under a heading that names their speaker. A section ends at the next such
    heading, a time stamp, or a plain sub-heading after some of its paragraphs."""
    speaker: str | None = None
    read = False  # whether the section has had a paragraph of story yet
    texts = [block.text for block in layout.blocks]
    for index, block in enumerate(layout.blocks):
        if index in layout.entries:
            speaker = None
        named = speaker_heading(texts, index)
        if named:
            speaker, read = named, False
            continue
        if _role_line(block.text) and (index == 0 or not speaker_heading(texts, index - 1)):
            speaker = None  # a role under no name: the heading of another section, lost
            continue
        if _short_line(block.text):
            if read:
                speaker = None
            continue
        if speaker and index not in layout.speakers:
            layout.speakers[index] = speaker
            read = True


def _lost_bullets(layout: Layout) -> None:
    """A run of two or more short paragraphs after a line ending in a colon (or in a
    semicolon, which ends a paragraph only before a list), none of them opening a
    quotation, asking or introducing anything itself: a list whose bullets the paste
    lost. A new live-blog entry ends it, and so does a line without a full stop after
    items with one (a sub-heading)."""
    blocks = layout.blocks
    for index, block in enumerate(blocks):
        if not block.text.endswith((":", ";")) or BULLET.match(block.text):
            continue
        run: list[int] = []
        for following in range(index + 1, len(blocks)):
            text = blocks[following].text
            if (
                following in layout.entries
                or BULLET.match(text)
                or len(text.split()) > _ITEM_WORDS
                or text.endswith((":", ";", "?"))
                or text.startswith('"')
                or (_short_line(text) and any(_CLOSED.search(blocks[n].text) for n in run))
            ):
                break
            run.append(following)
        if len(run) >= 2:
            layout.items.update(run)
