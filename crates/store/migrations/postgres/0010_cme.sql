-- Continuing medical education: accredited providers, the activities and
-- credit designations they offer, assessments with a versioned question bank,
-- learners' attempts, credit claims, certificates and the keys that sign
-- them, and learners' licences, external credits and reporting profiles.
-- The SQLite migration of the same number gives the same logical schema.
--
-- Records that prove credit are never edited: an attempt keeps the questions
-- it drew, a certificate keeps the snapshot it printed and its hash, and a
-- revoked or re-issued certificate stays with the date it ended.

CREATE TABLE cme_providers (
    id                      uuid        NOT NULL,
    name                    text        NOT NULL,
    accreditor              text        NOT NULL,
    accreditation_statement text        NOT NULL,
    valid_until             timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    deleted_at              timestamptz,
    CONSTRAINT pk_cme_providers PRIMARY KEY (id),
    CONSTRAINT ck_cme_providers_name CHECK (length(name) BETWEEN 1 AND 200),
    CONSTRAINT ck_cme_providers_accreditor CHECK (length(accreditor) BETWEEN 1 AND 200),
    CONSTRAINT ck_cme_providers_statement CHECK (length(accreditation_statement) BETWEEN 1 AND 4000)
);
CREATE UNIQUE INDEX ux_cme_providers_name_live ON cme_providers (lower(name)) WHERE deleted_at IS NULL;

CREATE TABLE cme_activities (
    id                      uuid        NOT NULL,
    course_id               uuid        NOT NULL,
    provider_id             uuid        NOT NULL,
    format                  text        NOT NULL,
    release_on              date        NOT NULL,
    expires_on              date,
    disclosure              text        NOT NULL DEFAULT '',
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    deleted_at              timestamptz,
    CONSTRAINT pk_cme_activities PRIMARY KEY (id),
    CONSTRAINT fk_cme_activities_course_id FOREIGN KEY (course_id) REFERENCES courses (id) ON DELETE RESTRICT,
    CONSTRAINT fk_cme_activities_provider_id FOREIGN KEY (provider_id) REFERENCES cme_providers (id) ON DELETE RESTRICT,
    CONSTRAINT ck_cme_activities_format CHECK (format IN ('live', 'enduring')),
    CONSTRAINT ck_cme_activities_dates CHECK (expires_on IS NULL OR expires_on >= release_on),
    CONSTRAINT ck_cme_activities_disclosure CHECK (length(disclosure) <= 5000)
);
-- A course is at most one live activity.
CREATE UNIQUE INDEX ux_cme_activities_course_live ON cme_activities (course_id) WHERE deleted_at IS NULL;
CREATE INDEX ix_cme_activities_course_id ON cme_activities (course_id);
CREATE INDEX ix_cme_activities_provider_id ON cme_activities (provider_id);

CREATE TABLE cme_activity_topics (
    activity_id             uuid        NOT NULL,
    topic                   text        NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_cme_activity_topics PRIMARY KEY (activity_id, topic),
    CONSTRAINT fk_cme_activity_topics_activity_id FOREIGN KEY (activity_id) REFERENCES cme_activities (id) ON DELETE CASCADE,
    CONSTRAINT ck_cme_activity_topics_topic CHECK (length(topic) BETWEEN 1 AND 100)
);

CREATE TABLE cme_designations (
    id                      uuid        NOT NULL,
    activity_id             uuid        NOT NULL,
    kind                    text        NOT NULL,
    credit_type             text        NOT NULL,
    max_credit_hundredths   bigint      NOT NULL,
    step_hundredths         bigint      NOT NULL,
    statement               text        NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    deleted_at              timestamptz,
    CONSTRAINT pk_cme_designations PRIMARY KEY (id),
    CONSTRAINT fk_cme_designations_activity_id FOREIGN KEY (activity_id) REFERENCES cme_activities (id) ON DELETE RESTRICT,
    CONSTRAINT ck_cme_designations_credit_type CHECK (length(credit_type) BETWEEN 1 AND 100),
    CONSTRAINT ck_cme_designations_kind CHECK (kind IN ('credit', 'participation')),
    CONSTRAINT ck_cme_designations_credits CHECK (step_hundredths > 0 AND ((kind = 'credit' AND max_credit_hundredths >= step_hundredths) OR (kind = 'participation' AND max_credit_hundredths = 0))),
    CONSTRAINT ck_cme_designations_statement CHECK (length(statement) BETWEEN 1 AND 4000)
);
CREATE UNIQUE INDEX ux_cme_designations_type_live ON cme_designations (activity_id, lower(credit_type)) WHERE deleted_at IS NULL;
CREATE INDEX ix_cme_designations_activity_id ON cme_designations (activity_id);

