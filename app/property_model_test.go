package app_test

import (
	"fmt"
	"slices"

	"cardcenter/app"
)

// The simulated world of the generated-interleaving test: cards in cardholders' pockets,
// recharge POS terminals that follow section 1 of the manual, and the messages between
// them and the host. Only the host is real (the app over SQLite); everything here is what
// the host cannot see, kept so the test can judge the host against the physical truth.

// simKey is a terminal message's idempotency key (device, serial).
type simKey struct {
	dev    string
	serial int64
}

func (k simKey) String() string { return fmt.Sprintf("%s/%d", k.dev, k.serial) }

// simCard is a user card. credits is the truth the test judges by: every credit that
// reached the card, as simPOSRef(key of its recharge) for a POS write or app.RepairRef(id)
// for a desk write. log is what the card itself shows (cardio's layout): the last six
// committed transactions with their (terminal, serial) reference, which the desk reads.
type simCard struct {
	no, uid string
	balance app.Fen
	counter int64
	credits []string
	log     []simLogEntry
	spends  int64
	// heldBy is the POS that has the card on its reader at 请重刷卡, "" if the card is in
	// the cardholder's pocket. A held card cannot be at the desk or on another POS.
	heldBy string
	// lost are credits that landed and were lost again: the main purse block damaged at
	// rest (readers fall back to the backup, the state before the last write) or the whole
	// card restored from an earlier copy. rewritten counts those written again while the
	// ledger could not know the card was behind (nothing it saw went past the card's state):
	// no system of this card generation can tell that apart (docs/rules.md, "What the card cannot prove").
	lost      []string
	rewritten map[string]int
	// damaged: the main purse block is bad; the next write rewrites both.
	damaged bool
	// copies the holder took of the card (dumps, as key-recovery tools make), newest last.
	copies []simCardCopy
}

// simCardCopy is a whole card as it was when copied.
type simCardCopy struct {
	balance app.Fen
	counter int64
	log     []simLogEntry
	credits []string
}

// landed is how many times credit ref reached the card, lost again or not.
func (c *simCard) landed(ref string) int {
	n := c.count(ref)
	for _, r := range c.lost {
		if r == ref {
			n++
		}
	}
	return n
}

// loseLast takes ref's last landing off the card's credits and into lost.
func (c *simCard) loseLast(ref string) {
	for i := len(c.credits) - 1; i >= 0; i-- {
		if c.credits[i] == ref {
			c.credits = append(c.credits[:i:i], c.credits[i+1:]...)
			c.lost = append(c.lost, ref)
			return
		}
	}
}

// damage breaks the main purse block: the card reads as before its last write, while its
// log still shows that write.
func (c *simCard) damage() {
	e := c.log[len(c.log)-1]
	if e.kind == entrySpend {
		c.balance += e.amount
	} else {
		c.balance -= e.amount
		c.loseLast(e.truth)
	}
	c.counter--
	c.damaged = true
}

func (c *simCard) copyNow() simCardCopy {
	return simCardCopy{balance: c.balance, counter: c.counter, log: append([]simLogEntry(nil), c.log...),
		credits: append([]string(nil), c.credits...)}
}

// restore writes an earlier copy back onto the card: what landed since is lost.
func (c *simCard) restore(cp simCardCopy) {
	left := append([]string(nil), cp.credits...)
	for _, ref := range c.credits {
		if i := slices.Index(left, ref); i >= 0 {
			left = append(left[:i:i], left[i+1:]...)
			continue
		}
		c.lost = append(c.lost, ref)
	}
	// What the copy has and the card had lost comes back with it.
	for _, ref := range left {
		if i := slices.Index(c.lost, ref); i >= 0 {
			c.lost = append(c.lost[:i:i], c.lost[i+1:]...)
		}
	}
	c.balance, c.counter, c.damaged = cp.balance, cp.counter, false
	c.log = append([]simLogEntry(nil), cp.log...)
	c.credits = append([]string(nil), cp.credits...)
}

// simLogSlots is the size of the card's cyclic log (docs/card-layout.md).
const simLogSlots = 6

type simEntryKind string

const (
	entryRecharge simEntryKind = "recharge"
	entrySpend    simEntryKind = "spend"
	entryRepair   simEntryKind = "repair"
)

// simLogEntry is one committed transaction in the card's log.
type simLogEntry struct {
	kind    simEntryKind
	ref     simKey
	amount  app.Fen // positive; a spend takes it off
	counter int64   // the purse counter the transaction set
	truth   string  // the test's name of the credit (see simCard.credits), "" for a spend
}

