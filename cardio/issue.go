package cardio

import (
	"errors"
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

// Issue personalises a blank MIFARE Classic 1K: the layout blocks, then per sector a trailer
// with this card's diversified keys and CampusAccess. Sectors go 4, 3, 2, 1, each data
// before trailer, so sector 1 (the identity) is keyed last: a card pulled half way reads as
// blank (sector 1 still opens with the factory key) and Issue can simply be run again; it
// accepts sectors 2..4 that a torn earlier attempt already keyed. A card whose sector 1 is
// keyed already is ErrNotBlank.
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
	// Slot 0: the factory key (a blank sector); slot 1: our key B (a sector a torn earlier
	// attempt already keyed).
	if err := s.loadKey(0, FactoryKey); err != nil {
		return Issued{}, err
	}
	if err := s.loadKey(1, keys.B); err != nil {
		return Issued{}, err
	}
	// Sector 1 decides blank or not, before anything is written: an issued card must never
	// get its purse overwritten by a second issue.
	if err := s.auth(BlockIdentity, keyTypeA, 0); err != nil {
		if errors.Is(err, ErrAuthFailed) {
			return Issued{}, ErrNotBlank.With(err)
		}
		return Issued{}, err
	}
	var trailer [BlockSize]byte
	copy(trailer[0:6], keys.A[:])
	copy(trailer[6:10], CampusAccess[:])
	copy(trailer[10:16], keys.B[:])
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
	for _, sector := range []byte{4, 3, 2, 1} {
		first := sector * 4
		if err := s.auth(first, keyTypeA, 0); err != nil {
			if !errors.Is(err, ErrAuthFailed) {
				return Issued{}, err
			}
			if err := s.auth(first, keyTypeB, 1); err != nil {
				return Issued{}, err
			}
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
