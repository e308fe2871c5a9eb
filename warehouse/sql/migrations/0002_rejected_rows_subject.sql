-- Rejected rows name the case and municipality they are about (when they name one), so the
-- dashboard scopes them by these columns instead of parsing their raw values. Rows loaded before
-- this migration are filled in once by the next load (etl.load.fill_rejected_subjects). `if not
-- exists`: a warehouse from before migrations were recorded gets every migration again.
alter table etl.rejected_rows add column if not exists case_id varchar; -- the case it names
alter table etl.rejected_rows add column if not exists municipality_code varchar; -- its municipality
