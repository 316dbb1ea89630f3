-- Text search of the public catalog (`q`): a case-insensitive substring match
-- over title, summary and tags. Without an index `lower(...) LIKE '%…%'`
-- reads every listed course when few match; pg_trgm's GIN operator class
-- answers it from trigrams for patterns of three characters or more (it
-- rechecks each candidate, so the results are exactly the LIKE's). The keys
-- are the expressions the catalog query tests.
--
-- Not a partial index, unlike the catalog's B-tree indexes: PostgreSQL keeps
-- statistics of an index's expressions, but the planner ignores those of a
-- partial index, and without them it guesses that any pattern matches a few
-- dozen courses, so it would fetch and sort every course with a common word
-- instead of walking the sort order's index and stopping after one page.
-- Drafts and deleted courses are a small share of the index.
--
-- SQLite has the same search as the FTS5 table `courses_search`; the schema
-- model treats both as one logical text search of that name.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX courses_search ON courses USING gin (
    lower(title) gin_trgm_ops,
    lower(summary) gin_trgm_ops,
    lower(CAST(tags AS text)) gin_trgm_ops
);

-- The expressions' statistics now, not at the next autoanalyze.
ANALYZE courses;
