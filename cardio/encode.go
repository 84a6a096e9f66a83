package cardio

import "fmt"

// Encode is the inverse of Decode: the blocks that hold c. Log entries go to the slot of
// their counter; the backup purse gets the same value as the main one (as after issue).
// Issue and the tests use it; Credit writes single blocks instead.
func Encode(c *Card) (RawCard, error) {
	var raw RawCard
	if err := validUID(c.UID); err != nil {
		return raw, ErrBadInput.With(err)
	}
	raw.UID = append([]byte(nil), c.UID...)
	var err error
	if raw.Identity, raw.Holder, err = encodeIdentity(c.UID, c.Identity); err != nil {
		return raw, ErrBadInput.With(err)
	}
	if raw.Purse, err = encodePurse(c.UID, BlockPurse, c.Purse); err != nil {
		return raw, ErrBadInput.With(err)
	}
	if raw.Backup, err = encodePurse(c.UID, BlockPurseBackup, c.Purse); err != nil {
		return raw, ErrBadInput.With(err)
	}
	entries := append([]LogEntry(nil), c.Log...)
	if c.Pending != nil {
		entries = append(entries, *c.Pending)
	}
	for _, e := range entries {
		s := e.Counter % LogSlots
		if raw.Log[s], err = encodeLogEntry(c.UID, LogBlocks[s], e); err != nil {
			return raw, ErrBadInput.With(fmt.Errorf("log counter %d: %w", e.Counter, err))
		}
	}
	return raw, nil
}
