-- A remote person's Delete removes their read receipts; instances send
-- such a Delete to every peer they know, so it must not read the table.
CREATE INDEX acknowledgements_reader_idx ON acknowledgements (reader_ap_id);
