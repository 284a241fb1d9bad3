-- Which message opened a handoff (the bus message id given to handoff.open), or NULL
-- (an older row, or an opener that gave none). A message redelivered after its first
-- attempt opened the handoff but lost the store's reply finds its own id here, and
-- finishes the hand-off (staff alert, the person told) instead of only relaying.
-- Set once, when the handoff is inserted; a later open of the same handoff keeps it.
ALTER TABLE handoffs
    ADD COLUMN opened_by_message text CHECK (length(opened_by_message) BETWEEN 1 AND 200);
