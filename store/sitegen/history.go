package sitegen

import (
	"container/heap"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"sort"
	"time"

	"cardcenter/app"
)

// How a POS's messages follow a recharge. The delays of cancels and reversals are fixed so
// that their records are numbered in the order of the recharges they follow, exactly as the
// host numbers them when it receives them.
const (
	confirmAfter  = 1500 * time.Millisecond
	cancelAfter   = 3 * time.Second
	reverseAfter  = 4 * time.Second
	posBusyFor    = 5 * time.Second // one card at a time: the next recharge waits this long
	repairTakes   = 12 * time.Second
	todayStopsAgo = 15 * time.Minute // the last recharge of today is this long before now
)

// Shifts: the morning operator authorizes before opening, the afternoon one takes over at
// 14:00; no recharge is made on a POS while its operators change over.
var (
	openAt        = 7 * time.Hour
	closeAt       = 21*time.Hour + 30*time.Minute
	morningAuthAt = 6*time.Hour + 50*time.Minute
	changeFrom    = 13*time.Hour + 59*time.Minute + 20*time.Second // no recharge from here …
	changeAuthAt  = 13*time.Hour + 59*time.Minute + 30*time.Second
	changeTo      = 14*time.Hour + 30*time.Second // … to here
	deskOpens     = 8*time.Hour + 30*time.Minute
	deskCloses    = 17 * time.Hour
)

// storyRates are how often a recharge has each story.
type storyRates struct {
	Reversed, Cancel, Unknown, Lost float64 // per recharge
	// The write had landed after all: the desk finds it on the card.
	CancelCredited, UnknownCredited float64
	// The cardholder comes to the card center.
	CancelToDesk, UnknownToDesk float64
}

var defaultRates = storyRates{
	Reversed:       0.010,  // the POS got no answer and reversed
	Cancel:         0.005,  // 请重刷卡, Cancel pressed
	Unknown:        0.0005, // approved, then silence
	Lost:           0.0003, // the request never reached the host; its reversal makes a tombstone
	CancelCredited: 0.15, UnknownCredited: 0.5,
	CancelToDesk: 0.85, UnknownToDesk: 0.7,
}

// amounts are what cardholders hand over, in yuan, with how often.
var amounts = []struct {
	yuan   app.Fen
	weight int
}{{50, 34}, {100, 34}, {200, 15}, {20, 5}, {30, 3}, {300, 5}, {500, 4}}

type evKind uint8

const (
	evAuthorize evKind = iota
	evArrival
	evFollow // confirm, cancel or reversal of a booked recharge
	evApply
	evLostReverse
	evApplyLost
	evRepairBegin
	evRepairDone
	evCardStatus
	evIssueCard
	evHire
	evRetire
)

type event struct {
	at   time.Time
	seq  uint64
	kind evKind
	auth *authPlan
	rech *rechargePlan
	tomb *tombstonePlan
	card *cardPlan
	op   *opPlan
}

type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

type opDay struct {
	op  int64
	day string
}

// generator plans a site and plays its history into a sink, in time order.
type Generator struct {
	p       Params
	r       *mrand.Rand
	sink    siteSink
	loc     *time.Location
	setupAt time.Time
	days    []time.Time // local midnight of each day, oldest first
	counts  []int       // recharges of each day
	minute  []float64   // cumulative share of a day's recharges by minute since opening

	holders  []*holderPlan
	devices  []*devicePlan // recharge POS
	others   []*devicePlan // consumption POS, registered only
	ops      []*opPlan
	regular  [][2]*opPlan // per device, morning and afternoon
	spares   []*opPlan
	retiring *opPlan // works device 0's afternoons until retireDay, then successor
	succ     *opPlan
	retireAt time.Time
	staff    []*staffPlan
	admin    app.Actor
	clerks   []app.Actor

	q      eventQueue
	seq    uint64
	ids    struct{ auth, recharge, reversal, cancel, repair int64 }
	booked map[opDay]app.Fen
	stats  Stats
	rates  storyRates
	// progress, if set, hears of every millionth recharge.
	progress func(done int64)
}

