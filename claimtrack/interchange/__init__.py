"""Work handed on and brought back: the export bundle and its streaming reader, import
(read, plan, apply), the git merge driver, output formats, the exporters (CSV, memo,
ClaimReview, SQLite) and recording what ``extract`` found."""
