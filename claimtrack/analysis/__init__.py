"""What claimtrack works out from the records, without changing them: the
pre-publication checks (``checks``: what ``check`` and the memo report), the counts of
``stats`` (``stats``), and how alike two claims are (``similar``: "have we checked this
before?", and ``add``'s near-duplicate question)."""
