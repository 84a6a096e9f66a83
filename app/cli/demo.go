package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"cardcenter/app"
	"cardcenter/app/provision"
	"cardcenter/cardio"
	"cardcenter/cardio/vcard"
	"cardcenter/store"
)

const demoUsage = `usage:
  cardcenter demo setup --dir DIR [--force]   a demo site: ledger, site key, virtual cards in known states
  cardcenter demo tray --dir DIR [--vpcd ADDR] lay the demo's virtual cards on a vpcd reader; swap them
                                               from this terminal, or from the desk (F5) in demo mode`

// The demo's cast. Each card is in a state a clerk meets at the desk.
type demoCard struct {
	CardNo, HolderNo, Name, Dept string
	UID                          []byte
	Balance                      app.Fen   // on the card before the story
	Past                         []app.Fen // recharges already on the card, oldest first (Σ ≤ Balance)
	Story                        string
}

var demoCards = []demoCard{
	{"20260001", "2023010101", "张三", "计算机学院", []byte{0xD0, 0x00, 0x00, 0x01}, 3520, []app.Fen{2000, 1000},
		"recharged 100 yuan at P001; the card write failed and the operator pressed Cancel: the money never reached the card"},
	{"20260002", "2023010102", "李四", "外国语学院", []byte{0xD0, 0x00, 0x00, 0x02}, 800, []app.Fen{500},
		"recharged 50 yuan at P002; the card was written but the POS's confirm was lost: the money is on the card"},
	{"20260003", "2023010103", "王五", "物理学院", []byte{0xD0, 0x00, 0x00, 0x03}, 12000, []app.Fen{5000, 5000},
		"recharged 20 yuan, cancelled at 请重刷卡, then reported the card lost: the desk must not write it"},
	{"20260004", "2023010104", "赵六", "数学学院", []byte{0xD0, 0x00, 0x00, 0x04}, 6600, []app.Fen{3000, 2000},
		"nothing awaits the desk"},
	{"20260005", "2023010105", "钱七", "化学学院", []byte{0xD0, 0x00, 0x00, 0x05}, 1200, nil,
		"recharged 30 yuan at P001, cancelled at 请重刷卡, then topped up seven times since: the card's log no longer reaches back, the desk cannot tell; a supervisor decides (异常处理), another clerk writes"},
}

// Demo desk accounts (printed by setup and in the README).
var demoStaff = []struct {
	User, Name string
	Role       app.Role
	Pass       string
}{
	{"admin", "系统管理员", app.RoleAdmin, "demo-admin-1"},
	{"clerk", "柜员小陈", app.RoleClerk, "demo-clerk-1"},
	{"boss", "结算主管", app.RoleSupervisor, "demo-boss-1"},
}

func runDemo(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, demoUsage)
		return errUsage
	}
	switch args[0] {
	case "setup":
		return runDemoSetup(ctx, e, args[1:])
	case "tray":
		return runDemoTray(ctx, e, args[1:])
	}
	fmt.Fprintln(e.stderr, demoUsage)
	return errUsage
}

func demoPaths(dir string) (db, key string) {
	return filepath.Join(dir, "demo.db"), filepath.Join(dir, "site.key")
}

// demoProvisionDir holds the demo devices' secret files (for pos --secret-file).
func demoProvisionDir(dir string) string { return filepath.Join(dir, "provision") }

func demoCardFile(dir, cardNo string) string { return filepath.Join(dir, "card-"+cardNo+".json") }