func simPOSRef(k simKey) string { return "POS:" + k.String() }

// write lands a transaction: purse and log change together (cardio's commit point).
// truth names a credit for the test's own accounting, "" for a spend.
func (c *simCard) write(kind simEntryKind, ref simKey, amount app.Fen, truth string) {
	if kind == entrySpend {
		c.balance -= amount
	} else {
		c.balance += amount
	}
	c.counter++
	c.damaged = false
	c.putLog(simLogEntry{kind: kind, ref: ref, amount: amount, counter: c.counter, truth: truth})
	if truth != "" {
		c.credits = append(c.credits, truth)
	}
}

// tornBeforeCommit is a write pulled after its pending log entry went into the slot of
// the oldest committed one and before the purse committed: the money is as before, and
// the log has lost its oldest entry until the next write.
func (c *simCard) tornBeforeCommit() {
	c.putLog(simLogEntry{kind: entryRecharge, counter: c.counter + 1})
}

// putLog writes e into its slot: as on the card, slot counter % 6 holds one entry, so a
// write at a counter the log already has (after a damaged purse rolled the counter back)
// overwrites the older entry.
func (c *simCard) putLog(e simLogEntry) {
	kept := c.log[:0:0]
	for _, x := range c.log {
		if x.counter%simLogSlots != e.counter%simLogSlots {
			kept = append(kept, x)
		}
	}
	c.log = append(kept, e)
}

func (c *simCard) count(ref string) int {
	n := 0
	for _, r := range c.credits {
		if r == ref {
			n++
		}
	}
	return n
}

// onDesk is the card as a reader sees it now.
// The log shows, as cardio reads it, only committed entries: counters from the purse's
// counter back five; an entry above the counter (a torn write, or the write a damaged purse
// block lost) is pending and proves nothing.
func (c *simCard) onDesk() simDeskCard {
	var log []simLogEntry
	for _, e := range c.log {
		if e.counter <= c.counter && e.counter > c.counter-simLogSlots && e.ref.dev != "" {
			log = append(log, e)
		}
	}
	return simDeskCard{no: c.no, uid: c.uid, balance: c.balance, counter: c.counter, log: log}
}

// simDeskCard is a read of a simCard: app.CardOnDesk.
type simDeskCard struct {
	no, uid string
	balance app.Fen
	counter int64
	log     []simLogEntry
}

var _ app.CardOnDesk = simDeskCard{}

func (c simDeskCard) UID() string      { return c.uid }
func (c simDeskCard) CardNo() string   { return c.no }
func (c simDeskCard) Holder() string   { return "" }
func (c simDeskCard) Blocked() bool    { return false }
func (c simDeskCard) Balance() app.Fen { return c.balance }
func (c simDeskCard) Counter() int64   { return c.counter }

func (c simDeskCard) Holds(terminal string, serial int64, amount app.Fen) (bool, bool) {
	for _, e := range c.log {
		if e.kind != entrySpend && e.ref == (simKey{terminal, serial}) && e.amount == amount {
			return true, e.kind == entryRepair
		}
	}
	return false, false
}

func (c simDeskCard) ProvesAbsent(terminal string, serial int64, amount app.Fen, counterBefore int64) bool {
	if found, _ := c.Holds(terminal, serial, amount); found || counterBefore > c.counter {
		return false
	}
	return logCovers(c.log, func(e simLogEntry) int64 { return e.counter }, counterBefore, c.counter)
}

// logCovers reports whether a card's log holds an entry for every counter in (from, to]:
// only then does a write the log does not hold prove absent (every write moves the
// counter, and each left its entry).
func logCovers[E any](log []E, counter func(E) int64, from, to int64) bool {
	have := map[int64]bool{}
	for _, e := range log {
		have[counter(e)] = true
	}
	for n := from + 1; n <= to; n++ {
		if !have[n] {
			return false
		}
	}
	return true
}

// simSession is what a POS remembers of its authorization (rule 1); a reboot forgets it.
type simSession struct {
	op    int // index into the site's operators
	batch int64
	code  string
}

// simWrite is a recharge whose card write failed: the POS shows 请重刷卡 (rule 3) and
// holds what it needs to decide on re-tap whether the write landed.
type simWrite struct {
	key       simKey
	card      string
	amount    app.Fen
	balBefore app.Fen
	ctrBefore int64
}