func New(p Params, sink siteSink) (*Generator, error) {
	if p.Recharges < 0 {
		return nil, app.E(app.CodeBadInput, "--recharges must be ≥ 0, got %d", p.Recharges)
	}
	if p.Days < 1 || p.Days > 3660 {
		return nil, app.E(app.CodeBadInput, "--days must be 1..3660, got %d", p.Days)
	}
	g := &Generator{p: p, r: mrand.New(mrand.NewPCG(p.Seed, p.Seed^0x9e3779b97f4a7c15)), sink: sink,
		loc: p.Cfg.Location, booked: map[opDay]app.Fen{}, rates: defaultRates}
	g.planDays()
	if err := g.planCounts(); err != nil {
		return nil, err
	}
	if err := g.planCast(); err != nil {
		return nil, err
	}
	return g, nil
}

// dayAt is the instant at local time of day off on day i.
func (g *Generator) dayAt(i int, off time.Duration) time.Time {
	return g.days[i].Add(off)
}

func (g *Generator) planDays() {
	today := g.p.Now.In(g.loc)
	last := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, g.loc)
	for i := g.p.Days - 1; i >= 0; i-- {
		g.days = append(g.days, last.AddDate(0, 0, -i))
	}
	g.setupAt = g.days[0].AddDate(0, 0, -3).Add(9 * time.Hour)
	// A day's recharges by minute from opening to closing: a base all day and the peaks of
	// breakfast, lunch, dinner and the evening.
	n := int((closeAt - openAt) / time.Minute)
	g.minute = make([]float64, n)
	peaks := []struct{ at, sd, w float64 }{{7*60 + 40, 15, 0.10}, {12 * 60, 25, 0.30}, {17*60 + 45, 30, 0.27}, {21 * 60, 20, 0.08}}
	sum := 0.0
	for m := 0; m < n; m++ {
		x := float64(int(openAt/time.Minute)+m) + 0.5
		d := 0.25 / float64(n)
		for _, p := range peaks {
			d += p.w * math.Exp(-(x-p.at)*(x-p.at)/(2*p.sd*p.sd)) / (p.sd * math.Sqrt(2*math.Pi))
		}
		if time.Duration(x*float64(time.Minute)) >= changeFrom && time.Duration(x*float64(time.Minute)) < changeTo+time.Minute {
			d /= 4 // the counter is busy changing shifts
		}
		sum += d
		g.minute[m] = sum
	}
	for m := range g.minute {
		g.minute[m] /= sum
	}
}

// shareBefore is the share of a day's recharges made before local time of day off.
func (g *Generator) shareBefore(off time.Duration) float64 {
	m := int((off - openAt) / time.Minute)
	switch {
	case m <= 0:
		return 0
	case m >= len(g.minute):
		return 1
	}
	return g.minute[m-1]
}

// dayWeight: weekdays are busiest, weekends quieter, vacations nearly empty, the first
// weeks of a semester busier still.
func dayWeight(d time.Time) float64 {
	w := 1.0
	switch d.Weekday() {
	case time.Saturday:
		w = 0.6
	case time.Sunday:
		w = 0.65
	}
	md := int(d.Month())*100 + d.Day()
	switch {
	case md >= 115 && md <= 225, md >= 710 && md <= 831:
		w *= 0.2
	case md >= 226 && md <= 310, md >= 901 && md <= 914:
		w *= 1.5
	}
	return w
}

func (g *Generator) lastDayStop() time.Duration {
	return g.p.Now.Sub(g.days[len(g.days)-1]) - todayStopsAgo
}

func (g *Generator) planCounts() error {
	w := make([]float64, len(g.days))
	total := 0.0
	for i, d := range g.days {
		w[i] = dayWeight(d)
		if i == len(g.days)-1 {
			w[i] *= g.shareBefore(g.lastDayStop())
		}
		total += w[i]
	}
	if total == 0 {
		return app.E(app.CodeBadInput, "no opening hours before now in %d day(s); ask for more --days", g.p.Days)
	}
	// Largest remainder: the counts add up to exactly what was asked.
	g.counts = make([]int, len(g.days))
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, len(g.days))
	given := 0
	for i := range w {
		x := float64(g.p.Recharges) * w[i] / total
		g.counts[i] = int(x)
		given += g.counts[i]
		rems[i] = rem{i, x - float64(g.counts[i])}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].f > rems[b].f })
	for k := 0; given < g.p.Recharges; k++ {
		g.counts[rems[k%len(rems)].i]++
		given++
	}
	return nil
}

