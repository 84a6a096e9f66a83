package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// EndDeviceJournal records that a POS's journal has ended: the POS was retired, or replaced
// and its queue of unsent records lost. From then on no record at or below the device's
// last kept serial can come from it, so its write-unknown recharges are released to the desk
// (docs/rules.md, "The desk"). A retired POS is also disabled. An admin's word, audited.
func (s *Service) EndDeviceJournal(ctx context.Context, actor Actor, deviceID string, kind JournalEndKind, note string) (JournalEnd, error) {
	if err := s.allow(ctx, actor, adminRoles...); err != nil {
		return JournalEnd{}, err
	}
	if kind != JournalRetired && kind != JournalReplaced {
		return JournalEnd{}, E(CodeBadInput, "journal end %q", kind)
	}
	note = strings.TrimSpace(note)
	if note == "" {
		return JournalEnd{}, E(CodeReasonRequired, "device %s", deviceID)
	}
	if ref := checkText("note", note, MaxReasonRunes); ref != nil {
		return JournalEnd{}, ref
	}
	var e JournalEnd
	err := s.adminChange(ctx, actor, "device_"+string(kind), "device:"+deviceID, func(tx Tx, now time.Time) (string, error) {
		d, err := tx.Device(deviceID)
		if err != nil {
			return "", notFound(err, CodeUnknownDevice, "device %s", deviceID)
		}
		last, err := tx.LastSerial(d.ID)
		if err != nil {
			return "", err
		}
		e = JournalEnd{DeviceID: d.ID, Kind: kind, LastSerial: last, At: now, By: actor.User, Note: note}
		if e.ID, err = tx.InsertJournalEnd(e); err != nil {
			return "", err
		}
		// Only its very last message can be a recharge that nothing later released. If the
		// POS never got that answer it told its operator 充值超时,已自动冲正 and a reversal
		// died with it: a supervisor checks the cash before the desk writes the card.
		if r, err := tx.RechargeByKey(d.ID, last); err == nil && r.Booking == Booked && r.CardWrite == WritePending {
			if err := openCase(tx, ExceptionCase{Kind: CaseJournalReleased, Subject: fmt.Sprintf("recharge:%d", r.ID), OpenedAt: now,
				CardNo: r.CardNo, DeviceID: d.ID, Serial: r.Serial, RechargeID: r.ID,
				Detail: fmt.Sprintf("%s recorded %s %s after recharge %d (%s) with no later message: if it timed out there, its operator handed the cash back",
					actor.User, d.ID, kind, r.ID, FormatYuan(r.Amount))}); err != nil {
				return "", err
			}
		} else if err != nil && !errors.Is(err, ErrNoRow) {
			return "", err
		}
		if kind == JournalRetired && d.Enabled {
			d.Enabled = false
			if err := tx.UpdateDevice(d); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("journal ended at serial %d (%s): %s", last, kind, note), nil
	})
	return e, err
}

// DeviceJournalEnds lists a device's recorded journal ends, oldest first.
func (s *Service) DeviceJournalEnds(ctx context.Context, actor Actor, deviceID string) ([]JournalEnd, error) {
	return readAs(ctx, s, actor, financeRoles, func(tx ReadTx) ([]JournalEnd, error) { return tx.JournalEnds(deviceID) })
}
