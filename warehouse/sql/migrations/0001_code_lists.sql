-- Code lists in the warehouse, so the dashboard reads them instead of keeping copies.

-- grain: one row per code of a coded column ('case_type', 'gender', 'status', ...); seeded
-- from warehouse/seeds/code_lists.csv by every write (etl/columns.py maps spellings onto these)
create table if not exists ref.code_lists (
    code_list varchar not null,
    code varchar not null,
    position integer not null,             -- the registry's order: the order lists show them in
    primary key (code_list, code)
);

-- grain: one row per age band (the rule of mart.cases.age_band); seeded from
-- warehouse/seeds/age_bands.csv by every write
create table if not exists ref.age_bands (
    age_band varchar primary key,
    min_age integer,                       -- NULL: no lower bound
    max_age integer,                       -- NULL: no upper bound
    position integer not null
);
