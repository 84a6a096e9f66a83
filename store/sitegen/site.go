package sitegen

import (
	"crypto/rand"
	mrand "math/rand/v2"
	"time"

	"cardcenter/app"
)

// A generated site is planned here and played out in gen_history.go: the cast (people,
// cards, devices, operators, staff) and, per recharge, the story of its messages. The
// plan is the same whichever sink records it, so the bulk loader and the use cases can be
// checked against each other on the same seed.

// Params is what gen was asked for.
type Params struct {
	Recharges int
	Days      int
	Seed      uint64
	Now       time.Time // host clock: the history ends here
	Cfg       app.Config
	// AdminPassword is the password of the admin account created with the site.
	AdminPassword string
}

type holderPlan struct {
	ID       int64
	No, Name string
	Dept     string
	Staff    bool
	Spend    app.Fen // what the holder spends on an ordinary day
	Cards    []*cardPlan
}

type cardPlan struct {
	No, UID  string
	Holder   *holderPlan
	IssuedAt time.Time      // the site's set-up for first cards
	Status   app.CardStatus // at the end of the history
	StatusAt time.Time      // when it left normal (zero: never)

	// What the card itself holds as the history is played, as a POS would read it.
	balance app.Fen
	counter int64
	seen    time.Time
}

// usableAt: issued and still normal at t.
func (c *cardPlan) usableAt(t time.Time) bool {
	return !t.Before(c.IssuedAt) && (c.StatusAt.IsZero() || t.Before(c.StatusAt))
}

// spendUntil plays the holder's meals and purchases between the last time the card was
// seen and t: the balance goes down in fen, the counter up once per purchase.
func (c *cardPlan) spendUntil(r *mrand.Rand, t time.Time) {
	days := t.Sub(c.seen).Hours() / 24
	c.seen = t
	if days < 0.2 {
		return
	}
	spent := app.Fen(days * float64(c.Holder.Spend) * (0.6 + 0.8*r.Float64()))
	if spent > c.balance {
		spent = c.balance - c.balance%100 + app.Fen(r.IntN(100))
		if spent > c.balance {
			spent = c.balance
		}
	}
	c.balance -= spent
	c.counter += int64(spent/900) + 1
}

type devicePlan struct {
	app.Device
	Weight     int
	nextSerial int64
	nextBatch  int64
	freeAt     time.Time
	current    *authPlan // the open authorization as the history is played
}

func (d *devicePlan) serial() int64 {
	d.nextSerial++
	return d.nextSerial
}

type opPlan struct {
	app.Operator
	PIN      string
	AuthCard *cardPlan
	// Hired is when the operator is created and bound (zero: at set-up); Retired when
	// disabled (zero: never).
	Hired, Retired time.Time
}

type staffPlan struct {
	app.Staff
	Password string
	By       app.Actor
}

type authPlan struct {
	app.Authorization
	Dev    *devicePlan
	Op     *opPlan
	Serial int64
	// AuthCode is the code the POS was given, which its recharges carry; the ledger keeps
	// only its hash (Authorization.AuthCodeHash).
	AuthCode string
}

// fate is what becomes of a booked recharge's card write.
type fate uint8

const (
	fateWritten  fate = iota // the POS confirms the write
	fateReversed             // the POS got no answer and reversed it (rule 5)
	fateCancel               // 请重刷卡 and the operator pressed Cancel (rule 4)
	fateUnknown              // approved, then nothing: write unknown at the desk
)

type rechargePlan struct {
	app.Recharge
	Dev      *devicePlan
	Auth     *authPlan
	Op       *opPlan
	Card     *cardPlan
	Fate     fate
	Landed   bool // the credit reached the card with the POS's write
	AuthCode string

	FollowSerial int64     // confirm, cancel or reversal message
	FollowAt     time.Time // zero: not sent by now
	ApplyAt      time.Time // reversal applied by the worker (zero: not by now)
	ReversalID   int64
	CancelID     int64

	Repair   app.Repair // ID 0: no desk repair by now
	RepairBy app.Actor
}

// tombstonePlan is a recharge lost on the way to the host and reversed by its POS: the
// host records a tombstone and never books the original.
type tombstonePlan struct {
	Dev        *devicePlan
	OrigSerial int64
	Serial     int64
	CardNo     string
	Amount     app.Fen
	At         time.Time
	ApplyAt    time.Time
	ID         int64
}

// siteSink records a site's history, event by event in time order.
type siteSink interface {
	Staff(at time.Time, s *staffPlan) error
	Device(at time.Time, d *devicePlan) error
	IssueCard(at time.Time, c *cardPlan) error
	Operator(at time.Time, o *opPlan) error
	Bind(at time.Time, o *opPlan, by app.Actor) error
	RetireOperator(at time.Time, o *opPlan, by app.Actor) error
	CardStatus(at time.Time, c *cardPlan, by app.Actor) error
	// Authorize returns the authorization code the POS must carry from now on.
	Authorize(a *authPlan) (string, error)
	Recharge(r *rechargePlan) error
	Confirm(r *rechargePlan) error
	Cancel(r *rechargePlan) error
	Reverse(r *rechargePlan) error
	ApplyReversal(at time.Time, reversalID int64) error
	LostRecharge(t *tombstonePlan) error
	BeginRepair(r *rechargePlan) error
	CompleteRepair(r *rechargePlan) error
	// Finish is told each device's next batch number.
	Finish(devices []*devicePlan) error
}

// Stats is what the history holds, counted as it is played.
type Stats struct {
	Holders, Cards, Devices, Operators, Authorizations int
	Recharges, Reversed, Cancels, Repairs, Unknown     int64
	Tombstones, NotLanded                              int64
	Booked, ReversedFen                                app.Fen
	FirstDay, LastDay                                  string
}

// RandomPassword is a password for a new account, printed once: 16 characters of
// crypto/rand's base32 text, 80 bits.
// RandomPassword is a fresh password for a generated site's admin.
func RandomPassword() string { return rand.Text()[:16] }
