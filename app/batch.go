package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
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
	Kind         OfflineKind `json:"kind"`
	Serial       int64       `json:"serial"`
	OrigDeviceID string      `json:"orig_device_id,omitempty"`
	OrigSerial   int64       `json:"orig_serial"`
	CardNo       string      `json:"card_no"`
	Amount       Fen         `json:"amount"`
}

// BatchItem is what became of one uploaded record. Accepted means the POS may drop it from
// its queue: it is recorded (whatever its status) or was refused for good.
type BatchItem struct {
	Serial   int64  `json:"serial"`
	Accepted bool   `json:"accepted"`
	Status   string `json:"status,omitempty"`
	Code     Code   `json:"code,omitempty"`
	ZH       string `json:"zh,omitempty"`
	EN       string `json:"en,omitempty"`
}

// BatchUpload takes a POS's offline records in order. Each record is its own terminal
// message (idempotent on its serial) in its own transaction, so one bad record never
// loses the others. A failure of the store stops the batch there: the rest are reported
// not accepted and the POS sends them again.
func (s *Service) BatchUpload(ctx context.Context, deviceID string, records []OfflineRecord) ([]BatchItem, error) {
	out := make([]BatchItem, 0, len(records))
	for i, rec := range records {
		item := BatchItem{Serial: rec.Serial}
		var err error
		switch rec.Kind {
		case OfflineReversal:
			var r ReverseResult
			r, err = s.Reverse(ctx, ReverseRequest{DeviceID: deviceID, Serial: rec.Serial, OrigDeviceID: rec.OrigDeviceID,
				OrigSerial: rec.OrigSerial, CardNo: rec.CardNo, Amount: rec.Amount})
			item.Status = string(r.Status)
		case OfflineCancel:
			var r CancelResult
			r, err = s.Cancel(ctx, CancelRequest{DeviceID: deviceID, Serial: rec.Serial, OrigSerial: rec.OrigSerial,
				CardNo: rec.CardNo, Amount: rec.Amount})
			item.Status = string(r.Status)
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
				// The store failed: stop, report this and the rest as not accepted.
				for _, rest := range records[i:] {
					out = append(out, BatchItem{Serial: rest.Serial, Accepted: false, Code: CodeBadInput,
						ZH: "系统暂时无法处理,请稍后重传", EN: "host could not take it now; upload again later"})
				}
				return out, err
			}
			item.Code, item.ZH, item.EN = ref.Code, ref.ZH, ref.EN
			// A refusal is final (replays give the same): the POS may drop the record,
			// except when the device itself is unknown and nothing was kept.
			item.Accepted = !errors.Is(ref, CodeUnknownDevice)
			if item.Accepted && (errors.Is(ref, CodeBadInput) || rec.Kind != OfflineReversal && rec.Kind != OfflineCancel && rec.Kind != OfflineRecharge) {
				// Malformed records were not kept under a key: keep them here, so that
				// dropping them from the POS's queue loses nothing.
				if err := s.recordRefusedUpload(ctx, deviceID, rec, ref); err != nil {
					return append(out, BatchItem{Serial: rec.Serial, Code: CodeBadInput}), err
				}
			}
		} else {
			item.Accepted = true
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
