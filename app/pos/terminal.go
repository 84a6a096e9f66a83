package pos

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"cardcenter/app"
	"cardcenter/app/posapi"
)

// Terminal is one recharge POS. Its methods are the operator's actions; each leaves the
// journal in a state from which a power cycle resumes correctly.
type Terminal struct {
	mu    sync.Mutex
	host  Host
	cards Cards
	j     *Journal
	st    State
	clock app.Clock
	// Log gets what the POS does on its own (retries, outcomes, notices); never its screen.
	Log *slog.Logger
	// Wait is called between retries of an unanswered message (rule 5: retry until
	// acknowledged); it returns an error to give up for now (the queue stays).
	Wait func(ctx context.Context, attempt int) error

	pmu     sync.Mutex // guards waiting alone, so Progress never waits for an operation
	waiting *Waiting
}

// New returns a terminal resuming st (from OpenJournal); its Log discards until set.
func New(host Host, cards Cards, j *Journal, st State, clock app.Clock) *Terminal {
	return &Terminal{host: host, cards: cards, j: j, st: st, clock: clock, Log: slog.New(slog.DiscardHandler), Wait: Backoff}
}

// Backoff waits 0.5 s, 1 s, 2 s … up to 30 s between retries.
func Backoff(ctx context.Context, attempt int) error {
	d := min(30*time.Second, 500*time.Millisecond<<min(attempt, 6))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// State returns a copy of the terminal's durable state.
func (t *Terminal) State() State {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.st
	st.Queue = append([]app.OfflineRecord(nil), st.Queue...)
	st.Unconfirmed = append([]app.ConfirmRequest(nil), st.Unconfirmed...)
	st.Watched = append([]Watched(nil), st.Watched...)
	st.Notices = append([]Notice(nil), st.Notices...)
	return st
}

func (t *Terminal) save() error { return t.j.Save(t.st) }

// nextSerial takes a serial; the caller saves the state before using it on the network.
// Every operation starts from Start or ready, which learn the serial first (knowSerial).
func (t *Terminal) nextSerial() int64 {
	s := t.st.NextSerial
	t.st.NextSerial++
	return s
}

// Start is the power-on sequence: a recharge whose answer never came is reversed, and the
// offline queue is uploaded, before anything else (rules 5, 6).
func (t *Terminal) Start(ctx context.Context) error {
	if err := t.Recover(); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.online(ctx)
}

// online: the serial known, the queue sent (rule 6), and the outcomes of earlier reversals
// asked while the host is at hand.
func (t *Terminal) online(ctx context.Context) error {
	if err := t.knowSerial(ctx); err != nil {
		return err
	}
	if err := t.drain(ctx); err != nil {
		return err
	}
	t.checkOutcomes(ctx)
	return nil
}

// knowSerial: a new journal asks the host which serials this device used before.
func (t *Terminal) knowSerial(ctx context.Context) error {
	if t.st.NextSerial > 0 {
		return nil
	}
	last, err := t.host.LastSerial(ctx)
	if err != nil {
		return fmt.Errorf("ask the host for this POS's last serial: %w", err)
	}
	t.st.NextSerial = last + 1
	return t.save()
}

// Recover turns a recharge whose answer never came into a queued reversal, without
// touching the network; the queue then waits for the next operation or for Upload.
func (t *Terminal) Recover() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r := t.st.InFlight; r != nil && t.st.NextSerial > 0 {
		t.queueReversal(*r)
		t.st.InFlight = nil
		return t.save()
	}
	return nil
}

func (t *Terminal) queueReversal(r Recharge) {
	t.st.Queue = append(t.st.Queue, app.OfflineRecord{Kind: app.OfflineReversal, Serial: t.nextSerial(),
		OrigSerial: r.Serial, CardNo: r.CardNo, Amount: r.Amount})
}

