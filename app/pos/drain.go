package pos

import (
	"context"
	"errors"
	"fmt"

	"cardcenter/app"
	"cardcenter/app/posapi"
)

// MaxBatch bounds the records of one "3. 脱机批上送记录" request: the host commits each record
// on its own, and a batch must be answered well within the POS's answer timeout, or it
// would never be answered at all.
const MaxBatch = 50

// drain sends the queue (reversals, cancels) and then unacknowledged confirms, one by one,
// retrying each until the host answers about it. Nothing else happens while it runs.
//
// A record leaves the journal only on the host's answer about that record: approved, or
// refused for its content (posapi tells which). Everything else — nothing came back, an
// answer that does not verify, a refusal of the message's signature, clock, size, path or
// device, a host that cannot take it now — leaves it queued, and the POS tries again.
func (t *Terminal) drain(ctx context.Context) error {
	defer t.setWaiting(nil)
	var waiting *Waiting
	for attempt := 0; ; {
		rec, ok := t.head()
		if !ok {
			return nil
		}
		status, reason, err := t.send(ctx, rec)
		if errors.Is(err, posapi.ErrNoAnswer) {
			if waiting == nil || waiting.Serial != rec.Serial {
				waiting = &Waiting{Kind: rec.Kind, Serial: rec.Serial, OrigSerial: rec.OrigSerial, Since: t.clock.Now()}
			}
			w := *waiting
			w.Reason, w.Attempts = noAnswerReason(err), attempt+1
			t.setWaiting(&w)
			t.Log.Info("queued record: no answer, retrying", "kind", rec.Kind, "serial", rec.Serial, "attempt", w.Attempts, "err", err)
			if werr := t.Wait(ctx, attempt); werr != nil {
				return fmt.Errorf("%w: %w", posError(CodeQueuePending, fmt.Sprintf("%d records; %s", t.pending(), w.Message("en"))), err)
			}
			attempt++
			continue
		}
		if err := t.answered(rec, status, reason, err); err != nil {
			return err
		}
		attempt, waiting = 0, nil
	}
}

func (t *Terminal) pending() int { return len(t.st.Queue) + len(t.st.Unconfirmed) }

// noAnswerReason is what the POS shows while it waits: the host's refusal as received, or
// what the client saw.
func noAnswerReason(err error) *app.Error {
	if r := posapi.Reason(err); r != nil {
		return r
	}
	return &app.Error{Code: posapi.CodeNoAnswer, ZH: "主机无应答", EN: "no answer from the host", Detail: err.Error()}
}

// head is the next record to send: the queue first, then the confirms.
func (t *Terminal) head() (app.OfflineRecord, bool) {
	if len(t.st.Queue) > 0 {
		return t.st.Queue[0], true
	}
	if len(t.st.Unconfirmed) > 0 {
		c := t.st.Unconfirmed[0]
		return app.OfflineRecord{Kind: kindConfirm, Serial: c.Serial, OrigSerial: c.OrigSerial, CardNo: c.CardNo, Amount: c.Amount}, true
	}
	return app.OfflineRecord{}, false
}

// send sends one queued record; for a reversal it returns the status the host recorded.
func (t *Terminal) send(ctx context.Context, rec app.OfflineRecord) (app.ReversalStatus, app.Code, error) {
	switch rec.Kind {
	case app.OfflineReversal:
		res, err := t.host.Reverse(ctx, app.ReverseRequest{DeviceID: t.st.DeviceID, Serial: rec.Serial,
			OrigSerial: rec.OrigSerial, CardNo: rec.CardNo, Amount: rec.Amount})
		return res.Status, res.Reason, err
	case app.OfflineCancel:
		_, err := t.host.Cancel(ctx, app.CancelRequest{DeviceID: t.st.DeviceID, Serial: rec.Serial,
			OrigSerial: rec.OrigSerial, CardNo: rec.CardNo, Amount: rec.Amount})
		return "", "", err
	case kindConfirm:
		_, err := t.host.Confirm(ctx, app.ConfirmRequest{DeviceID: t.st.DeviceID, Serial: rec.Serial,
			OrigSerial: rec.OrigSerial, CardNo: rec.CardNo, Amount: rec.Amount})
		return "", "", err
	}
	// A kind this POS never queues: the host could not take it either. Keep it, loudly.
	return "", "", fmt.Errorf("queued record %d of kind %q: %w", rec.Serial, rec.Kind, posapi.ErrNoAnswer)
}

