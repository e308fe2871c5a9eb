-- Rejected rows keep their message as a catalogue key and its values (texts/{da,en}.toml, keys
-- `loader.*`), so the dashboard shows it in the reader's language; `message` stays the Danish
-- text of both (texts.messages.render) for SQL readers. Rows loaded before this migration have
-- no key (NULL): they keep, and show, the message they were stored with. `if not exists`: a
-- warehouse from before migrations were recorded gets every migration again.
alter table etl.rejected_rows add column if not exists message_key varchar; -- a `loader.` key
alter table etl.rejected_rows add column if not exists message_params json; -- its values, an object