// Authorize reads the authorization card on the reader and authorizes the operator with
// the PIN entered (rule 1).
func (t *Terminal) Authorize(ctx context.Context, pin string) (app.AuthorizeResult, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.ready(ctx); err != nil {
		return app.AuthorizeResult{}, err
	}
	card, err := t.cards.Read(ctx)
	if err != nil {
		return app.AuthorizeResult{}, fmt.Errorf("%w: %w", posError(CodeNoCard, ""), err)
	}
	serial := t.nextSerial()
	if err := t.save(); err != nil {
		return app.AuthorizeResult{}, err
	}
	res, err := t.host.Authorize(ctx, app.AuthorizeRequest{DeviceID: t.st.DeviceID, Serial: serial, CardNo: card.CardNo(), PIN: pin})
	if err != nil {
		return app.AuthorizeResult{}, err
	}
	t.st.Session = &Session{OperatorNo: res.OperatorNo, OperatorName: res.OperatorName, BatchNo: res.BatchNo, AuthCode: res.AuthCode}
	return res, t.save()
}

// ready: no re-tap outstanding, and the offline queue uploaded (rule 6).
func (t *Terminal) ready(ctx context.Context) error {
	if t.st.Retap != nil {
		return posError(CodeRetapPending, fmt.Sprintf("card %s, serial %d", t.st.Retap.CardNo, t.st.Retap.Serial))
	}
	return t.online(ctx)
}

// Outcome of a recharge that reached the card. With CodeTimeout and CodeRetap it names
// the recharge the error is about (Serial, CardNo, Amount).
type Outcome struct {
	Serial       int64
	CardNo       string
	Amount       app.Fen
	BalanceAfter app.Fen
	CounterAfter int64
}

// Recharge reads the card on the reader and recharges it by yuan whole yuan, online (rules 2,
// 3, 5, 11). Errors: the host's refusal; CodeTimeout after an unanswered recharge was
// reversed (the host acknowledged the reversal), CodeTimeoutPending if the reversal could
// not be sent yet (it stays queued); CodeRetap when the card write is not known to have
// landed (call Retap or CancelRetap).
func (t *Terminal) Recharge(ctx context.Context, yuan int64) (Outcome, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if yuan <= 0 {
		return Outcome{}, app.E(app.CodeAmountNotPos, "%d yuan", yuan)
	}
	if err := t.ready(ctx); err != nil {
		return Outcome{}, err
	}
	if t.st.Session == nil {
		return Outcome{}, app.E(app.CodeNotAuthorized, "device %s", t.st.DeviceID)
	}
	card, err := t.cards.Read(ctx)
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", posError(CodeNoCard, ""), err)
	}
	rec := Recharge{Serial: t.nextSerial(), CardNo: card.CardNo(), Amount: app.Fen(yuan) * app.Yuan,
		BalanceBefore: card.Balance(), CounterBefore: card.Counter()}
	t.st.InFlight = &rec
	if err := t.save(); err != nil { // before the network: a power cycle now reverses it
		return Outcome{}, err
	}
	s := t.st.Session
	_, err = t.host.Recharge(ctx, app.RechargeRequest{DeviceID: t.st.DeviceID, Serial: rec.Serial, BatchNo: s.BatchNo,
		AuthCode: s.AuthCode, CardNo: rec.CardNo, CardBalance: rec.BalanceBefore, CardCounter: rec.CounterBefore, Amount: rec.Amount})
	switch {
	case errors.Is(err, posapi.ErrNoAnswer):
		// 充值超时: the host may or may not have booked it. Reverse, and wait for the
		// acknowledgement before anything else (rule 5).
		t.queueReversal(rec)
		t.st.InFlight = nil
		if serr := t.save(); serr != nil {
			return Outcome{}, serr
		}
		named := Outcome{Serial: rec.Serial, CardNo: rec.CardNo, Amount: rec.Amount}
		if derr := t.drain(ctx); derr != nil {
			return named, fmt.Errorf("%w: %w", posError(CodeTimeoutPending, fmt.Sprintf("serial %d", rec.Serial)), derr)
		}
		return named, posError(CodeTimeout, fmt.Sprintf("serial %d", rec.Serial))
	case err != nil:
		t.st.InFlight = nil
		if errors.Is(err, app.CodeStaleSession) || errors.Is(err, app.CodeNotAuthorized) {
			t.st.Session = nil
		}
		if serr := t.save(); serr != nil {
			return Outcome{}, serr
		}
		return Outcome{}, err
	}
	// Approved: from here the card must get it, or the cardholder goes to the desk.
	t.st.Retap, t.st.InFlight = &rec, nil
	if err := t.save(); err != nil {
		return Outcome{}, err
	}
	if err := t.cards.Credit(ctx, card, t.st.DeviceID, rec.Serial, rec.Amount, t.clock.Now()); err != nil {
		return Outcome{Serial: rec.Serial, CardNo: rec.CardNo, Amount: rec.Amount},
			fmt.Errorf("%w: %w", posError(CodeRetap, fmt.Sprintf("serial %d", rec.Serial)), err)
	}
	return t.landed(ctx, rec)
}