func clamp(x, lo, hi int) int { return max(lo, min(hi, x)) }

// maxRechargePOS bounds the site: more recharges a day than this many POS can take at
// their peak is refused rather than queued for ever.
const maxRechargePOS = 200

func (g *Generator) planCast() error {
	r := g.r
	busiest := 0
	for _, c := range g.counts {
		busiest = max(busiest, c)
	}
	// Enough POS that the busiest hour keeps each under 40% of what it can do (one
	// recharge per posBusyFor).
	peakMinute := 0.0
	for m := range g.minute {
		prev := 0.0
		if m > 0 {
			prev = g.minute[m-1]
		}
		peakMinute = max(peakMinute, g.minute[m]-prev)
	}
	perHour := float64(time.Hour / posBusyFor)
	need := int(math.Ceil(peakMinute * 60 * float64(busiest) / (0.4 * perHour)))
	if need > maxRechargePOS {
		return app.E(app.CodeBadInput, "%d recharges on the busiest day would need %d recharge POS, more than %d: ask for more --days",
			busiest, need, maxRechargePOS)
	}
	nDev := max(need, 2)
	g.stats.Devices = nDev

	g.admin = app.Actor{User: "admin", Role: app.RoleAdmin}
	g.staff = append(g.staff, &staffPlan{Staff: app.Staff{Username: "admin", DisplayName: "系统管理员", Role: app.RoleAdmin, Enabled: true},
		Password: g.p.AdminPassword, By: app.SystemActor})
	for i := 1; i <= 4; i++ {
		s := &staffPlan{Staff: app.Staff{Username: fmt.Sprintf("clerk%02d", i), DisplayName: "柜员" + chineseName(r),
			Role: app.RoleClerk, Enabled: true}, Password: RandomPassword(), By: g.admin}
		g.staff = append(g.staff, s)
		g.clerks = append(g.clerks, app.Actor{User: s.Username, Role: app.RoleClerk})
	}
	g.staff = append(g.staff, &staffPlan{Staff: app.Staff{Username: "finance01", DisplayName: "结算" + chineseName(r),
		Role: app.RoleSupervisor, Enabled: true}, Password: RandomPassword(), By: g.admin})

	for i := 0; i < nDev; i++ {
		pl := rechargePlaces[i%len(rechargePlaces)]
		name := pl.name + "充值机"
		if i >= len(rechargePlaces) {
			name = fmt.Sprintf("%s充值机%d", pl.name, i/len(rechargePlaces)+1)
		}
		g.devices = append(g.devices, &devicePlan{Device: app.Device{ID: fmt.Sprintf("P%03d", i+1), Name: name,
			Model: app.ModelRechargePOS, Location: pl.name, Enabled: true}, Weight: pl.weight, nextBatch: 1})
	}
	for i, place := range consumptionPlaces[:clamp(nDev, 2, len(consumptionPlaces))] {
		g.others = append(g.others, &devicePlan{Device: app.Device{ID: fmt.Sprintf("C%03d", i+1), Name: place + "消费机",
			Model: "0101", Location: place, Enabled: true}, nextBatch: 1})
	}

	// Cardholders: students and staff; some operators are staff too (their authorization
	// cards are their own campus cards).
	nHolders := clamp(g.p.Recharges/25, 150, 400_000)
	nOps := 2*nDev + nDev/2 + 1 + 1
	cardNo := 10_000_000
	uids := map[uint32]bool{}
	newCard := func(h *holderPlan, at time.Time) *cardPlan {
		cardNo++
		var uid uint32
		for uid == 0 || uids[uid] {
			uid = r.Uint32()
		}
		uids[uid] = true
		c := &cardPlan{No: fmt.Sprintf("%d", cardNo), UID: fmt.Sprintf("%08X", uid), Holder: h, IssuedAt: at,
			Status: app.CardNormal, balance: app.Fen(r.IntN(200_00)), counter: int64(1 + r.IntN(40)), seen: at}
		h.Cards = append(h.Cards, c)
		return c
	}
	for i := 0; i < nHolders+nOps; i++ {
		h := &holderPlan{ID: int64(i + 1), Name: chineseName(r)}
		if i < nOps || r.IntN(10) == 0 {
			h.Staff, h.No, h.Dept = true, fmt.Sprintf("Z%05d", i+1), staffDepartments[r.IntN(len(staffDepartments))]
			h.Spend = app.Fen(1000 + r.IntN(1500))
		} else {
			h.No = fmt.Sprintf("%d%06d", 2021+r.IntN(5), i+1)
			h.Dept = departments[r.IntN(len(departments))]
			h.Spend = app.Fen(1800 + r.IntN(2700))
		}
		newCard(h, g.setupAt)
		g.holders = append(g.holders, h)
	}
	g.stats.Holders = len(g.holders)

	// Operators: two regulars per POS (half of them designated to it), spares for the
	// weekends, and one who retires and is replaced half-way.
	last := g.days[len(g.days)-1]
	// Retired on a morning: the afternoon session of the day before has ended.
	g.retireAt = g.days[len(g.days)/2].Add(10 * time.Hour)
	maxPerDay := float64(busiest) / float64(nDev) * 2 * 150 * float64(app.Yuan)
	dailyMax := app.Fen(math.Ceil(3*maxPerDay/float64(10_000*app.Yuan))) * 10_000 * app.Yuan
	for i := 0; i < nOps; i++ {
		h := g.holders[i]
		o := &opPlan{Operator: app.Operator{ID: int64(i + 1), OpNo: fmt.Sprintf("%04d", 1001+i), Name: h.Name,
			Enabled: true}, PIN: fmt.Sprintf("%06d", r.IntN(1_000_000)), AuthCard: h.Cards[0]}
		if i%2 == 0 {
			o.DailyMax = dailyMax
		}
		g.ops = append(g.ops, o)
	}
	g.regular = make([][2]*opPlan, nDev)
	for k := range g.devices {
		for s := 0; s < 2; s++ {
			o := g.ops[2*k+s]
			if k%2 == 0 {
				o.DesignatedDevice = g.devices[k].ID
			}
			if g.devices[k].Location == "超市" {
				o.Merchant = true
			}
			g.regular[k][s] = o
		}
	}
	g.spares = g.ops[2*nDev : nOps-1]
	g.succ = g.ops[nOps-1]
	g.succ.Hired = g.retireAt.AddDate(0, 0, -1)
	g.retiring = g.regular[0][1]
	g.retiring.Retired = g.retireAt
	g.stats.Operators = len(g.ops)

	// Cards that leave normal during the history: lost and bad cards are replaced a few
	// hours later, frozen ones are not.
	span := last.Sub(g.setupAt)
	for _, h := range g.holders[nOps:] {
		var st app.CardStatus
		switch x := r.IntN(1000); {
		case x < 20:
			st = app.CardLost
		case x < 25:
			st = app.CardBad
		case x < 28:
			st = app.CardFrozen
		default:
			continue
		}
		c := h.Cards[0]
		c.Status, c.StatusAt = st, g.setupAt.Add(time.Duration(r.Int64N(int64(span))))
		if st != app.CardFrozen {
			nc := newCard(h, c.StatusAt.Add(time.Duration(1+r.IntN(4))*time.Hour))
			nc.balance, nc.counter = 0, 0 // the old balance moves over when it is first used
		}
	}
	for _, h := range g.holders {
		g.stats.Cards += len(h.Cards)
	}
	return nil
}

