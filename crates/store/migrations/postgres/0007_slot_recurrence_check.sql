-- SQLite's 0007 rewrites a JSON stand-in check that PostgreSQL never had (its
-- jsonb type does that job). This keeps both backends on one version list.
SELECT 1;