// landed records that rec's credit is on the card and confirms it to the host.
func (t *Terminal) landed(ctx context.Context, rec Recharge) (Outcome, error) {
	t.st.Retap = nil
	t.st.Unconfirmed = append(t.st.Unconfirmed, app.ConfirmRequest{DeviceID: t.st.DeviceID, Serial: t.nextSerial(),
		OrigSerial: rec.Serial, CardNo: rec.CardNo, Amount: rec.Amount})
	if err := t.save(); err != nil {
		return Outcome{}, err
	}
	out := Outcome{Serial: rec.Serial, CardNo: rec.CardNo, Amount: rec.Amount, BalanceAfter: rec.BalanceBefore + rec.Amount,
		CounterAfter: rec.CounterBefore + 1}
	// The confirm is best effort now: if the host does not answer about it, it stays queued
	// and goes with the next operation. The money is on the card either way.
	c := t.st.Unconfirmed[len(t.st.Unconfirmed)-1]
	conf := app.OfflineRecord{Kind: kindConfirm, Serial: c.Serial, OrigSerial: c.OrigSerial, CardNo: c.CardNo, Amount: c.Amount}
	if _, _, err := t.send(ctx, conf); isAnswer(err) {
		if err := t.answered(conf, "", "", err); err != nil {
			return out, err
		}
	}
	return out, nil
}

// Retap is the card tapped again after 请重刷卡: the POS reads the card to decide whether its
// write landed and writes again if it did not. Either way the host holds one record (rule 3).
func (t *Terminal) Retap(ctx context.Context) (Outcome, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.st.Retap
	if rec == nil {
		return Outcome{}, app.E(app.CodeBadInput, "nothing to re-tap")
	}
	card, err := t.cards.Read(ctx)
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", posError(CodeRetap, ""), err)
	}
	if card.CardNo() != rec.CardNo {
		return Outcome{}, posError(CodeWrongCard, fmt.Sprintf("card %s, recharge of %s", card.CardNo(), rec.CardNo))
	}
	switch card.Verdict(t.st.DeviceID, rec.Serial, rec.Amount, rec.CounterBefore) {
	case Landed:
		return t.landed(ctx, *rec)
	case NotLanded:
		if err := t.cards.Credit(ctx, card, t.st.DeviceID, rec.Serial, rec.Amount, t.clock.Now()); err != nil {
			return Outcome{}, fmt.Errorf("%w: %w", posError(CodeRetap, fmt.Sprintf("serial %d", rec.Serial)), err)
		}
		return t.landed(ctx, *rec)
	}
	return Outcome{}, posError(CodeVerdictUnknown, fmt.Sprintf("card %s serial %d", rec.CardNo, rec.Serial))
}

// CancelRetap is the operator pressing Cancel at 请重刷卡: a cancel record goes to the host,
// which keeps the recharge booked; the operator keeps the cash and the cardholder goes to the
// card center (rules 4, 13).
func (t *Terminal) CancelRetap(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.st.Retap
	if rec == nil {
		return app.E(app.CodeBadInput, "nothing to cancel")
	}
	t.st.Queue = append(t.st.Queue, app.OfflineRecord{Kind: app.OfflineCancel, Serial: t.nextSerial(),
		OrigSerial: rec.Serial, CardNo: rec.CardNo, Amount: rec.Amount})
	t.st.Retap = nil
	if err := t.save(); err != nil {
		return err
	}
	return t.drain(ctx)
}

// Summary is "1. 查询充值汇总" (rule 7), after the queue is uploaded.
func (t *Terminal) Summary(ctx context.Context) (app.SummaryResult, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.ready(ctx); err != nil {
		return app.SummaryResult{}, err
	}
	return t.host.Summary(ctx)
}
