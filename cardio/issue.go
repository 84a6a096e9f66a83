package cardio

import (
	"errors"
	"fmt"
	"time"
)

// Personal is what the desk writes onto a blank card.
type Personal struct {
	CardNo  string // 1..12 digits
	Holder  string // holder number, 1..14 printable ASCII
	Issued  time.Time
	Expires time.Time
	Balance int64 // fen, the opening balance (usually 0)
}

// Issued is what Issue wrote, for the store to record.
type Issued struct {
	UID    []byte
	UIDHex string // upper-case hex, the store's form
	Identity
	Purse Purse // counter 0
}

// issueOrder keys every sector of the card, sector 1 (the identity) last. Sectors 0 and
// 5–15 hold nothing of ours, but a sector left on the transport key FFFFFFFFFFFF is the
// foothold of the nested-authentication attacks that recover every other key of a MIFARE
// Classic, so they get this card's diversified keys too.
var issueOrder = []byte{0, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}

// Issue personalises a blank MIFARE Classic 1K: per sector of issueOrder its data blocks,
// then a trailer with this card's diversified keys and CampusAccess. Sector 1 is keyed last,
// so a card pulled before that APDU still opens sector 1 with the factory key and Issue
// simply runs again (it opens the sectors a torn attempt already keyed with the new key B).
// A card pulled at (or just after) that last APDU is fully issued, though Issue saw no
// answer: run again, Issue recognises it as its own (our key B opens sector 1, and it holds
// this card number and holder, and the purse as issued: this opening balance, counter 0),
// re-keys any sector still on the
// transport key, and returns it as issued. Any other card whose sector 1 is keyed is
// ErrNotBlank; nothing is written to it.
func Issue(t Transport, site SiteKey, p Personal) (Issued, error) {
	s := session{t}
	uid, err := s.uid()
	if err != nil {
		return Issued{}, err
	}
	c := &Card{UID: uid, Identity: Identity{CardNo: p.CardNo, Holder: p.Holder,
		Status: StatusActive, Issued: p.Issued, Expires: p.Expires},
		Purse: Purse{Balance: p.Balance}}
	raw, err := Encode(c)
	if err != nil {
		return Issued{}, err
	}
	keys := site.CardKeys(uid)
	// Slot 0: the factory key (a blank sector); slot 1: our key B (a sector keyed already).
	if err := s.loadKey(0, FactoryKey); err != nil {
		return Issued{}, err
	}
	if err := s.loadKey(1, keys.B); err != nil {
		return Issued{}, err
	}
	var trailer [BlockSize]byte
	copy(trailer[0:6], keys.A[:])
	copy(trailer[6:10], CampusAccess[:])
	copy(trailer[10:16], keys.B[:])
	// Sector 1 decides, before anything is written: an issued card must never get its purse
	// overwritten by a second issue.
	if err := s.auth(BlockIdentity, keyTypeA, 0); err != nil {
		if errors.Is(err, ErrAuthFailed) {
			return finishIssued(s, uid, p, trailer)
		}
		return Issued{}, err
	}
	var zero [BlockSize]byte
	writes := map[byte][]struct {
		block byte
		data  [BlockSize]byte
	}{
		4: {{16, zero}, {17, zero}, {18, zero}},
		3: {{12, zero}, {13, zero}, {14, zero}},
		2: {{BlockPurse, raw.Purse}, {BlockPurseBackup, raw.Backup}},
		1: {{BlockIdentity, raw.Identity}, {BlockHolder, raw.Holder}},
	}
	for _, sector := range issueOrder {
		if _, err := openSector(s, sector); err != nil {
			return Issued{}, err
		}
		for _, w := range writes[sector] {
			if err := s.update(w.block, w.data); err != nil {
				return Issued{}, err
			}
		}
		if err := s.update(TrailerOf(sector), trailer); err != nil {
			return Issued{}, err
		}
	}
	return Issued{UID: uid, UIDHex: c.UIDHex(), Identity: c.Identity, Purse: c.Purse}, nil
}

// openSector authenticates a sector with the factory key A (slot 0), or else our key B
// (slot 1), and says whether it was still on the factory key.
func openSector(s session, sector byte) (factory bool, err error) {
	first := sector * 4
	if err := s.auth(first, keyTypeA, 0); err == nil {
		return true, nil
	} else if !errors.Is(err, ErrAuthFailed) {
		return false, err
	}
	return false, s.auth(first, keyTypeB, 1)
}

// finishIssued handles a card whose sector 1 no longer opens with the factory key: if it is
// this very card, issued by us (a torn last APDU, or a card issued before every sector was
// keyed), it is finished and returned; otherwise ErrNotBlank.
func finishIssued(s session, uid []byte, p Personal, trailer [BlockSize]byte) (Issued, error) {
	if err := s.auth(BlockIdentity, keyTypeB, 1); err != nil {
		if errors.Is(err, ErrAuthFailed) {
			return Issued{}, ErrNotBlank.Withf("sector 1 opens with neither the factory key nor this site's key")
		}
		return Issued{}, err
	}
	b4, err := s.read(BlockIdentity)
	if err != nil {
		return Issued{}, err
	}
	b5, err := s.read(BlockHolder)
	if err != nil {
		return Issued{}, err
	}
	id, err := decodeIdentity(uid, b4, b5)
	if err != nil {
		return Issued{}, ErrNotBlank.With(err)
	}
	if id.CardNo != p.CardNo || id.Holder != p.Holder {
		return Issued{}, ErrNotBlank.Withf("issued already as card %s of holder %s", id.CardNo, id.Holder)
	}
	if err := s.auth(BlockPurse, keyTypeB, 1); err != nil {
		return Issued{}, err
	}
	purse, err := s.read(BlockPurse)
	if err != nil {
		return Issued{}, err
	}
	pu, err := decodePurse(uid, BlockPurse, purse)
	if err != nil || pu.Counter != 0 || pu.Balance != p.Balance {
		// Used since (or damaged): not a half-finished issue, and never to be reset.
		return Issued{}, ErrNotBlank.Withf("card %s is issued and its purse is not as issued", id.CardNo)
	}
	for _, sector := range issueOrder {
		factory, err := openSector(s, sector)
		if err != nil {
			return Issued{}, err
		}
		if factory { // an earlier issue left it on the transport key
			if err := s.update(TrailerOf(sector), trailer); err != nil {
				return Issued{}, err
			}
		}
	}
	return Issued{UID: uid, UIDHex: fmt.Sprintf("%X", uid), Identity: id, Purse: pu}, nil
}
