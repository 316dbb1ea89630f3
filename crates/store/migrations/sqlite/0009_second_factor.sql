-- Sign-in with a second factor: an authenticator app's TOTP secret (RFC 6238),
-- one-time recovery codes, and the short-lived challenge between the password
-- and the code. The PostgreSQL migration of the same number gives the same
-- logical schema.
--
-- These rows are credentials, so they are deleted rather than soft-deleted
-- when the factor is turned off or replaced: a secret must not outlive its
-- removal. The audit log keeps the history.

CREATE TABLE second_factors (
    id                      TEXT     NOT NULL,
    user_id                 TEXT     NOT NULL,
    secret                  TEXT     NOT NULL,
    last_used_step          INTEGER,
    confirmed_at            TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    updated_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT pk_second_factors PRIMARY KEY (id),
    CONSTRAINT fk_second_factors_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT ck_second_factors_secret CHECK (length(secret) BETWEEN 26 AND 128),
    CONSTRAINT ck_second_factors_last_used_step CHECK (last_used_step IS NULL OR last_used_step >= 0)
) STRICT;
CREATE INDEX ix_second_factors_user_id ON second_factors (user_id);
-- At most one factor in use and one being set up per account.
CREATE UNIQUE INDEX ux_second_factors_user_confirmed ON second_factors (user_id) WHERE confirmed_at IS NOT NULL;
CREATE UNIQUE INDEX ux_second_factors_user_pending ON second_factors (user_id) WHERE confirmed_at IS NULL;

CREATE TABLE recovery_codes (
    id                      TEXT     NOT NULL,
    user_id                 TEXT     NOT NULL,
    code_hash               TEXT     NOT NULL,
    used_at                 TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT pk_recovery_codes PRIMARY KEY (id),
    CONSTRAINT fk_recovery_codes_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT ck_recovery_codes_code_hash CHECK (length(code_hash) = 64)
) STRICT;
CREATE UNIQUE INDEX ux_recovery_codes_user_code ON recovery_codes (user_id, code_hash);

CREATE TABLE sign_in_challenges (
    id                      TEXT     NOT NULL,
    user_id                 TEXT     NOT NULL,
    token_hash              TEXT     NOT NULL,
    expires_at              TEXT     NOT NULL,
    used_at                 TEXT,
    created_at              TEXT     NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    CONSTRAINT pk_sign_in_challenges PRIMARY KEY (id),
    CONSTRAINT fk_sign_in_challenges_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT ck_sign_in_challenges_token_hash CHECK (length(token_hash) = 64),
    CONSTRAINT ck_sign_in_challenges_expiry CHECK (expires_at > created_at)
) STRICT;
CREATE UNIQUE INDEX ux_sign_in_challenges_token_hash ON sign_in_challenges (token_hash);
CREATE INDEX ix_sign_in_challenges_user_id ON sign_in_challenges (user_id, expires_at);
