package pgtest

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Cluster is a PostgreSQL server of one test's own, for fault tests that restart or kill
// it: the server make test started is shared by every package's tests and must not be.
type Cluster struct {
	t   testing.TB
	dir string
	as  []string // run as postgres when root: initdb refuses root
}

const bindir = "/usr/lib/postgresql/15/bin"

// Private starts a cluster in a temporary directory (fsync on, a Unix socket only), stopped
// and removed when the test ends. Under CI=true its absence fails the test.
func Private(t testing.TB) *Cluster {
	t.Helper()
	if _, err := os.Stat(filepath.Join(bindir, "initdb")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL 15 needed under CI=true: %v", err)
		}
		t.Skipf("no PostgreSQL 15 (%v), skipped", err)
	}
	// Not t.TempDir: its parents are the test binary's, closed to the postgres user.
	dir, err := os.MkdirTemp("", "cardcenter-pgfault.")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{t: t, dir: dir}
	if os.Getuid() == 0 {
		c.as = []string{"runuser", "-u", "postgres", "--"}
		if out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
	}
	t.Cleanup(func() {
		c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "stop")
		os.RemoveAll(dir)
	})
	if out, err := c.run("initdb", "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.Start()
	return c
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	argv := append(append([]string{}, c.as...), append([]string{filepath.Join(bindir, name)}, args...)...)
	return exec.Command(argv[0], argv[1:]...).CombinedOutput()
}

// Start starts the server and waits until it takes connections.
func (c *Cluster) Start() {
	c.t.Helper()
	if out, err := c.run("pg_ctl", "-D", c.data(), "-w", "-t", "60", "-l", filepath.Join(c.dir, "server.log"),
		"-o", "-c fsync=on -c full_page_writes=on -c listen_addresses='' -k "+c.dir+" -p 5432", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		c.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// RestartImmediate is a crash and a start: `pg_ctl restart -m immediate` (no checkpoint;
// the server recovers from its WAL).
func (c *Cluster) RestartImmediate() {
	c.t.Helper()
	if out, err := c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "-t", "60", "-l", filepath.Join(c.dir, "server.log"),
		"-o", "-c fsync=on -c full_page_writes=on -c listen_addresses='' -k "+c.dir+" -p 5432", "restart"); err != nil {
		c.t.Fatalf("pg_ctl restart: %v\n%s", err, out)
	}
}

// DSN creates a database on the cluster and returns its address.
func (c *Cluster) DSN(name string) string {
	c.t.Helper()
	if out, err := c.run("psql", "-h", c.dir, "-p", "5432", "-U", "postgres", "-d", "postgres", "-qc", "CREATE DATABASE "+name); err != nil {
		c.t.Fatalf("create database: %v\n%s", err, out)
	}
	q := url.Values{}
	q.Set("host", c.dir)
	q.Set("port", "5432")
	q.Set("user", "postgres")
	q.Set("sslmode", "disable")
	return fmt.Sprintf("postgres:///%s?%s", name, q.Encode())
}
