package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// OfflineKind is the kind of a record in a POS's offline queue.
type OfflineKind string

const (
	OfflineReversal OfflineKind = "reversal"
	OfflineCancel   OfflineKind = "cancel"
	OfflineRecharge OfflineKind = "recharge" // never accepted: recharge is online only (rule 2)
)

// OfflineRecord is one record of "3. 脱机批上送记录" (rule 6).
type OfflineRecord struct {
	Kind         OfflineKind `json:"kind" limit:"16"`
	Serial       int64       `json:"serial"`
	OrigDeviceID string      `json:"orig_device_id,omitempty" limit:"64"`
	OrigSerial   int64       `json:"orig_serial"`
	CardNo       string      `json:"card_no" limit:"64"`
	Amount       Fen         `json:"amount"`
	// Malformed is set by a network layer for a record whose bytes did not decode; the
	// other fields then hold nothing but, perhaps, Serial.
	Malformed *MalformedRecord `json:"-"`
}

// MalformedRecord is an uploaded record that did not decode: why, and a bounded
// fingerprint of its bytes. The bytes themselves can be anything of any size, so they are
// not kept whole: the ledger keeps what is needed to recognise them and to tell the POS's
// vendor what was wrong.
type MalformedRecord struct {
	Refusal *Error
	Size    int
	SHA256  [32]byte
	Head    string // the first bytes, as sent (at most MalformedHeadBytes)
}

// MalformedHeadBytes bounds how much of a malformed record is kept verbatim.
const MalformedHeadBytes = 96

// NewMalformedRecord fingerprints the raw bytes of a record refused by ref.
func NewMalformedRecord(serial int64, raw []byte, ref *Error) OfflineRecord {
	head := raw
	if len(head) > MalformedHeadBytes {
		head = head[:MalformedHeadBytes]
	}
	return OfflineRecord{Serial: serial, Malformed: &MalformedRecord{Refusal: ref, Size: len(raw),
		SHA256: sha256.Sum256(raw), Head: strings.ToValidUTF8(string(head), "\ufffd")}}
}

// BatchOutcome is what became of one uploaded record, as the POS's queue needs to know it.
type BatchOutcome string

const (
	// BatchRecorded: the host kept the record under its key; Status says what became of
	// it and Reason, for a status that will not be applied, why. It leaves the queue.
	BatchRecorded BatchOutcome = "recorded"
	// BatchRefused: refused for its content, for good (a replay gets the same); Code says
	// why. It leaves the queue, unrecorded: the operator is told.
	BatchRefused BatchOutcome = "refused"
	// BatchNotTaken: the host did not take it now (Code says why); it stays queued and is
	// sent again.
	BatchNotTaken BatchOutcome = "not_taken"
)

// BatchItem is what became of one uploaded record.
type BatchItem struct {
	Serial  int64        `json:"serial"`
	Outcome BatchOutcome `json:"outcome"`
	// Accepted is Outcome ≠ not_taken (the POS may drop the record), kept for POS software
	// written before Outcome. Read Outcome.
	Accepted bool `json:"accepted"`
	// Status is the recorded record's status (a reversal's or a cancel's), Reason why a
	// recorded record will not be applied.
	Status string `json:"status,omitempty"`
	Reason Code   `json:"reason,omitempty"`
	// Code is why a record was refused or not taken.
	Code Code `json:"code,omitempty"`
	// ZH and EN are the messages of Code, or else of Reason; Detail says more.
	ZH     string `json:"zh,omitempty"`
	EN     string `json:"en,omitempty"`
	Detail string `json:"detail,omitempty"`
}

func recordedItem(serial int64, status string, reason Code, detail string) BatchItem {
	it := BatchItem{Serial: serial, Outcome: BatchRecorded, Accepted: true, Status: status, Reason: reason, Detail: clipDetail(detail)}
	if reason != "" {
		m := E(reason, "")
		it.ZH, it.EN = m.ZH, m.EN
	}
	return it
}

func refusedItem(serial int64, outcome BatchOutcome, ref *Error) BatchItem {
	return BatchItem{Serial: serial, Outcome: outcome, Accepted: outcome != BatchNotTaken, Code: ref.Code, ZH: ref.ZH, EN: ref.EN,
		Detail: clipDetail(ref.Detail)}
}

