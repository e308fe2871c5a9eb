"""Named queries, one module per page (`app/queries/<page>.py`); each calls `app.data.run`."""