func runDemoSetup(ctx context.Context, e *env, args []string) error {
	fs := newFlags("demo setup", e)
	dir := fs.String("dir", "demo", "directory for the demo site")
	force := fs.Bool("force", false, "replace an existing demo")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dbPath, keyPath := demoPaths(*dir)
	if _, err := os.Stat(dbPath); err == nil && !*force {
		fmt.Fprintf(e.stdout, "demo already set up in %s (--force to start over)\n", *dir)
		return nil
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm", keyPath} {
		os.Remove(p)
	}
	key, err := cardio.LoadOrCreateKeyFile(keyPath)
	if err != nil {
		return err
	}
	// The story starts five days ago at 08:00 and the clock walks to now.
	now := e.clock.Now()
	start := time.Date(now.Year(), now.Month(), now.Day(), 8, 0, 0, 0, e.cfg.Location).AddDate(0, 0, -5)
	clock := app.NewManualClock(start)
	st, err := store.Open(dbPath, store.Options{Create: true, SealKey: key.LedgerSealKey()})
	if err != nil {
		return err
	}
	defer st.Close()
	svc := app.New(st, clock, e.cfg, e.log)
	if err := demoSite(ctx, svc, clock, now, key, *dir); err != nil {
		return fmt.Errorf("demo setup: %w", err)
	}
	fmt.Fprintf(e.stdout, "demo site in %s: ledger %s, site key %s\n", *dir, dbPath, keyPath)
	fmt.Fprintln(e.stdout, "desk accounts:")
	for _, s := range demoStaff {
		fmt.Fprintf(e.stdout, "  %-6s %-14s password %s\n", s.User, s.Role, s.Pass)
	}
	fmt.Fprintln(e.stdout, "cards:")
	for _, c := range demoCards {
		fmt.Fprintf(e.stdout, "  %s %s  %s\n", c.CardNo, c.Name, c.Story)
	}
	return nil
}

