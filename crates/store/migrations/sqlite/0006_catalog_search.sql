-- Text search of the public catalog (`q`): a case-insensitive substring match
-- over title, summary and tags. Without an index `lower(...) LIKE '%…%'`
-- reads every listed course when few match; an FTS5 table with the trigram
-- tokenizer answers a phrase of three characters or more from its index
-- (shorter queries keep a scan). The tokenizer folds case over all of
-- Unicode, as PostgreSQL's lower() does, where SQLite's lower() and LIKE
-- fold only ASCII.
--
-- PostgreSQL has the same search as the pg_trgm index `courses_search`; the
-- schema model treats both as one logical text search of that name. Like that
-- index it covers every course (the catalog query filters the listed ones),
-- so publishing, archiving or deleting a course leaves it alone.
--
-- The FTS rowid is the course's rowid. SQLite keeps the rowids of a table that
-- has an index (courses has its primary key's) through VACUUM, and the
-- application never rewrites a course with REPLACE, so the two stay paired;
-- the triggers below keep the text in step.
CREATE VIRTUAL TABLE courses_search USING fts5(title, summary, tags, tokenize = 'trigram');

INSERT INTO courses_search (rowid, title, summary, tags) SELECT rowid, title, summary, tags FROM courses;

CREATE TRIGGER tr_courses_search_insert AFTER INSERT ON courses
BEGIN
    INSERT INTO courses_search (rowid, title, summary, tags) VALUES (new.rowid, new.title, new.summary, new.tags);
END;

-- Only when a searched column is written: counters such as enrollment_count
-- change often and leave the search alone.
CREATE TRIGGER tr_courses_search_update AFTER UPDATE OF title, summary, tags ON courses
BEGIN
    DELETE FROM courses_search WHERE rowid = old.rowid;
    INSERT INTO courses_search (rowid, title, summary, tags) VALUES (new.rowid, new.title, new.summary, new.tags);
END;

CREATE TRIGGER tr_courses_search_delete AFTER DELETE ON courses
BEGIN
    DELETE FROM courses_search WHERE rowid = old.rowid;
END;