// isAnswer: err is the host's answer about the message (nil, or a refusal for its content).
func isAnswer(err error) bool {
	_, refused := app.AsError(err)
	return err == nil || refused && !errors.Is(err, posapi.ErrNoAnswer)
}

// answered takes rec out of the journal after the host's answer about it: acknowledged
// (err nil; a reversal is then watched for its outcome) or refused for its content (err, an
// *app.Error: the operator is told, loudly for a reversal). Any other error keeps it.
func (t *Terminal) answered(rec app.OfflineRecord, status app.ReversalStatus, reason app.Code, err error) error {
	if !isAnswer(err) {
		return fmt.Errorf("queued record %d kept: %w", rec.Serial, err)
	}
	t.remove(rec)
	if ref, refused := app.AsError(err); refused {
		t.Log.Warn("queued record refused by the host", "kind", rec.Kind, "serial", rec.Serial, "code", ref.Code)
		t.notify(Notice{Kind: rec.Kind, Serial: rec.Serial, OrigSerial: rec.OrigSerial, CardNo: rec.CardNo, Amount: rec.Amount,
			Outcome: outcomeRefused, Code: ref.Code, ZH: ref.ZH, EN: ref.EN, Alarm: rec.Kind == app.OfflineReversal})
	} else if rec.Kind == app.OfflineReversal {
		t.watch(rec, status, reason)
	}
	return t.save()
}

// remove takes rec (by its serial) out of the queue or the confirms.
func (t *Terminal) remove(rec app.OfflineRecord) {
	if rec.Kind == kindConfirm {
		kept := t.st.Unconfirmed[:0:0]
		for _, c := range t.st.Unconfirmed {
			if c.Serial != rec.Serial {
				kept = append(kept, c)
			}
		}
		t.st.Unconfirmed = kept
		return
	}
	kept := t.st.Queue[:0:0]
	for _, r := range t.st.Queue {
		if r.Serial != rec.Serial {
			kept = append(kept, r)
		}
	}
	t.st.Queue = kept
}

// Upload is "3. 脱机批上送记录": the queue in batches of at most MaxBatch. A record leaves
// the queue only when its item says the host recorded it, or refused it for good for its
// content; a record not taken, one the answer does not mention, a batch that gets no
// answer, or a refusal of the batch as a whole, leaves the records queued.
func (t *Terminal) Upload(ctx context.Context) ([]app.BatchItem, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var all []app.BatchItem
	for len(t.st.Queue) > 0 {
		chunk := append([]app.OfflineRecord(nil), t.st.Queue[:min(len(t.st.Queue), MaxBatch)]...)
		res, err := t.host.Batch(ctx, chunk)
		if err != nil {
			return all, err
		}
		items := map[int64]app.BatchItem{}
		for _, it := range res.Items {
			items[it.Serial] = it
		}
		whole := true
		for _, rec := range chunk {
			it, ok := items[rec.Serial]
			var err error
			switch outcome := posapi.ItemOutcome(it); {
			case ok && outcome == app.BatchRecorded:
			case ok && outcome == app.BatchRefused && posapi.IsFinalRefusal(it.Code):
				err = &app.Error{Code: it.Code, ZH: it.ZH, EN: it.EN, Detail: it.Detail}
			default:
				whole = false
				continue
			}
			if err := t.answered(rec, app.ReversalStatus(it.Status), it.Reason, err); err != nil {
				return all, err
			}
		}
		all = append(all, res.Items...)
		if !whole {
			break // the host could not take some: the rest waits for the next upload
		}
	}
	return all, nil
}
