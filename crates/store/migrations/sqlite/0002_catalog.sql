-- Catalog sort orders: each keyset-paginated order of the public catalog has an
-- index over published, live courses, so a page is an index range scan however
-- many courses exist. The rating order sorts by the exact average scaled to an
-- integer (ties broken by id), the same expression on both backends.
CREATE INDEX ix_courses_catalog_price ON courses (price_minor, id)
    WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX ix_courses_catalog_popular ON courses (enrollment_count, id)
    WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX ix_courses_catalog_rating ON courses ((COALESCE(rating_sum * 1000000 / NULLIF(rating_count, 0), 0)), id)
    WHERE status = 'published' AND deleted_at IS NULL;

-- Progress reports carry an optional idempotency key; a retried report with the
-- key of the last applied one is answered without adding its time again.
ALTER TABLE course_progress ADD COLUMN last_request_key TEXT;
