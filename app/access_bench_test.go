package app_test

import (
	"testing"

	"cardcenter/app"
	"cardcenter/app/apptest"
)

// What the ledger's own role check costs a desk call: the same read as the host's own
// programs (no check), as a stored account, and as a session (account + session row).
func BenchmarkAccessCheck(b *testing.B) {
	s := apptest.New(b, apptest.Options{})
	sess, err := s.Svc.Login(ctx, "clerk1", "clerk-pass-1")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		actor app.Actor
	}{{"system", app.SystemActor}, {"account", s.Clerk}, {"session", sess}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Svc.CardByNo(ctx, c.actor, apptest.UserCard(0)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
