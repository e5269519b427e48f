"""The database shared through git: ``driver`` is the merge driver git runs on
``claims.json`` (a three-way merge of records, not of lines), ``repo`` sets a repository
up for it (``claimtrack git setup``) and resolves a conflicted file
(``claimtrack git resolve``)."""