-- The professions that may claim a designation's credit; others receive a
-- participation certificate.
CREATE TABLE cme_designation_professions (
    designation_id          uuid        NOT NULL,
    profession              text        NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_cme_designation_professions PRIMARY KEY (designation_id, profession),
    CONSTRAINT fk_cme_designation_professions_designation_id FOREIGN KEY (designation_id) REFERENCES cme_designations (id) ON DELETE CASCADE,
    CONSTRAINT ck_cme_designation_professions_profession CHECK (profession IN ('physician', 'physician_assistant', 'nurse_practitioner', 'nurse', 'midwife', 'pharmacist', 'dentist', 'psychologist', 'social_worker', 'dietitian', 'physiotherapist', 'paramedic', 'other'))
);

CREATE TABLE cme_assessments (
    id                      uuid        NOT NULL,
    activity_id             uuid        NOT NULL,
    kind                    text        NOT NULL,
    pass_mark_percent       bigint      NOT NULL DEFAULT 0,
    max_attempts            bigint,
    cooldown_seconds        bigint      NOT NULL DEFAULT 0,
    time_limit_seconds      bigint,
    grace_seconds           bigint      NOT NULL DEFAULT 0,
    shuffle_questions       boolean     NOT NULL DEFAULT false,
    shuffle_options         boolean     NOT NULL DEFAULT false,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_cme_assessments PRIMARY KEY (id),
    CONSTRAINT fk_cme_assessments_activity_id FOREIGN KEY (activity_id) REFERENCES cme_activities (id) ON DELETE CASCADE,
    CONSTRAINT ck_cme_assessments_kind CHECK (kind IN ('pre_test', 'post_test', 'evaluation')),
    CONSTRAINT ck_cme_assessments_pass_mark CHECK (pass_mark_percent BETWEEN 0 AND 100),
    CONSTRAINT ck_cme_assessments_max_attempts CHECK (max_attempts IS NULL OR max_attempts >= 1),
    CONSTRAINT ck_cme_assessments_durations CHECK (cooldown_seconds >= 0 AND grace_seconds >= 0 AND (time_limit_seconds IS NULL OR time_limit_seconds > 0))
);
CREATE UNIQUE INDEX ux_cme_assessments_activity_kind ON cme_assessments (activity_id, kind);

-- A bank item; what it asks lives in its versions, so an edit never changes
-- what an earlier attempt drew or how item statistics count it.
CREATE TABLE cme_questions (
    id                      uuid        NOT NULL,
    assessment_id           uuid        NOT NULL,
    position                bigint      NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    retired_at              timestamptz,
    CONSTRAINT pk_cme_questions PRIMARY KEY (id),
    CONSTRAINT fk_cme_questions_assessment_id FOREIGN KEY (assessment_id) REFERENCES cme_assessments (id) ON DELETE CASCADE,
    CONSTRAINT ck_cme_questions_position CHECK (position >= 0)
);
CREATE INDEX ix_cme_questions_assessment_id ON cme_questions (assessment_id, position);

CREATE TABLE cme_question_versions (
    id                      uuid        NOT NULL,
    question_id             uuid        NOT NULL,
    version                 bigint      NOT NULL,
    kind                    text        NOT NULL,
    prompt                  text        NOT NULL,
    options                 jsonb       NOT NULL,
    correct                 jsonb       NOT NULL,
    rationale               text        NOT NULL DEFAULT '',
    points                  bigint      NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_cme_question_versions PRIMARY KEY (id),
    CONSTRAINT fk_cme_question_versions_question_id FOREIGN KEY (question_id) REFERENCES cme_questions (id) ON DELETE CASCADE,
    CONSTRAINT ck_cme_question_versions_version CHECK (version >= 1),
    CONSTRAINT ck_cme_question_versions_kind CHECK (kind IN ('single_choice', 'multiple_choice')),
    CONSTRAINT ck_cme_question_versions_points CHECK (points >= 0)
);
CREATE UNIQUE INDEX ux_cme_question_versions_question_version ON cme_question_versions (question_id, version);

