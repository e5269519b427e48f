"""A record that holds up: the history's hash chain and trusted timestamps of it.

- ``chain``: every history event carries the SHA-256 of the event(s) before it, so an
  event edited, removed or slipped in by hand breaks the chain where it happened
  (``claimtrack log --verify``, ``check``).
- ``timestamps``: RFC 3161 tokens from time-stamping authorities over the chain's head
  (``claimtrack seal``) or an evidence snapshot (``archive --timestamp``), kept beside
  the database and checked offline (``verify_token``).

Nothing here imports the network or the crypto until a timestamp is asked for or
checked: the chain needs only ``hashlib`` and ``orjson``.
"""
