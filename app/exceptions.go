package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// The exceptions desk (异常处理): every open case with its facts, for supervisors and admins.

// MaxCases bounds one listing of the exceptions desk.
const MaxCases = 500

// CaseStatus is where an open case stands.
type CaseStatus string

const (
	CaseOpen     CaseStatus = "open"     // awaiting a supervisor's decision
	CaseApproved CaseStatus = "approved" // a write was approved; a clerk (not the approver) performs it
)

// CaseView is one case as the exceptions desk shows it.
type CaseView struct {
	Case     ExceptionCase
	Status   CaseStatus
	Approval Decision // when Status is CaseApproved
	Facts    CaseFacts
}

// CaseFacts is what the ledger knows around a case: the recharge and its two states, every
// message the host got about it, the card reads it has seen, the POS and the operator.
type CaseFacts struct {
	Recharge    Recharge // zero if the case names none
	OperatorNo  string
	Operator    string
	Device      DeviceFacts
	Messages    []CaseMessage // oldest first
	Repair      Repair        // zero if none
	Decisions   []Decision    // earlier decisions about the recharge, on any of its cases
	Memory      CardMemory    // zero if the ledger never saw the card written
	CardReads   []CardRead    // the desk's reads of the card, newest first
	CardStatus  CardStatus
	HolderName  string
	OtherOnCard []Recharge // the card's other recharges awaiting the desk (for an approval)
}

// DeviceFacts is a POS as the exceptions desk shows it (never its secret).
type DeviceFacts struct {
	ID, Name    string
	Enabled     bool
	LastContact DeviceContact
	JournalEnds []JournalEnd
}

// CaseMessage is one message the host got about a recharge.
type CaseMessage struct {
	At       time.Time
	Kind     string // recharge, confirm, cancel, reversal
	DeviceID string
	Serial   int64
	Outcome  string // what became of it, in English, for the record
	// The same, for a screen to say in its own words: the record's status (a cancel's
	// CancelStatus, a reversal's ReversalStatus; "" for a recharge or a confirm), the
	// refusal code that explains it, and when a reversal was processed (zero if not yet).
	Status    string
	Reason    Code
	Processed time.Time
}

// Exceptions lists every open case, oldest first, with its facts.
func (s *Service) Exceptions(ctx context.Context, actor Actor) ([]CaseView, error) {
	if err := s.allow(ctx, actor, financeRoles...); err != nil {
		return nil, err
	}
	var out []CaseView
	err := s.store.View(ctx, func(tx ReadTx) error {
		now := s.clock.Now()
		out = out[:0]
		stored, err := tx.OpenCases()
		if err != nil {
			return err
		}
		for _, c := range stored {
			out = append(out, CaseView{Case: c, Status: CaseOpen})
		}
		derived, err := s.derivedCases(tx, now)
		if err != nil {
			return err
		}
		for _, c := range derived {
			if _, err := tx.DecisionOf(c.Key()); errors.Is(err, ErrNoRow) {
				out = append(out, CaseView{Case: c, Status: CaseOpen})
			} else if err != nil {
				return err
			}
		}
		approved, err := tx.PendingApprovals()
		if err != nil {
			return err
		}
		for _, d := range approved {
			c, err := s.decidedCase(tx, d)
			if err != nil {
				return err
			}
			out = append(out, CaseView{Case: c, Status: CaseApproved, Approval: d})
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].Case.OpenedAt.Before(out[j].Case.OpenedAt) })
		if len(out) > MaxCases {
			out = out[:MaxCases]
		}
		for i := range out {
			if out[i].Facts, err = s.caseFacts(tx, out[i].Case); err != nil {
				return fmt.Errorf("facts of case %s: %w", out[i].Case.Key(), err)
			}
		}
		return nil
	})
	return out, err
}

// derivedCases are the cases that time opens: recharges pending at their POS for longer than
// Config.CaseAfter, and desk repairs begun and left unfinished for longer than the
// write-unknown timeout. They close by themselves when their condition ends.
func (s *Service) derivedCases(tx ReadTx, now time.Time) ([]ExceptionCase, error) {
	var out []ExceptionCase
	pending, err := tx.PendingRechargesBookedBefore(now.Add(-s.cfg.CaseAfter), MaxCases)
	if err != nil {
		return nil, err
	}
	for _, r := range pending {
		if ds, err := tx.DecisionsOfRecharge(r.ID); err != nil {
			return nil, err
		} else if len(ds) > 0 {
			continue // decided on another case of it
		}
		out = append(out, ExceptionCase{Kind: CaseWriteUnknownOverdue, Subject: fmt.Sprintf("recharge:%d", r.ID),
			OpenedAt: r.BookedAt.Add(s.cfg.CaseAfter), CardNo: r.CardNo, DeviceID: r.DeviceID, Serial: r.Serial, RechargeID: r.ID,
			Detail: fmt.Sprintf("recharge %d of %s booked %s is still pending at its POS", r.ID, FormatYuan(r.Amount),
				r.BookedAt.In(s.cfg.Location).Format(time.DateTime))})
	}
	intents, err := tx.OpenRepairIntents(MaxCases)
	if err != nil {
		return nil, err
	}
	for _, rp := range intents {
		if rp.StartedAt.After(now.Add(-s.cfg.WriteUnknownAfter)) {
			continue // a clerk may be writing it right now
		}
		if ds, err := tx.DecisionsOfRecharge(rp.RechargeID); err != nil {
			return nil, err
		} else if len(ds) > 0 {
			continue
		}
		r, err := tx.Recharge(rp.RechargeID)
		if err != nil {
			return nil, fmt.Errorf("recharge %d: %w", rp.RechargeID, err)
		}
		out = append(out, ExceptionCase{Kind: CaseRepairIntentOpen, Subject: fmt.Sprintf("repair:%d", rp.ID),
			OpenedAt: rp.StartedAt.Add(s.cfg.WriteUnknownAfter), CardNo: r.CardNo, DeviceID: r.DeviceID, Serial: r.Serial,
			RechargeID: r.ID, Detail: fmt.Sprintf("repair %s begun by %s at %s was never finished: lay card %s on a desk reader",
				rp.Ref, rp.Staff, rp.StartedAt.In(s.cfg.Location).Format(time.DateTime), r.CardNo)})
	}
	return out, nil
}