// push queues an event, unless it falls after now: the history stops there.
func (g *Generator) push(e *event) {
	if e.at.After(g.p.Now) {
		return
	}
	g.seq++
	e.seq = g.seq
	heap.Push(&g.q, e)
}

// run plays the whole history into the sink.
func (g *Generator) run() error {
	if err := g.setup(); err != nil {
		return err
	}
	for i := range g.days {
		g.pushDay(i)
		end := g.p.Now
		if i+1 < len(g.days) {
			end = g.days[i+1]
		}
		for len(g.q) > 0 && g.q[0].at.Before(end) {
			if err := g.handle(heap.Pop(&g.q).(*event)); err != nil {
				return err
			}
		}
	}
	for len(g.q) > 0 {
		if err := g.handle(heap.Pop(&g.q).(*event)); err != nil {
			return err
		}
	}
	if g.stats.Recharges != int64(g.p.Recharges) {
		return fmt.Errorf("gen: booked %d recharges, planned %d", g.stats.Recharges, g.p.Recharges)
	}
	g.stats.FirstDay, g.stats.LastDay = g.p.Cfg.SettleDay(g.days[0]), g.p.Cfg.SettleDay(g.days[len(g.days)-1])
	return g.sink.Finish(g.devices)
}

func (g *Generator) setup() error {
	at := g.setupAt
	s := g.sink
	for _, st := range g.staff {
		if err := s.Staff(at, st); err != nil {
			return err
		}
	}
	for _, d := range append(append([]*devicePlan{}, g.devices...), g.others...) {
		if err := s.Device(at, d); err != nil {
			return err
		}
	}
	for _, h := range g.holders {
		if err := s.IssueCard(at, h.Cards[0]); err != nil {
			return err
		}
	}
	for _, o := range g.ops {
		if o == g.succ {
			g.push(&event{at: o.Hired, kind: evHire, op: o})
			continue
		}
		if err := s.Operator(at, o); err != nil {
			return err
		}
		if err := s.Bind(at, o, g.admin); err != nil {
			return err
		}
	}
	g.push(&event{at: g.retireAt, kind: evRetire, op: g.retiring})
	for _, h := range g.holders {
		for i, c := range h.Cards {
			if !c.StatusAt.IsZero() {
				g.push(&event{at: c.StatusAt, kind: evCardStatus, card: c})
			}
			if i > 0 {
				g.push(&event{at: c.IssuedAt, kind: evIssueCard, card: c})
			}
		}
	}
	return nil
}