// demoSite builds the demo through the real use cases, so every record obeys the rules.
func demoSite(ctx context.Context, svc *app.Service, clock *app.ManualClock, end time.Time, key cardio.SiteKey, dir string) error {
	a := app.SystemActor
	for _, s := range demoStaff {
		if err := svc.CreateStaff(ctx, a, s.User, s.Name, s.Role, s.Pass); err != nil {
			return err
		}
	}
	for _, d := range []app.DeviceInput{
		{ID: "P001", Name: "一食堂充值机", Model: app.ModelRechargePOS, Location: "一食堂一楼"},
		{ID: "P002", Name: "图书馆充值机", Model: app.ModelRechargePOS, Location: "图书馆大厅"},
		{ID: "C001", Name: "一食堂消费机", Model: "0101", Location: "一食堂一楼"},
	} {
		dev, secret, err := svc.RegisterDevice(ctx, a, d)
		if err != nil {
			return err
		}
		// Each POS gets its secret the way a real one does: a file written once, 0600.
		if _, err := provision.Write(demoProvisionDir(dir), dev.ID, secret); err != nil {
			return err
		}
	}
	ops := []struct{ no, name, card string }{{"OP01", "张敏", "80000001"}, {"OP02", "李强", "80000002"}}
	for i, o := range ops {
		if _, err := svc.IssueCard(ctx, a, app.IssueCardInput{HolderNo: fmt.Sprintf("T%04d", i+1), HolderName: o.name, Dept: "卡务中心", CardNo: o.card}); err != nil {
			return err
		}
		op, err := svc.CreateOperator(ctx, a, app.OperatorInput{OpNo: o.no, Name: o.name, PIN: "123456", DailyMax: 20000 * app.Yuan, Enabled: true})
		if err != nil {
			return err
		}
		if err := svc.BindCard(ctx, a, op.ID, o.card); err != nil {
			return err
		}
	}
	for _, c := range demoCards {
		if _, err := svc.IssueCard(ctx, a, app.IssueCardInput{HolderNo: c.HolderNo, HolderName: c.Name, Dept: c.Dept, CardNo: c.CardNo,
			UID: fmt.Sprintf("%X", c.UID)}); err != nil {
			return err
		}
	}
	// Background: 40 more cardholders recharging over five days at both POS.
	for i := 0; i < 40; i++ {
		if _, err := svc.IssueCard(ctx, a, app.IssueCardInput{HolderNo: fmt.Sprintf("20230200%02d", i), HolderName: demoName(i),
			Dept: "各学院", CardNo: fmt.Sprintf("202602%02d", i)}); err != nil {
			return err
		}
	}
	serial := map[string]int64{}
	next := func(dev string) int64 { serial[dev]++; return serial[dev] }
	sessions := map[string]app.AuthorizeResult{}
	authorize := func(dev string, op int) error {
		r, err := svc.Authorize(ctx, app.AuthorizeRequest{DeviceID: dev, Serial: next(dev), CardNo: ops[op].card, PIN: "123456"})
		sessions[dev] = r
		return err
	}
	recharge := func(dev, card string, balance app.Fen, counter int64, yuan int64) (app.RechargeRequest, error) {
		s := sessions[dev]
		req := app.RechargeRequest{DeviceID: dev, Serial: next(dev), BatchNo: s.BatchNo, AuthCode: s.AuthCode, CardNo: card,
			CardBalance: balance, CardCounter: counter, Amount: app.Fen(yuan) * app.Yuan}
		_, err := svc.Recharge(ctx, req)
		return req, err
	}
	// Each background card as a POS reads it: what it was recharged, and spent at the canteen
	// between days (every write moves the counter, which the ledger remembers).
	type cardState struct {
		balance app.Fen
		counter int64
	}
	bg := map[string]*cardState{}
	for i := 0; i < 40; i++ {
		bg[fmt.Sprintf("202602%02d", i)] = &cardState{balance: 1000, counter: 3}
	}
	for day := 0; day < 5; day++ {
		if err := authorize("P001", 0); err != nil {
			return err
		}
		if err := authorize("P002", 1); err != nil {
			return err
		}
		for k := 0; k < 24; k++ {
			clock.Advance(17 * time.Minute)
			dev := []string{"P001", "P002"}[k%2]
			no := fmt.Sprintf("202602%02d", (day*7+k)%40)
			c := bg[no]
			req, err := recharge(dev, no, c.balance, c.counter, []int64{50, 100, 200, 50, 100}[k%5])
			if err != nil {
				return err
			}
			if _, err := svc.Confirm(ctx, app.ConfirmRequest{DeviceID: dev, Serial: next(dev), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount}); err != nil {
				return err
			}
			c.balance, c.counter = c.balance+req.Amount, c.counter+1
			if k == 11 { // a timeout: reversed automatically
				r2, err := recharge(dev, req.CardNo, c.balance, c.counter, 100)
				if err != nil {
					return err
				}
				if _, err := svc.Reverse(ctx, app.ReverseRequest{DeviceID: dev, Serial: next(dev), OrigSerial: r2.Serial, CardNo: r2.CardNo, Amount: r2.Amount}); err != nil {
					return err
				}
			}
		}
		for _, c := range bg { // a day of meals
			spent := min(c.balance, 23*app.Yuan)
			c.balance, c.counter = c.balance-spent, c.counter+2
		}
		clock.Set(clock.Now().Add(24 * time.Hour).Truncate(time.Hour).Add(-7 * time.Hour)) // next morning
		if _, err := svc.ApplyDueReversals(ctx); err != nil {
			return err
		}
	}
	// Today, the cast's stories, an hour or two before now.
	clock.Set(end.Add(-2 * time.Hour))
	if err := authorize("P001", 0); err != nil {
		return err
	}
	if err := authorize("P002", 1); err != nil {
		return err
	}
	for _, c := range demoCards {
		chip, err := vcard.NewBlankChip(c.UID)
		if err != nil {
			return err
		}
		r := vcard.NewReader(chip)
		// The card's past: recharges at P002 over the last weeks, and what the cardholder
		// spent since (in the opening balance, since the layout has no debit here); the
		// balance ends as the story needs it.
		var past app.Fen
		for _, p := range c.Past {
			past += p
		}
		if _, err := cardio.Issue(vcard.InProc{R: r}, key, cardio.Personal{CardNo: c.CardNo, Holder: c.HolderNo,
			Issued: end.UTC().AddDate(-1, 0, 0).Truncate(24 * time.Hour), Expires: end.UTC().AddDate(3, 0, 0).Truncate(24 * time.Hour),
			Balance: int64(c.Balance - past)}); err != nil {
			return err
		}
		for i, amount := range c.Past {
			card, err := cardio.Read(vcard.InProc{R: r}, key)
			if err != nil {
				return err
			}
			if _, err := cardio.Credit(vcard.InProc{R: r}, key, card, cardio.Txn{Kind: cardio.KindRecharge, Amount: int64(amount),
				Ref: cardio.Ref{Terminal: "P002", Serial: int64(9000 + i)}, Time: end.AddDate(0, 0, -7*(len(c.Past)-i))}); err != nil {
				return err
			}
		}
		card, err := cardio.Read(vcard.InProc{R: r}, key)
		if err != nil {
			return err
		}
		clock.Advance(7 * time.Minute)
		switch c.CardNo {
		case "20260001", "20260003":
			req, err := recharge("P001", c.CardNo, app.Fen(card.Purse.Balance), int64(card.Purse.Counter), map[string]int64{"20260001": 100, "20260003": 20}[c.CardNo])
			if err != nil {
				return err
			}
			if _, err := svc.Cancel(ctx, app.CancelRequest{DeviceID: "P001", Serial: next("P001"), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount}); err != nil {
				return err
			}
			if c.CardNo == "20260003" {
				if err := svc.SetCardStatus(ctx, app.Actor{User: "admin", Role: app.RoleAdmin}, c.CardNo, app.CardLost); err != nil {
					return err
				}
			}
		case "20260005":
			req, err := recharge("P001", c.CardNo, app.Fen(card.Purse.Balance), int64(card.Purse.Counter), 30)
			if err != nil {
				return err
			}
			if _, err := svc.Cancel(ctx, app.CancelRequest{DeviceID: "P001", Serial: next("P001"), OrigSerial: req.Serial, CardNo: req.CardNo, Amount: req.Amount}); err != nil {
				return err
			}
			// Seven top-ups since: the log keeps six, so it no longer covers every write since
			// the recharge, and the card cannot prove it either way.
			for i := range 7 {
				if card, err = cardio.Read(vcard.InProc{R: r}, key); err != nil {
					return err
				}
				if _, err := cardio.Credit(vcard.InProc{R: r}, key, card, cardio.Txn{Kind: cardio.KindRecharge, Amount: int64(10 * app.Yuan),
					Ref: cardio.Ref{Terminal: "P002", Serial: int64(9100 + i)}, Time: clock.Now().Add(time.Duration(i+1) * 9 * time.Minute)}); err != nil {
					return err
				}
			}
		case "20260002":
			req, err := recharge("P002", c.CardNo, app.Fen(card.Purse.Balance), int64(card.Purse.Counter), 50)
			if err != nil {
				return err
			}
			if _, err := cardio.Credit(vcard.InProc{R: r}, key, card, cardio.Txn{Kind: cardio.KindRecharge, Amount: int64(req.Amount),
				Ref: cardio.Ref{Terminal: "P002", Serial: req.Serial}, Time: clock.Now()}); err != nil {
				return err
			}
		}
		c2 := r.Chip()
		if err := vcard.SaveChip(demoCardFile(dir, c.CardNo), &c2); err != nil {
			return err
		}
	}
	clock.Set(end)
	if _, err := svc.ApplyDueReversals(ctx); err != nil {
		return err
	}
	_, err := svc.Settle(ctx, a)
	return err
}

func demoName(i int) string {
	family := []rune("陈林黄周吴徐孙马朱胡郭何高罗郑梁谢宋唐许")
	given := []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平")
	return string(family[i%len(family)]) + string(given[(i*7)%len(given)])
}
