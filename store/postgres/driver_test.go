package postgres

import "testing"

func TestPGRewrite(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{`SELECT a FROM t WHERE x = ? AND y = ?`, `SELECT a FROM t WHERE x = $1 AND y = $2`},
		{`SELECT '?', 'it''s ?' FROM t WHERE x = ?`, `SELECT '?', 'it''s ?' FROM t WHERE x = $1`},
		{"SELECT 1 -- the POS's ?\nFROM t WHERE x = ?", "SELECT 1 -- the POS's ?\nFROM t WHERE x = $1"},
		{`WHERE (?1 = '' OR actor = ?1) LIMIT ?3`, `WHERE ($1 = '' OR actor = $1) LIMIT $3`},
		{`SELECT COUNT(*) FROM recharges INDEXED BY recharges_late WHERE a = ?`, `SELECT COUNT(*) FROM recharges WHERE a = $1`},
		{`FROM reversals v CROSS JOIN recharges r ON r.id = v.id`, `FROM reversals v JOIN recharges r ON r.id = v.id`},
		{`INSERT INTO recharges(a) VALUES (?)`, `INSERT INTO recharges(a) VALUES ($1) RETURNING id`},
		{`INSERT INTO staff(a) VALUES (?)`, `INSERT INTO staff(a) VALUES ($1)`},
	} {
		if got := pgRewrite(c.in).sql; got != c.out {
			t.Errorf("%q\n got %q\nwant %q", c.in, got, c.out)
		}
	}
	if s := pgRewrite(`INSERT INTO recharges(a) VALUES (?)`); !s.returnID || !s.insert {
		t.Errorf("recharge insert %+v", s)
	}
	if s := pgRewrite(`INSERT INTO staff(a) VALUES (?)`); s.returnID || !s.insert {
		t.Errorf("staff insert %+v", s)
	}
}