// shiftOp is who works device k's shift s on day i, authorizing at. At weekends spares
// stand in for the regulars who are not designated to their POS; no spare works two POS
// in the same shift.
func (g *Generator) shiftOp(k, s, i int, at time.Time) *opPlan {
	o := g.regular[k][s]
	if wd := g.days[i].Weekday(); (wd == time.Saturday || wd == time.Sunday) && o.DesignatedDevice == "" {
		o = g.spares[(k/2+s+i)%len(g.spares)]
	}
	if o == g.retiring && !at.Before(g.retireAt) {
		o = g.succ
	}
	return o
}

func (g *Generator) pushDay(i int) {
	for k, d := range g.devices {
		for s, off := range []time.Duration{morningAuthAt, changeAuthAt} {
			at := g.dayAt(i, off+time.Duration(g.r.IntN(40_000))*time.Millisecond)
			g.push(&event{at: at, kind: evAuthorize, auth: &authPlan{Dev: d, Op: g.shiftOp(k, s, i, at)}})
		}
	}
	n := g.counts[i]
	stop := closeAt
	if i == len(g.days)-1 {
		stop = g.lastDayStop()
	}
	top := g.shareBefore(stop)
	for j := 0; j < n; j++ {
		g.push(&event{at: g.dayAt(i, g.timeOfDay(top)), kind: evArrival})
	}
}

// timeOfDay draws when a recharge is made, among the day's recharges before share top.
func (g *Generator) timeOfDay(top float64) time.Duration {
	for {
		u := g.r.Float64() * top
		m := sort.SearchFloat64s(g.minute, u)
		off := openAt + time.Duration(m)*time.Minute + time.Duration(g.r.Int64N(int64(time.Minute)))
		off = off.Truncate(time.Millisecond)
		if off < changeFrom || off >= changeTo {
			return off
		}
	}
}

// timeOfDayOf is how long after local midnight t is.
func (g *Generator) timeOfDayOf(t time.Time) time.Duration {
	l := t.In(g.loc)
	return l.Sub(time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, g.loc))
}

