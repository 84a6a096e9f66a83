package cardio

import (
	"context"
	"errors"
)

// Read reads and decodes a campus card with keys derived from the site key (the host, a
// single-PC site, tests): ReadWith over LocalKeys.
func Read(t Transport, site SiteKey) (*Card, error) {
	return ReadWith(context.Background(), t, LocalKeys{site})
}

// ReadWith reads and decodes a campus card: 16 APDUs (get UID, load key A, then per sector
// one authentication and its blocks), with key A from keys, asked for after the UID. A blank
// card is ErrBlankCard; a card our keys do not open is ErrAuthFailed (wrong site key, or not
// one of our cards).
func ReadWith(ctx context.Context, t Transport, keys KeySource) (*Card, error) {
	raw, err := readRaw(ctx, session{t}, keys)
	if err != nil {
		return nil, err
	}
	return Decode(raw)
}

func readRaw(ctx context.Context, s session, src KeySource) (RawCard, error) {
	raw := RawCard{}
	uid, err := s.uid()
	if err != nil {
		return raw, err
	}
	raw.UID = uid
	keys, err := src.ReadKeys(ctx, uid)
	if err != nil {
		return raw, err
	}
	if err := s.loadKey(0, keys.A); err != nil {
		return raw, err
	}
	type step struct {
		block byte
		dst   *[BlockSize]byte
	}
	plan := []step{
		{BlockIdentity, &raw.Identity}, {BlockHolder, &raw.Holder},
		{BlockPurse, &raw.Purse}, {BlockPurseBackup, &raw.Backup},
	}
	for i, b := range LogBlocks {
		plan = append(plan, step{b, &raw.Log[i]})
	}
	sector := byte(0xFF)
	for _, p := range plan {
		if SectorOf(p.block) != sector {
			sector = SectorOf(p.block)
			if err := s.auth(p.block, keyTypeA, 0); err != nil {
				if sector == 1 && errors.Is(err, ErrAuthFailed) && isBlank(s) {
					return raw, ErrBlankCard
				}
				return raw, err
			}
		}
		if *p.dst, err = s.read(p.block); err != nil {
			return raw, err
		}
	}
	return raw, nil
}

// isBlank reports whether sector 1 still opens with the factory key (2 more APDUs, only on
// the failure path).
func isBlank(s session) bool {
	return s.loadKey(0, FactoryKey) == nil && s.auth(BlockIdentity, keyTypeA, 0) == nil
}
