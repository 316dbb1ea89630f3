-- A category page in price, rating or popularity order walks one of these
-- instead of sorting the whole category.
CREATE INDEX ix_courses_catalog_category_price ON courses (category, price_minor, id)
    WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX ix_courses_catalog_category_popular ON courses (category, enrollment_count, id)
    WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX ix_courses_catalog_category_rating ON courses (category, (COALESCE(rating_sum * 1000000 / NULLIF(rating_count, 0), 0)), id)
    WHERE status = 'published' AND deleted_at IS NULL;