// decidedCase rebuilds the case an approval was given on.
func (s *Service) decidedCase(tx ReadTx, d Decision) (ExceptionCase, error) {
	kind, subject, _ := splitKey(d.CaseKey)
	c, err := tx.Case(kind, subject)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, ErrNoRow) {
		return ExceptionCase{}, err
	}
	r, err := tx.Recharge(d.RechargeID)
	if err != nil {
		return ExceptionCase{}, fmt.Errorf("recharge %d: %w", d.RechargeID, err)
	}
	return ExceptionCase{Kind: kind, Subject: subject, OpenedAt: d.DecidedAt, CardNo: r.CardNo, DeviceID: r.DeviceID,
		Serial: r.Serial, RechargeID: r.ID, Detail: "approved: " + d.Reason}, nil
}

func splitKey(key string) (CaseKind, string, bool) {
	kind, subject, ok := strings.Cut(key, "/")
	return CaseKind(kind), subject, ok
}

func (s *Service) caseFacts(tx ReadTx, c ExceptionCase) (CaseFacts, error) {
	var f CaseFacts
	if c.RechargeID != 0 {
		r, err := tx.Recharge(c.RechargeID)
		if err != nil {
			return f, err
		}
		f.Recharge = r
		if op, err := tx.Operator(r.OperatorID); err == nil {
			f.OperatorNo, f.Operator = op.OpNo, op.Name
		} else if !errors.Is(err, ErrNoRow) {
			return f, err
		}
		if f.Messages, err = s.messagesAbout(tx, r); err != nil {
			return f, err
		}
		if rp, err := tx.RepairByRecharge(r.ID); err == nil {
			f.Repair = rp
		} else if !errors.Is(err, ErrNoRow) {
			return f, err
		}
		if f.Decisions, err = tx.DecisionsOfRecharge(r.ID); err != nil {
			return f, err
		}
	}
	if c.DeviceID != "" {
		d, err := tx.Device(c.DeviceID)
		if err == nil {
			f.Device = DeviceFacts{ID: d.ID, Name: d.Name, Enabled: d.Enabled}
			if f.Device.LastContact, err = tx.DeviceContact(d.ID); err != nil {
				return f, err
			}
			if f.Device.JournalEnds, err = tx.JournalEnds(d.ID); err != nil {
				return f, err
			}
		} else if !errors.Is(err, ErrNoRow) {
			return f, err
		}
	}
	if c.CardNo != "" {
		card, err := tx.Card(c.CardNo)
		if err == nil {
			f.CardStatus = card.Status
			if h, err := tx.Cardholder(card.HolderID); err == nil {
				f.HolderName = h.Name
			}
			if f.Memory, err = tx.CardMemory(c.CardNo); err != nil && !errors.Is(err, ErrNoRow) {
				return f, err
			}
			if f.CardReads, err = tx.CardReads(c.CardNo, 10); err != nil {
				return f, err
			}
			awaiting, err := tx.RechargesAwaitingDesk(c.CardNo)
			if err != nil {
				return f, err
			}
			for _, r := range awaiting {
				if r.ID != c.RechargeID {
					f.OtherOnCard = append(f.OtherOnCard, r)
				}
			}
		} else if !errors.Is(err, ErrNoRow) {
			return f, err
		}
	}
	return f, nil
}

// messagesAbout lists every message the host got about r, with its time and outcome.
func (s *Service) messagesAbout(tx ReadTx, r Recharge) ([]CaseMessage, error) {
	out := []CaseMessage{{At: r.BookedAt, Kind: "recharge", DeviceID: r.DeviceID, Serial: r.Serial,
		Outcome: fmt.Sprintf("booked %s on %s (card balance %s, counter %d)", FormatYuan(r.Amount), r.SettleDay,
			FormatYuan(r.BalanceBefore), r.CounterBefore)}}
	if !r.ConfirmedAt.IsZero() {
		out = append(out, CaseMessage{At: r.ConfirmedAt, Kind: "confirm", DeviceID: r.DeviceID, Outcome: "card write confirmed"})
	}
	cancels, err := tx.CancelsNaming(r.DeviceID, r.Serial)
	if err != nil {
		return nil, err
	}
	for _, c := range cancels {
		out = append(out, CaseMessage{At: c.ReceivedAt, Kind: "cancel", DeviceID: c.DeviceID, Serial: c.Serial,
			Outcome: string(c.Status) + " " + string(c.Reason), Status: string(c.Status), Reason: c.Reason})
	}
	revs, err := tx.ReversalsNaming(r.DeviceID, r.Serial)
	if err != nil {
		return nil, err
	}
	for _, v := range revs {
		what := string(v.Status) + " " + string(v.Reason)
		if v.Status == RevApplied && r.LateReversal() {
			what = "applied late, counted on " + r.ReversalDay
		}
		if !v.ProcessedAt.IsZero() {
			what += " at " + v.ProcessedAt.In(s.cfg.Location).Format(time.DateTime)
		}
		out = append(out, CaseMessage{At: v.ReceivedAt, Kind: "reversal", DeviceID: v.DeviceID, Serial: v.Serial, Outcome: what,
			Status: string(v.Status), Reason: v.Reason, Processed: v.ProcessedAt})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}