// BatchUpload takes a POS's offline records in order. Each record is its own terminal
// message (idempotent on its serial) in its own transaction, so one bad record never
// loses the others. A failure of the store stops the batch there: the rest are reported
// not taken and the POS sends them again.
func (s *Service) BatchUpload(ctx context.Context, deviceID string, records []OfflineRecord) ([]BatchItem, error) {
	out := make([]BatchItem, 0, len(records))
	notTaken := func(from int, err error) ([]BatchItem, error) {
		for _, rest := range records[from:] {
			out = append(out, refusedItem(rest.Serial, BatchNotTaken, E(CodeHostUnavailable, "")))
		}
		return out, err
	}
	for i, rec := range records {
		if m := rec.Malformed; m != nil {
			if err := s.recordMalformedUpload(ctx, deviceID, rec.Serial, m); err != nil {
				return notTaken(i, err)
			}
			out = append(out, refusedItem(rec.Serial, BatchRefused, m.Refusal))
			continue
		}
		var item BatchItem
		var err error
		switch rec.Kind {
		case OfflineReversal:
			var r ReverseResult
			r, err = s.Reverse(ctx, ReverseRequest{DeviceID: deviceID, Serial: rec.Serial, OrigDeviceID: rec.OrigDeviceID,
				OrigSerial: rec.OrigSerial, CardNo: rec.CardNo, Amount: rec.Amount})
			item = recordedItem(rec.Serial, string(r.Status), r.Reason, r.Detail)
		case OfflineCancel:
			var r CancelResult
			r, err = s.Cancel(ctx, CancelRequest{DeviceID: deviceID, Serial: rec.Serial, OrigSerial: rec.OrigSerial,
				CardNo: rec.CardNo, Amount: rec.Amount})
			item = recordedItem(rec.Serial, string(r.Status), r.Reason, "")
		case OfflineRecharge:
			_, err = terminalCall(ctx, s, deviceID, rec.Serial, "offline_recharge", rec,
				func(Tx, time.Time) (struct{}, *Error, error) {
					return struct{}{}, E(CodeOfflineRecharge, "serial %d", rec.Serial), nil
				})
		default:
			err = E(CodeBadInput, "record %d: unknown kind %q", i, rec.Kind)
		}
		if err != nil {
			ref, ok := AsError(err)
			if !ok {
				// The store failed: stop, report this and the rest as not taken.
				return notTaken(i, err)
			}
			if errors.Is(ref, CodeUnknownDevice) {
				// Nothing was kept: the POS must keep the record.
				out = append(out, refusedItem(rec.Serial, BatchNotTaken, ref))
				continue
			}
			// A refusal is final (replays give the same): the POS may drop the record.
			if errors.Is(ref, CodeBadInput) || rec.Kind != OfflineReversal && rec.Kind != OfflineCancel && rec.Kind != OfflineRecharge {
				// Malformed records were not kept under a key: keep them here, so that
				// dropping them from the POS's queue loses nothing.
				if err := s.recordRefusedUpload(ctx, deviceID, rec, ref); err != nil {
					return notTaken(i, err)
				}
			}
			item = refusedItem(rec.Serial, BatchRefused, ref)
		}
		out = append(out, item)
	}
	return out, nil
}

// recordRefusedUpload writes a malformed uploaded record to the audit log, whole, once:
// uploading the same batch again adds nothing.
func (s *Service) recordRefusedUpload(ctx context.Context, deviceID string, rec OfflineRecord, ref *Error) error {
	blob, _ := json.Marshal(rec)
	sum := sha256.Sum256(blob)
	subject := fmt.Sprintf("%s/%d/%x", deviceID, rec.Serial, sum[:6])
	return s.store.Update(ctx, func(tx Tx) error {
		if seen, err := tx.AuditExists("batch_record_refused", subject); err != nil || seen {
			return err
		}
		return tx.AppendAudit(AuditEntry{At: s.clock.Now(), Actor: "terminal:" + deviceID, Action: "batch_record_refused",
			Subject: subject, Detail: string(ref.Code) + " " + string(blob)})
	})
}

// recordMalformedUpload keeps a record that did not decode in the audit log, once, as its
// reason and fingerprint: a few hundred bytes whatever was sent.
func (s *Service) recordMalformedUpload(ctx context.Context, deviceID string, serial int64, m *MalformedRecord) error {
	subject := fmt.Sprintf("%s/%d/%x", deviceID, serial, m.SHA256[:6])
	detail := fmt.Sprintf("%s %s; %d bytes, sha256 %x, begins %q", m.Refusal.Code, m.Refusal.Detail, m.Size, m.SHA256, m.Head)
	return s.store.Update(ctx, func(tx Tx) error {
		if seen, err := tx.AuditExists("batch_record_refused", subject); err != nil || seen {
			return err
		}
		return tx.AppendAudit(AuditEntry{At: s.clock.Now(), Actor: "terminal:" + deviceID, Action: "batch_record_refused",
			Subject: subject, Detail: detail})
	})
}