func (g *Generator) handle(e *event) error {
	switch e.kind {
	case evAuthorize:
		return g.authorize(e)
	case evArrival:
		return g.arrive(e)
	case evFollow:
		return g.follow(e.rech)
	case evApply:
		return g.sink.ApplyReversal(e.at, e.rech.ReversalID)
	case evLostReverse:
		e.tomb.Serial = e.tomb.Dev.serial()
		return g.sink.LostRecharge(e.tomb)
	case evApplyLost:
		return g.sink.ApplyReversal(e.at, e.tomb.ID)
	case evRepairBegin:
		return g.beginRepair(e)
	case evRepairDone:
		return g.completeRepair(e.rech)
	case evCardStatus:
		return g.sink.CardStatus(e.at, e.card, g.admin)
	case evIssueCard:
		return g.sink.IssueCard(e.at, e.card)
	case evHire:
		if err := g.sink.Operator(e.at, e.op); err != nil {
			return err
		}
		return g.sink.Bind(e.at, e.op, g.admin)
	case evRetire:
		return g.sink.RetireOperator(e.at, e.op, g.admin)
	}
	return fmt.Errorf("gen: unknown event %d", e.kind)
}

func (g *Generator) authorize(e *event) error {
	a, d := e.auth, e.auth.Dev
	g.ids.auth++
	a.ID, a.DeviceID, a.OperatorID, a.CardNo = g.ids.auth, d.ID, a.Op.ID, a.Op.AuthCard.No
	a.BatchNo, a.StartedAt, a.Serial = d.nextBatch, e.at, d.serial()
	d.nextBatch++
	code, err := g.sink.Authorize(a)
	if err != nil {
		return err
	}
	a.AuthCode = code
	d.current = a
	g.stats.Authorizations++
	return nil
}

// pickCard draws a cardholder who comes to recharge at t, and the card they hold.
func (g *Generator) pickCard(t time.Time) (*cardPlan, error) {
	for try := 0; try < 1000; try++ {
		h := g.holders[g.r.IntN(len(g.holders))]
		if h.Staff && g.r.IntN(2) == 0 {
			continue
		}
		var c *cardPlan
		for i, x := range h.Cards {
			if x.usableAt(t) {
				c = x
				if i > 0 && c.counter == 0 {
					// A replacement card: the balance of the old one moves over.
					old := h.Cards[i-1]
					c.balance, c.counter, c.seen = old.balance, 1, t
				}
			}
		}
		if c == nil {
			continue
		}
		if t.After(c.seen) {
			c.spendUntil(g.r, t)
		}
		if c.balance+app.Yuan > g.p.Cfg.BalanceCeiling {
			continue // nobody tops up a full card
		}
		return c, nil
	}
	return nil, fmt.Errorf("gen: no usable card at %s", t)
}

func (g *Generator) pickAmount(balance app.Fen) app.Fen {
	total := 0
	for _, a := range amounts {
		total += a.weight
	}
	x := g.r.IntN(total)
	var amount app.Fen
	for _, a := range amounts {
		if x -= a.weight; x < 0 {
			amount = a.yuan * app.Yuan
			break
		}
	}
	room := g.p.Cfg.BalanceCeiling - balance
	for _, a := range []app.Fen{500, 300, 200, 100, 50, 30, 20, 10} {
		if amount <= room {
			break
		}
		amount = a * app.Yuan
	}
	if amount > room {
		amount = room - room%app.Yuan // whole yuan, at least 1 (pickCard saw to it)
	}
	return amount
}

// pickDevice chooses a free POS at t whose operator may still take amount today.
func (g *Generator) pickDevice(t time.Time, amount app.Fen) (*devicePlan, time.Time) {
	total := 0
	for _, d := range g.devices {
		total += d.Weight
	}
	ok := func(d *devicePlan) bool {
		if d.current == nil {
			return false
		}
		max := d.current.Op.DailyMax
		return max == 0 || g.booked[opDay{d.current.OperatorID, g.p.Cfg.SettleDay(t)}]+amount <= max
	}
	for try := 0; try < 6; try++ {
		x := g.r.IntN(total)
		for _, d := range g.devices {
			if x -= d.Weight; x < 0 {
				if !d.freeAt.After(t) && ok(d) {
					return d, t
				}
				break
			}
		}
	}
	var best *devicePlan
	for _, d := range g.devices {
		if ok(d) && (best == nil || d.freeAt.Before(best.freeAt)) {
			best = d
		}
	}
	if best == nil {
		return nil, time.Time{}
	}
	if best.freeAt.After(t) {
		return nil, best.freeAt
	}
	return best, t
}

