-- Tables of the warehouse: raw records (written only by etl/), load records, reference data.
-- raw holds the current, validated and typed record per key, as the newest export gave it.
-- Codes are English and lower case; municipality codes are text without leading zeros ('101').
create schema if not exists raw;
create schema if not exists etl;
create schema if not exists ref;
create schema if not exists staging;
create schema if not exists mart;

-- grain: one row per case
create table if not exists raw.cases (
    case_id varchar primary key,
    municipality_code varchar not null,
    case_type varchar not null,            -- 'mentor' | 'parent_coach'
    worker_id varchar,
    citizen_key varchar not null,          -- keyed pseudonym of borger_id, never a CPR number
    gender varchar,                        -- 'male' | 'female' | 'other'
    age_at_start integer,                  -- alder, or year(start_date) - birth_year
    birth_year integer,
    start_date date not null,
    end_date date,
    status varchar not null,               -- 'active' | 'closed' | 'discontinued'
    end_reason varchar,                    -- 'goals_met' | 'partly_met' | 'not_met' | 'handed_over' | 'citizen_withdrew' | 'other'
    referred_by varchar,                   -- 'infohus' | 'jobcenter' | 'family_services' | 'school' | 'ssp' | 'psychiatry' | 'other'
    lent_from_municipality_code varchar,   -- NULL when no loan (rule 13 applied by etl)
    exported_at date not null,             -- the latest exported_at that gave these values
    batch_id integer not null
);

-- grain: one row per worker
create table if not exists raw.workers (
    worker_id varchar primary key,
    municipality_code varchar not null,
    role varchar not null,                 -- 'mentor' | 'parent_coach' | 'coordinator'
    name varchar,
    gender varchar,
    birth_year integer,
    trained_on date,
    active boolean not null,
    languages varchar,                     -- comma-separated, trimmed
    exported_at date not null,
    batch_id integer not null
);

-- grain: one row per case x instrument x phase
create table if not exists raw.assessments (
    case_id varchar not null,
    instrument varchar not null,           -- 'WHO5' | 'GSE'
    phase varchar not null,                -- 'pre' | 'post'
    measured_on date not null,
    item_1 smallint, item_2 smallint, item_3 smallint, item_4 smallint, item_5 smallint,
    item_6 smallint, item_7 smallint, item_8 smallint, item_9 smallint, item_10 smallint,
    raw_score_given smallint,              -- the platform's own total, when given
    exported_at date not null,
    batch_id integer not null
);

-- grain: one row per case x measurement date
create table if not exists raw.progression (
    case_id varchar not null,
    measured_on date not null,
    score smallint not null,
    exported_at date not null,
    batch_id integer not null
);

-- grain: one row per loaded export (a folder, a workbook, a ZIP, or a single CSV)
create table if not exists etl.batches (
    batch_id integer primary key,
    source_path varchar not null,
    source_sha256 varchar not null,
    exported_at date not null,
    loaded_at timestamp not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_unchanged bigint not null,
    rows_superseded bigint not null,
    rows_rejected bigint not null,
    status varchar not null
);

-- grain: one row per table file of a batch (invariant 1 holds per row)
create table if not exists etl.batch_files (
    batch_id integer not null,
    source_file varchar not null,
    table_name varchar not null,
    source_sha256 varchar not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_unchanged bigint not null,
    rows_superseded bigint not null,
    rows_rejected bigint not null,
    cpr_cells_blanked bigint not null,
    ignored_columns varchar
);

-- grain: one row per rejected data row (orphans stay here, resolved_batch_id set when loaded)
create table if not exists etl.rejected_rows (
    batch_id integer not null,
    source_file varchar not null,
    table_name varchar not null,
    source_row integer not null,
    column_name varchar,
    reason_code varchar not null,
    message varchar not null,
    raw_values json,
    resolved_batch_id integer
    -- case_id, municipality_code: migrations/0002_rejected_rows_subject.sql
    -- message_key, message_params: migrations/0003_rejected_rows_message_key.sql
);

-- grain: one row per erased case or citizen (keys as pseudonyms only)
create table if not exists etl.erased_keys (
    key_type varchar not null,             -- 'case' | 'citizen'
    key_pseudonym varchar not null,
    erased_at timestamp not null
);

-- grain: one row per numbered migration (warehouse/sql/migrations/NNNN_*.sql) applied to this
-- file; a migration runs once, inside a write, after the tables above and before the views
create table if not exists etl.schema_migrations (
    migration_id integer primary key,
    name varchar not null,
    applied_at timestamp not null
);

-- grain: one row per setting of the warehouse itself (schema_version: which SQL built it)
create table if not exists etl.meta (
    key varchar primary key,
    value varchar
);

-- grain: one row per run of the warehouse's own checks (warehouse/checks.py): by every load,
-- written in the load's own transaction (a refused load leaves no row), and by `lat check`
create table if not exists etl.check_runs (
    checked_at timestamp not null,
    trigger varchar not null,              -- 'load' | 'check'
    batch_id integer,                      -- the load's batch; NULL for `lat check`
    passed boolean not null,
    failed_checks varchar                  -- names of the failed checks; NULL when all held
);

-- grain: one row per municipality (the 98)
create table if not exists ref.municipalities (
    municipality_code varchar primary key,
    municipality_name varchar not null,
    region_code varchar not null,
    region_name varchar not null
);

-- grain: one row per instrument; edited with `lat reference`
create table if not exists ref.instruments (
    instrument varchar primary key,
    score_min integer not null,
    score_max integer not null,
    reliability double not null,
    sd double not null,
    cutoff double,
    mcid double,
    sources varchar not null
);
