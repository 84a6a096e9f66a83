package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"

	sqlite3 "github.com/mattn/go-sqlite3"

	"cardcenter/store/engine"
)

// groupWriter serializes every write through the one writer connection and commits the
// transactions of callers that arrive together in one COMMIT (group commit): one fsync for
// many recharges. Each caller's work runs inside its own SAVEPOINT, so a caller that fails
// rolls back alone and the others are still committed; a caller hears back only after the
// COMMIT that holds its work is durable.
type groupWriter struct {
	db       *sql.DB
	maxBatch int
	reqs     chan *writeReq
	done     chan struct{}
	once     sync.Once
}

type writeReq struct {
	ctx context.Context
	fn  func(context.Context, engine.Querier) error
	err chan error
}

func newGroupWriter(db *sql.DB, maxBatch int) *groupWriter {
	g := &groupWriter{db: db, maxBatch: maxBatch, reqs: make(chan *writeReq, 4*maxBatch), done: make(chan struct{})}
	go g.loop()
	return g
}

var errClosed = fmt.Errorf("store is closed")

func (g *groupWriter) do(ctx context.Context, fn func(context.Context, engine.Querier) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := &writeReq{ctx: ctx, fn: fn, err: make(chan error, 1)}
	defer func() {
		if recover() != nil { // send on a closed channel: the store was closed
			err = errClosed
		}
	}()
	g.reqs <- req
	// Once queued, wait for the outcome even if ctx ends: the work may be committed, and
	// the caller must not believe otherwise.
	return <-req.err
}

func (g *groupWriter) close() {
	g.once.Do(func() { close(g.reqs) })
	<-g.done
}

func (g *groupWriter) loop() {
	defer close(g.done)
	batch := make([]*writeReq, 0, g.maxBatch)
	for first := range g.reqs {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < g.maxBatch {
			select {
			case r, ok := <-g.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		g.commit(batch)
	}
}

func (g *groupWriter) commit(batch []*writeReq) {
	errs := make([]error, len(batch))
	// The transaction outlives any one caller's context: a cancelled caller must not roll
	// back the others' work.
	bg := context.Background()
	tx, err := beginImmediate(bg, g.db)
	if err != nil {
		for _, r := range batch {
			r.err <- fmt.Errorf("begin: %w", err)
		}
		return
	}
	single := len(batch) == 1
	for i, r := range batch {
		if tx.lost != nil {
			// SQLite rolled the transaction back under an earlier caller: running this one
			// would commit its statements one by one, outside any transaction.
			errs[i] = fmt.Errorf("not run: %w", tx.lost)
			continue
		}
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		errs[i] = runOne(tx, r, single)
	}
	switch {
	case tx.lost != nil:
		// Nothing of the batch is in the file: the callers that ran before the loss lost
		// their work with it.
		for i := range errs {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("rolled back: %w", tx.lost)
			}
		}
		tx.conn.Close() // no transaction is open on it
	case single && errs[0] != nil:
		// Alone in the transaction and failed: no savepoint was taken, roll it all back.
		if err := tx.rollback(); err != nil {
			errs[0] = fmt.Errorf("%w (and rollback: %v)", errs[0], err)
		}
	default:
		if err := tx.commit(); err != nil {
			for i := range errs {
				if errs[i] == nil {
					errs[i] = fmt.Errorf("commit: %w", err)
				}
			}
		}
	}
	for i, r := range batch {
		r.err <- errs[i]
	}
}

// runOne runs one caller's work in a savepoint (unless it is alone in the transaction,
// where the transaction itself is enough, saving two statements on the hot path).
func runOne(tx *connTx, r *writeReq, single bool) (err error) {
	ctx := context.WithoutCancel(r.ctx)
	if !single {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT w`); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write transaction panicked: %v", p)
		}
		if err != nil {
			tx.noteLoss(err)
		}
		if single || tx.lost != nil {
			return // commit() rolls back, or reports the loss to every caller
		}
		if err != nil {
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO w`); rerr != nil {
				err = fmt.Errorf("%w (and rollback to savepoint: %v)", err, rerr)
			}
		}
		if _, rerr := tx.ExecContext(ctx, `RELEASE w`); rerr != nil && err == nil {
			err = fmt.Errorf("release savepoint: %w", rerr)
		}
	}()
	return r.fn(ctx, tx)
}

// connTx is a write transaction run by hand on a dedicated connection (BEGIN IMMEDIATE …
// COMMIT, what the driver's own Begin and Commit send) rather than through sql.Tx:
// database/sql starts a goroutine to watch the context of every query made in an sql.Tx,
// which cost the single writer a tenth of its time on the Recharge path.
//
// It is also the callers' querier, and refuses to run a statement once the connection has
// left the transaction: after SQLITE_FULL, IOERR or NOMEM (and some other errors) SQLite
// rolls back the whole transaction by itself, and every later statement would run in
// autocommit, committed on its own, behind the back of a caller who is then told "failed".
type connTx struct {
	conn *sql.Conn
	// lost is set once the transaction has ended without the writer ending it.
	lost error
}

// errTxLost: the connection was found outside the transaction before a statement, so the
// error that ended it went to someone who did not say.
var errTxLost = errors.New("the write transaction was rolled back by SQLite")

func beginImmediate(ctx context.Context, db *sql.DB) (*connTx, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		conn.Close()
		return nil, err
	}
	return &connTx{conn: conn}, nil
}

// inTransaction asks SQLite whether the connection is still inside a transaction (not in
// autocommit). It costs about 85 ns, so it is asked before every statement.
func (t *connTx) inTransaction() bool {
	in := false
	err := t.conn.Raw(func(dc any) error {
		c, ok := dc.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("writer connection is a %T", dc)
		}
		in = !c.AutoCommit()
		return nil
	})
	return err == nil && in
}

// noteLoss records, after an error, whether SQLite ended the transaction with it.
func (t *connTx) noteLoss(cause error) {
	if t.lost == nil && !t.inTransaction() {
		t.lost = fmt.Errorf("%w after: %w", errTxLost, cause)
	}
}

// live refuses a statement outside the transaction.
func (t *connTx) live() error {
	if t.lost == nil && !t.inTransaction() {
		t.lost = errTxLost
	}
	return t.lost
}

func (t *connTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.live(); err != nil {
		return nil, err
	}
	res, err := t.conn.ExecContext(ctx, query, args...)
	if err != nil {
		t.noteLoss(err)
	}
	return res, err
}

func (t *connTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.live(); err != nil {
		return nil, err
	}
	rows, err := t.conn.QueryContext(ctx, query, args...)
	if err != nil {
		t.noteLoss(err)
	}
	return rows, err
}

func (t *connTx) commit() error {
	if _, err := t.ExecContext(context.Background(), `COMMIT`); err != nil {
		if t.lost != nil {
			t.conn.Close()
			return err
		}
		// SQLite may leave the transaction open after a failed COMMIT (a deferred
		// constraint, an I/O error); ROLLBACK is harmless if it did not.
		if rerr := t.rollback(); rerr != nil {
			return fmt.Errorf("%w (and rollback: %v)", err, rerr)
		}
		return err
	}
	return t.conn.Close()
}

// rollback ends the transaction; a connection that cannot roll back is discarded, never
// handed back to the pool with a transaction open.
func (t *connTx) rollback() error {
	if !t.inTransaction() {
		t.conn.Close()
		return nil // SQLite already rolled it back
	}
	_, err := t.conn.ExecContext(context.Background(), `ROLLBACK`)
	if err != nil {
		t.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	t.conn.Close()
	return err
}