func (g *Generator) arrive(e *event) error {
	t := e.at
	day := g.p.Cfg.SettleDay(t)
	if off := g.timeOfDayOf(t); off >= changeFrom && off < changeTo {
		e.at = t.Add(changeTo - off)
		g.push(e)
		return nil
	}
	c, err := g.pickCard(t)
	if err != nil {
		return err
	}
	amount := g.pickAmount(c.balance)
	d, later := g.pickDevice(t, amount)
	if d == nil {
		if later.IsZero() || g.p.Cfg.SettleDay(later) != day || later.After(g.p.Now.Add(-time.Minute)) {
			return fmt.Errorf("gen: no recharge POS free at %s: the site is too busy for this many recharges a day", t.Format(time.DateTime))
		}
		e.at = later
		g.push(e)
		return nil
	}
	d.freeAt = t.Add(posBusyFor)
	if g.r.Float64() < g.rates.Lost {
		// The request is lost on the way; the POS times out, reverses, and the cardholder
		// tries again on the same POS.
		tp := &tombstonePlan{Dev: d, OrigSerial: d.serial(), CardNo: c.No, Amount: amount, At: t.Add(reverseAfter)}
		tp.ApplyAt = tp.At.Add(g.p.Cfg.ReversalDelay)
		if !tp.At.After(g.p.Now) {
			g.ids.reversal++
			tp.ID = g.ids.reversal
			g.stats.Tombstones++
		}
		g.push(&event{at: tp.At, kind: evLostReverse, tomb: tp})
		g.push(&event{at: tp.ApplyAt, kind: evApplyLost, tomb: tp})
		e.at = d.freeAt
		g.push(e)
		return nil
	}
	a := d.current
	g.ids.recharge++
	rp := &rechargePlan{Recharge: app.Recharge{ID: g.ids.recharge, DeviceID: d.ID, Serial: d.serial(), AuthorizationID: a.ID,
		OperatorID: a.OperatorID, CardNo: c.No, Amount: amount, BalanceBefore: c.balance, CounterBefore: c.counter,
		BookedAt: t, SettleDay: day, Booking: app.Booked, CardWrite: app.WritePending},
		Dev: d, Auth: a, Op: a.Op, Card: c, AuthCode: a.AuthCode}
	g.booked[opDay{a.OperatorID, day}] += amount
	g.stats.Recharges++
	g.stats.Booked += amount
	if g.progress != nil && g.stats.Recharges%1_000_000 == 0 {
		g.progress(g.stats.Recharges)
	}
	rt := g.rates
	switch x := g.r.Float64(); {
	case x < rt.Reversed:
		rp.Fate = fateReversed
	case x < rt.Reversed+rt.Cancel:
		rp.Fate, rp.Landed = fateCancel, g.r.Float64() < rt.CancelCredited
	case x < rt.Reversed+rt.Cancel+rt.Unknown:
		rp.Fate, rp.Landed = fateUnknown, g.r.Float64() < rt.UnknownCredited
	default:
		rp.Fate, rp.Landed = fateWritten, true
	}
	if rp.Landed {
		c.balance += amount
		c.counter++
	} else {
		g.stats.NotLanded++
	}
	g.plan(rp)
	return g.sink.Recharge(rp)
}