CREATE TABLE cme_attempts (
    id                      uuid        NOT NULL,
    assessment_id           uuid        NOT NULL,
    learner_id              uuid        NOT NULL,
    attempt_number          bigint      NOT NULL,
    status                  text        NOT NULL DEFAULT 'in_progress',
    questions               jsonb       NOT NULL,
    answers                 jsonb,
    score_hundredths        bigint,
    passed                  boolean,
    started_at              timestamptz NOT NULL,
    due_at                  timestamptz,
    ended_at                timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_cme_attempts PRIMARY KEY (id),
    CONSTRAINT fk_cme_attempts_assessment_id FOREIGN KEY (assessment_id) REFERENCES cme_assessments (id) ON DELETE RESTRICT,
    CONSTRAINT fk_cme_attempts_learner_id FOREIGN KEY (learner_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_cme_attempts_attempt_number CHECK (attempt_number >= 1),
    CONSTRAINT ck_cme_attempts_status CHECK (status IN ('in_progress', 'submitted', 'expired')),
    CONSTRAINT ck_cme_attempts_score CHECK (score_hundredths IS NULL OR score_hundredths BETWEEN 0 AND 10000),
    CONSTRAINT ck_cme_attempts_ended CHECK ((status = 'in_progress') = (ended_at IS NULL))
);
-- Attempt numbers never repeat, and a learner has at most one attempt in
-- progress per assessment: a second tab resumes it rather than starting anew.
CREATE UNIQUE INDEX ux_cme_attempts_number ON cme_attempts (assessment_id, learner_id, attempt_number);
CREATE UNIQUE INDEX ux_cme_attempts_in_progress ON cme_attempts (assessment_id, learner_id) WHERE status = 'in_progress';
CREATE INDEX ix_cme_attempts_learner_id ON cme_attempts (learner_id, started_at);

CREATE TABLE cme_claims (
    id                      uuid        NOT NULL,
    designation_id          uuid        NOT NULL,
    learner_id              uuid        NOT NULL,
    kind                    text        NOT NULL,
    credit_hundredths       bigint      NOT NULL,
    attestation             text        NOT NULL,
    measured_seconds        bigint      NOT NULL,
    completed_at            timestamptz NOT NULL,
    claimed_at              timestamptz NOT NULL,
    voided_at               timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_cme_claims PRIMARY KEY (id),
    CONSTRAINT fk_cme_claims_designation_id FOREIGN KEY (designation_id) REFERENCES cme_designations (id) ON DELETE RESTRICT,
    CONSTRAINT fk_cme_claims_learner_id FOREIGN KEY (learner_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_cme_claims_kind CHECK (kind IN ('credit', 'participation')),
    CONSTRAINT ck_cme_claims_credits CHECK (credit_hundredths >= 0 AND (kind = 'credit' OR credit_hundredths = 0)),
    CONSTRAINT ck_cme_claims_attestation CHECK (length(attestation) BETWEEN 1 AND 1000),
    CONSTRAINT ck_cme_claims_measured_seconds CHECK (measured_seconds >= 0)
);
-- One live claim per learner and designation, whichever replica takes it.
CREATE UNIQUE INDEX ux_cme_claims_live ON cme_claims (designation_id, learner_id) WHERE voided_at IS NULL;
CREATE INDEX ix_cme_claims_learner_id ON cme_claims (learner_id, claimed_at);
CREATE INDEX ix_cme_claims_designation_claimed ON cme_claims (designation_id, claimed_at);

-- Ed25519 keys that sign credentials. The private key is encrypted with a key
-- from the configuration. The newest key not retired signs; every key not
-- retired is published, so a rotation (a newer key) keeps what older keys
-- signed verifiable. Retiring a key (a compromised one) withdraws it.
CREATE TABLE cme_signing_keys (
    id                      uuid        NOT NULL,
    public_key              text        NOT NULL,
    private_key             text        NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    retired_at              timestamptz,
    CONSTRAINT pk_cme_signing_keys PRIMARY KEY (id),
    CONSTRAINT ck_cme_signing_keys_public_key CHECK (length(public_key) = 43)
);

CREATE TABLE cme_certificates (
    id                      uuid        NOT NULL,
    claim_id                uuid        NOT NULL,
    learner_id              uuid        NOT NULL,
    code                    text        NOT NULL,
    snapshot                text        NOT NULL,
    snapshot_sha256         text        NOT NULL,
    credential              text        NOT NULL,
    signing_key_id          uuid        NOT NULL,
    supersedes_id           uuid,
    issued_at               timestamptz NOT NULL,
    revoked_at              timestamptz,
    revocation_reason       text,
    created_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_cme_certificates PRIMARY KEY (id),
    CONSTRAINT fk_cme_certificates_claim_id FOREIGN KEY (claim_id) REFERENCES cme_claims (id) ON DELETE RESTRICT,
    CONSTRAINT fk_cme_certificates_learner_id FOREIGN KEY (learner_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT fk_cme_certificates_signing_key_id FOREIGN KEY (signing_key_id) REFERENCES cme_signing_keys (id) ON DELETE RESTRICT,
    CONSTRAINT fk_cme_certificates_supersedes_id FOREIGN KEY (supersedes_id) REFERENCES cme_certificates (id) ON DELETE RESTRICT,
    CONSTRAINT ck_cme_certificates_code CHECK (length(code) = 24),
    CONSTRAINT ck_cme_certificates_snapshot_sha256 CHECK (length(snapshot_sha256) = 64),
    CONSTRAINT ck_cme_certificates_revoked CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
);
CREATE UNIQUE INDEX ux_cme_certificates_code ON cme_certificates (code);
-- A certificate is re-issued at most once, and a claim has one certificate in force.
CREATE UNIQUE INDEX ux_cme_certificates_supersedes_id ON cme_certificates (supersedes_id) WHERE supersedes_id IS NOT NULL;
CREATE UNIQUE INDEX ux_cme_certificates_claim_in_force ON cme_certificates (claim_id) WHERE revoked_at IS NULL;
CREATE INDEX ix_cme_certificates_claim_id ON cme_certificates (claim_id);
CREATE INDEX ix_cme_certificates_learner_id ON cme_certificates (learner_id, issued_at);
CREATE INDEX ix_cme_certificates_signing_key_id ON cme_certificates (signing_key_id);
CREATE INDEX ix_cme_certificates_revoked ON cme_certificates (revoked_at) WHERE revoked_at IS NOT NULL;

-- What accreditor reports need beyond the account, given by the learner, and
-- whether they consent to be reported.
CREATE TABLE cme_learner_profiles (
    user_id                 uuid        NOT NULL,
    profession              text        NOT NULL,
    birth_month             bigint,
    birth_day               bigint,
    board_number            text,
    report_consent_at       timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_cme_learner_profiles PRIMARY KEY (user_id),
    CONSTRAINT fk_cme_learner_profiles_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_cme_learner_profiles_profession CHECK (profession IN ('physician', 'physician_assistant', 'nurse_practitioner', 'nurse', 'midwife', 'pharmacist', 'dentist', 'psychologist', 'social_worker', 'dietitian', 'physiotherapist', 'paramedic', 'other')),
    CONSTRAINT ck_cme_learner_profiles_birth CHECK ((birth_month IS NULL) = (birth_day IS NULL) AND (birth_month IS NULL OR (birth_month BETWEEN 1 AND 12 AND birth_day BETWEEN 1 AND 31))),
    CONSTRAINT ck_cme_learner_profiles_board_number CHECK (board_number IS NULL OR length(board_number) BETWEEN 1 AND 64)
);

CREATE TABLE cme_licences (
    id                      uuid        NOT NULL,
    user_id                 uuid        NOT NULL,
    profession              text        NOT NULL,
    jurisdiction            text        NOT NULL,
    number                  text        NOT NULL,
    renews_on               date        NOT NULL,
    cycle_months            bigint      NOT NULL,
    required_hundredths     bigint      NOT NULL,
    required_topics         jsonb       NOT NULL DEFAULT '[]',
    accepted_credit_types   jsonb       NOT NULL DEFAULT '[]',
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    deleted_at              timestamptz,
    CONSTRAINT pk_cme_licences PRIMARY KEY (id),
    CONSTRAINT fk_cme_licences_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_cme_licences_profession CHECK (profession IN ('physician', 'physician_assistant', 'nurse_practitioner', 'nurse', 'midwife', 'pharmacist', 'dentist', 'psychologist', 'social_worker', 'dietitian', 'physiotherapist', 'paramedic', 'other')),
    CONSTRAINT ck_cme_licences_cycle_months CHECK (cycle_months BETWEEN 1 AND 120),
    CONSTRAINT ck_cme_licences_required CHECK (required_hundredths >= 0)
);
CREATE INDEX ix_cme_licences_user_id ON cme_licences (user_id);
CREATE INDEX ix_cme_licences_renews_on ON cme_licences (renews_on) WHERE deleted_at IS NULL;

-- Credits earned elsewhere, recorded by the learner and marked self-reported.
CREATE TABLE cme_external_credits (
    id                      uuid        NOT NULL,
    user_id                 uuid        NOT NULL,
    title                   text        NOT NULL,
    provider_name           text        NOT NULL,
    credit_type             text        NOT NULL,
    credit_hundredths       bigint      NOT NULL,
    earned_on               date        NOT NULL,
    topics                  jsonb       NOT NULL DEFAULT '[]',
    created_at              timestamptz NOT NULL DEFAULT now(),
    deleted_at              timestamptz,
    CONSTRAINT pk_cme_external_credits PRIMARY KEY (id),
    CONSTRAINT fk_cme_external_credits_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT,
    CONSTRAINT ck_cme_external_credits_title CHECK (length(title) BETWEEN 1 AND 200),
    CONSTRAINT ck_cme_external_credits_provider_name CHECK (length(provider_name) BETWEEN 1 AND 200),
    CONSTRAINT ck_cme_external_credits_credit_type CHECK (length(credit_type) BETWEEN 1 AND 100),
    CONSTRAINT ck_cme_external_credits_credits CHECK (credit_hundredths > 0)
);
CREATE INDEX ix_cme_external_credits_user_id ON cme_external_credits (user_id, earned_on);