// simPOS is a recharge POS. serial and queue live in its non-volatile memory: the key of
// every message is taken and stored before the message is sent, and reversal and cancel
// records wait in the queue, across reboots, until the host acknowledges them (rules 5, 6).
type simPOS struct {
	id     string
	serial int64
	sess   *simSession
	queue  []app.OfflineRecord
	retap  *simWrite
}

func (p *simPOS) nextKey() simKey {
	p.serial++
	return simKey{p.id, p.serial}
}

// ready: nothing to upload and no card write in doubt, so the operator may do something
// else (rule 6).
func (p *simPOS) ready() bool { return len(p.queue) == 0 && p.retap == nil }

func (p *simPOS) dropQueued(serial int64) {
	for i, r := range p.queue {
		if r.Serial == serial {
			p.queue = append(p.queue[:i:i], p.queue[i+1:]...)
			return
		}
	}
}

// simKind is the kind of a terminal message.
type simKind string

const (
	simAuthorize simKind = "authorize"
	simRecharge  simKind = "recharge"
	simConfirm   simKind = "confirm"
	simCancel    simKind = "cancel"
	simReverse   simKind = "reverse"
)

// simMsg is one terminal message as a POS sent it; replaying it resends the same bytes.
type simMsg struct {
	kind     simKind
	key      simKey
	op       int // recharge: the operator the POS believed authorized when it sent it
	auth     app.AuthorizeRequest
	recharge app.RechargeRequest
	confirm  app.ConfirmRequest
	cancel   app.CancelRequest
	reverse  app.ReverseRequest
}

func (m *simMsg) String() string {
	switch m.kind {
	case simRecharge:
		return fmt.Sprintf("recharge %s card %s amount %d bal %d ctr %d batch %d", m.key, m.recharge.CardNo,
			m.recharge.Amount, m.recharge.CardBalance, m.recharge.CardCounter, m.recharge.BatchNo)
	case simConfirm:
		return fmt.Sprintf("confirm %s of %d", m.key, m.confirm.OrigSerial)
	case simCancel:
		return fmt.Sprintf("cancel %s of %d", m.key, m.cancel.OrigSerial)
	case simReverse:
		return fmt.Sprintf("reverse %s of %d", m.key, m.reverse.OrigSerial)
	}
	return fmt.Sprintf("authorize %s card %s", m.key, m.auth.CardNo)
}

// offlineMsg turns a queued record into the message that uploads it alone.
func offlineMsg(dev string, r app.OfflineRecord) *simMsg {
	k := simKey{dev, r.Serial}
	if r.Kind == app.OfflineCancel {
		return &simMsg{kind: simCancel, key: k, cancel: app.CancelRequest{DeviceID: dev, Serial: r.Serial,
			OrigSerial: r.OrigSerial, CardNo: r.CardNo, Amount: r.Amount}}
	}
	return &simMsg{kind: simReverse, key: k, reverse: app.ReverseRequest{DeviceID: dev, Serial: r.Serial,
		OrigDeviceID: r.OrigDeviceID, OrigSerial: r.OrigSerial, CardNo: r.CardNo, Amount: r.Amount}}
}

// simReply is a host answer in comparable form: a replay must give an equal one.
type simReply struct {
	OK     bool
	Code   app.Code
	Status string // reversal or cancel status, for comparing with a batch upload's item
	Body   string // the result as JSON, or the refusal's full text
}

// brief is what a batch upload item says of the same answer.
func (r simReply) brief() string { return r.Status + "|" + string(r.Code) }

// simBooked is a recharge the host approved, as the model saw it.
type simBooked struct {
	id     int64
	op     int
	card   string
	amount app.Fen
	day    string
}

// simFate is what the network does with a request and its answer.
type simFate string

const (
	fateDeliver     simFate = "deliver"              // request and answer arrive
	fateDuplicate   simFate = "duplicate"            // the request arrives twice
	fateConcurrent  simFate = "duplicate-concurrent" // two copies arrive at the same moment
	fateAnswerLost  simFate = "answer-lost"          // the host acts, the answer never arrives
	fateRequestLost simFate = "request-lost"         // the host never hears of it
	fateDelayed     simFate = "delayed"              // held by the network, delivered later
)

// simWriteFate is what happens when a POS or the desk writes a card.
type simWriteFate string

const (
	writeOK         simWriteFate = "ok"
	writeTornLanded simWriteFate = "torn-landed" // the card took it, the writer cannot tell
	writeTornLost   simWriteFate = "torn-lost"   // the card kept its old state
)