// plan fixes what happens to a booked recharge by now, so that the recharge row can be
// written as it ends up; ids are taken in the order the host will receive the messages.
func (g *Generator) plan(rp *rechargePlan) {
	now, t := g.p.Now, rp.BookedAt
	switch rp.Fate {
	case fateWritten:
		rp.FollowAt = t.Add(confirmAfter)
		if !rp.FollowAt.After(now) {
			rp.CardWrite, rp.ConfirmedAt = app.WriteWritten, rp.FollowAt
		}
	case fateReversed:
		rp.FollowAt = t.Add(reverseAfter)
		if !rp.FollowAt.After(now) {
			g.ids.reversal++
			rp.ReversalID = g.ids.reversal
		}
		if rp.ApplyAt = rp.FollowAt.Add(g.p.Cfg.ReversalDelay); !rp.ApplyAt.After(now) {
			rp.Booking, rp.Recharge.ReversalID = app.Reversed, rp.ReversalID
			g.stats.Reversed++
			g.stats.ReversedFen += rp.Amount
		} else {
			rp.ApplyAt = time.Time{}
		}
	case fateCancel:
		rp.FollowAt = t.Add(cancelAfter)
		if !rp.FollowAt.After(now) {
			g.ids.cancel++
			rp.CancelID, rp.Recharge.CancelID = g.ids.cancel, g.ids.cancel
			rp.CardWrite = app.WriteCancelReported
			g.stats.Cancels++
		}
	case fateUnknown:
		g.stats.Unknown++
	}
	if rp.FollowAt.After(now) {
		rp.FollowAt = time.Time{}
	}
	if !rp.FollowAt.IsZero() {
		g.push(&event{at: rp.FollowAt, kind: evFollow, rech: rp})
	}
	if !rp.ApplyAt.IsZero() {
		g.push(&event{at: rp.ApplyAt, kind: evApply, rech: rp})
	}
	toDesk := (rp.Fate == fateCancel && !rp.FollowAt.IsZero() && g.r.Float64() < g.rates.CancelToDesk) ||
		(rp.Fate == fateUnknown && g.r.Float64() < g.rates.UnknownToDesk)
	if toDesk {
		wait := max(0.3*24*float64(time.Hour), float64(g.p.Cfg.WriteUnknownAfter+time.Minute))
		at := t.Add(time.Duration(wait + g.r.Float64()*5.7*24*float64(time.Hour)))
		local := at.In(g.loc)
		day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, g.loc)
		if off := local.Sub(day); off < deskOpens || off >= deskCloses {
			at = day.AddDate(0, 0, 1).Add(deskOpens + time.Duration(g.r.Int64N(int64(deskCloses-deskOpens))))
		}
		g.push(&event{at: at.Truncate(time.Millisecond), kind: evRepairBegin, rech: rp})
	}
}

func (g *Generator) follow(rp *rechargePlan) error {
	rp.FollowSerial = rp.Dev.serial()
	switch rp.Fate {
	case fateWritten:
		return g.sink.Confirm(rp)
	case fateCancel:
		return g.sink.Cancel(rp)
	case fateReversed:
		return g.sink.Reverse(rp)
	}
	return fmt.Errorf("gen: recharge %d has no follow-up", rp.ID)
}

func (g *Generator) beginRepair(e *event) error {
	rp, c := e.rech, e.rech.Card
	if e.at.After(c.seen) {
		c.spendUntil(g.r, e.at)
	}
	g.ids.repair++
	rp.RepairBy = g.clerks[g.r.IntN(len(g.clerks))]
	rp.Repair = app.Repair{ID: g.ids.repair, RechargeID: rp.ID, Ref: app.RepairRef(rp.ID), State: app.RepairIntent,
		Staff: rp.RepairBy.User, CardBalanceBefore: c.balance, CardCounterBefore: c.counter, StartedAt: e.at}
	rp.Recharge.RepairID = rp.Repair.ID
	done := e.at.Add(repairTakes)
	if !done.After(g.p.Now) {
		rp.Repair.FinishedAt = done
		rp.Repair.State, rp.Repair.CardBalanceAfter, rp.Repair.CardCounterAfter = app.RepairFoundOnCard, c.balance, c.counter
		if !rp.Landed {
			rp.Repair.State = app.RepairWritten
			rp.Repair.CardBalanceAfter, rp.Repair.CardCounterAfter = c.balance+rp.Amount, c.counter+1
		}
		g.push(&event{at: done, kind: evRepairDone, rech: rp})
	}
	g.stats.Repairs++
	return g.sink.BeginRepair(rp)
}

func (g *Generator) completeRepair(rp *rechargePlan) error {
	c := rp.Card
	if e := rp.Repair.FinishedAt; e.After(c.seen) {
		c.spendUntil(g.r, e)
	}
	if rp.Repair.State == app.RepairWritten {
		c.balance += rp.Amount
		c.counter++
		rp.CardWrite = app.WriteRepaired
	} else {
		rp.CardWrite = app.WriteFoundOnCard
	}
	return g.sink.CompleteRepair(rp)
}
