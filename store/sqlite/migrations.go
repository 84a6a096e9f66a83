package sqlite

import "strings"

// migrations are applied in order at open, each in its own transaction, and never edited
// once released: a change to the schema is a new migration at the end. PRAGMA user_version
// holds the number applied.
var migrations = []string{
	// 1: people, cards, devices, operators and their authorization cards, desk staff, audit.
	`
CREATE TABLE cardholders (
	id         INTEGER PRIMARY KEY,
	holder_no  TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	dept       TEXT NOT NULL DEFAULT ''
);
CREATE TABLE cards (
	card_no    TEXT PRIMARY KEY,
	uid        TEXT UNIQUE,          -- NULL until personalised through a reader
	holder_id  INTEGER NOT NULL REFERENCES cardholders(id),
	status     TEXT NOT NULL CHECK (status IN ('normal','lost','frozen','bad','cancelled'))
);
CREATE INDEX cards_holder ON cards(holder_id);
CREATE TABLE devices (
	id         TEXT PRIMARY KEY,     -- terminal id
	name       TEXT NOT NULL,
	model      TEXT NOT NULL,        -- 0201 = recharge POS (增值机)
	location   TEXT NOT NULL DEFAULT '',
	enabled    INTEGER NOT NULL CHECK (enabled IN (0,1)),
	secret     BLOB NOT NULL,        -- message authentication key of this device
	next_batch INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE operators (
	id                INTEGER PRIMARY KEY,
	op_no             TEXT NOT NULL UNIQUE,
	name              TEXT NOT NULL,
	pin_hash          TEXT NOT NULL,
	daily_max         INTEGER NOT NULL CHECK (daily_max >= 0),  -- fen, 0 = no limit
	designated_device TEXT REFERENCES devices(id),
	merchant          INTEGER NOT NULL CHECK (merchant IN (0,1)),
	enabled           INTEGER NOT NULL CHECK (enabled IN (0,1)),
	wrong_pins        INTEGER NOT NULL DEFAULT 0
);
-- One authorization card per operator and one operator per card (rule 10).
CREATE TABLE auth_cards (
	operator_id INTEGER NOT NULL UNIQUE REFERENCES operators(id),
	card_no     TEXT NOT NULL UNIQUE REFERENCES cards(card_no),
	bound_at    INTEGER NOT NULL,
	bound_by    TEXT NOT NULL
);
CREATE TABLE staff (
	username      TEXT PRIMARY KEY,
	display_name  TEXT NOT NULL,
	role          TEXT NOT NULL CHECK (role IN ('clerk','supervisor','admin')),
	password_hash TEXT NOT NULL,
	enabled       INTEGER NOT NULL CHECK (enabled IN (0,1))
);
CREATE TABLE audit_log (
	id      INTEGER PRIMARY KEY,
	at      INTEGER NOT NULL,
	actor   TEXT NOT NULL,
	action  TEXT NOT NULL,
	subject TEXT NOT NULL,
	detail  TEXT NOT NULL
);
CREATE TRIGGER audit_log_append_only_u BEFORE UPDATE ON audit_log
	BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_d BEFORE DELETE ON audit_log
	BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`,
	// 2: the terminal ledger: authorizations, answers kept under idempotency keys,
	// recharges and the records that concern them (reversals, cancels, desk repairs).
	`
CREATE TABLE authorizations (
	id          INTEGER PRIMARY KEY,
	device_id   TEXT NOT NULL REFERENCES devices(id),
	operator_id INTEGER NOT NULL REFERENCES operators(id),
	card_no     TEXT NOT NULL,
	batch_no    INTEGER NOT NULL,
	auth_code   TEXT NOT NULL,
	started_at  INTEGER NOT NULL,
	ended_at    INTEGER,
	UNIQUE (device_id, batch_no)
);
-- "until the next authorization on that POS": at most one open session per device.
CREATE UNIQUE INDEX authorizations_current ON authorizations(device_id) WHERE ended_at IS NULL;
CREATE TABLE terminal_answers (
	device_id    TEXT NOT NULL REFERENCES devices(id),
	serial       INTEGER NOT NULL,
	kind         TEXT NOT NULL,
	request_hash BLOB NOT NULL,
	answer       BLOB NOT NULL,
	received_at  INTEGER NOT NULL,
	PRIMARY KEY (device_id, serial)
) WITHOUT ROWID;
CREATE TABLE recharges (
	id               INTEGER PRIMARY KEY,
	device_id        TEXT NOT NULL REFERENCES devices(id),
	serial           INTEGER NOT NULL,
	authorization_id INTEGER NOT NULL REFERENCES authorizations(id),
	operator_id      INTEGER NOT NULL REFERENCES operators(id),
	card_no          TEXT NOT NULL REFERENCES cards(card_no),
	amount           INTEGER NOT NULL CHECK (amount > 0 AND amount % 100 = 0),
	balance_before   INTEGER NOT NULL,
	counter_before   INTEGER NOT NULL,
	booked_at        INTEGER NOT NULL,
	settle_day       TEXT NOT NULL,
	booking          TEXT NOT NULL CHECK (booking IN ('booked','reversed')),
	card_write       TEXT NOT NULL CHECK (card_write IN ('pending','written','cancel_reported','repaired','found_on_card')),
	reversal_id      INTEGER,
	cancel_id        INTEGER,
	repair_id        INTEGER,
	UNIQUE (device_id, serial)
);
-- The report and the daily maximum read only this index (covering).
CREATE INDEX recharges_day_operator ON recharges(settle_day, operator_id, booking, amount, cancel_id);
CREATE INDEX recharges_card ON recharges(card_no, card_write);
CREATE INDEX recharges_authorization ON recharges(authorization_id, booking, amount);
-- Money is never edited in place: corrections are records of their own.
CREATE TRIGGER recharges_money_immutable BEFORE UPDATE OF
	device_id, serial, authorization_id, operator_id, card_no, amount, balance_before, counter_before, booked_at, settle_day
	ON recharges BEGIN SELECT RAISE(ABORT, 'recharge money fields are immutable'); END;
CREATE TRIGGER recharges_no_delete BEFORE DELETE ON recharges
	BEGIN SELECT RAISE(ABORT, 'recharges are never deleted'); END;
CREATE TRIGGER recharges_booking_one_way BEFORE UPDATE OF booking ON recharges
	WHEN NOT (OLD.booking = NEW.booking OR (OLD.booking = 'booked' AND NEW.booking = 'reversed' AND OLD.card_write = 'pending'))
	BEGIN SELECT RAISE(ABORT, 'booking may only go booked -> reversed while the write is pending'); END;
CREATE TRIGGER recharges_card_write_forward BEFORE UPDATE OF card_write ON recharges
	WHEN NOT (OLD.card_write = NEW.card_write
		OR (OLD.booking = 'booked' AND OLD.card_write = 'pending' AND NEW.card_write IN ('written','cancel_reported','repaired','found_on_card'))
		OR (OLD.booking = 'booked' AND OLD.card_write = 'cancel_reported' AND NEW.card_write IN ('written','repaired','found_on_card')))
	BEGIN SELECT RAISE(ABORT, 'card write state may only move forward on a booked recharge'); END;

CREATE TABLE reversals (
	id             INTEGER PRIMARY KEY,
	device_id      TEXT NOT NULL REFERENCES devices(id),
	serial         INTEGER NOT NULL,
	orig_device_id TEXT NOT NULL,
	orig_serial    INTEGER NOT NULL,
	card_no        TEXT NOT NULL,
	amount         INTEGER NOT NULL,
	received_at    INTEGER NOT NULL,
	apply_after    INTEGER NOT NULL,    -- host clock: received_at + delay
	status         TEXT NOT NULL CHECK (status IN ('pending','applied','tombstone','conflict','exception')),
	reason         TEXT NOT NULL DEFAULT '',
	recharge_id    INTEGER REFERENCES recharges(id),
	processed_at   INTEGER,
	UNIQUE (device_id, serial)
);
CREATE INDEX reversals_due ON reversals(apply_after, id) WHERE status = 'pending';
CREATE INDEX reversals_orig ON reversals(orig_device_id, orig_serial);
-- At most one processed reversal per recharge.
CREATE UNIQUE INDEX reversals_one_applied ON reversals(recharge_id) WHERE status = 'applied';

CREATE TABLE cancels (
	id          INTEGER PRIMARY KEY,
	device_id   TEXT NOT NULL REFERENCES devices(id),
	serial      INTEGER NOT NULL,
	orig_serial INTEGER NOT NULL,
	card_no     TEXT NOT NULL,
	amount      INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('recorded','orphan','duplicate','conflict')),
	reason      TEXT NOT NULL DEFAULT '',
	recharge_id INTEGER REFERENCES recharges(id),
	UNIQUE (device_id, serial)
);
CREATE UNIQUE INDEX cancels_one_recorded ON cancels(recharge_id) WHERE status = 'recorded';

-- At most one desk repair per recharge, intent first.
CREATE TABLE repairs (
	id                  INTEGER PRIMARY KEY,
	recharge_id         INTEGER NOT NULL UNIQUE REFERENCES recharges(id),
	ref                 TEXT NOT NULL UNIQUE,
	state               TEXT NOT NULL CHECK (state IN ('intent','written','found_on_card')),
	staff               TEXT NOT NULL,
	card_balance_before INTEGER NOT NULL,
	card_counter_before INTEGER NOT NULL,
	card_balance_after  INTEGER,
	card_counter_after  INTEGER,
	started_at          INTEGER NOT NULL,
	finished_at         INTEGER
);
CREATE TRIGGER repairs_finish_once BEFORE UPDATE OF state ON repairs
	WHEN OLD.state <> 'intent'
	BEGIN SELECT RAISE(ABORT, 'a finished repair never changes'); END;
`,
	// 3: settlement: settled days and their frozen operator figures.
	`
CREATE TABLE settled_days (
	day        TEXT PRIMARY KEY,
	settled_at INTEGER NOT NULL,
	settled_by TEXT NOT NULL
);
CREATE TABLE settled_report (
	day             TEXT NOT NULL REFERENCES settled_days(day),
	operator_id     INTEGER NOT NULL REFERENCES operators(id),
	recharge_count  INTEGER NOT NULL,
	recharge_amount INTEGER NOT NULL,
	reversal_count  INTEGER NOT NULL,
	reversal_amount INTEGER NOT NULL,
	cancel_count    INTEGER NOT NULL,
	PRIMARY KEY (day, operator_id)
) WITHOUT ROWID;
CREATE TRIGGER settled_report_frozen_u BEFORE UPDATE ON settled_report
	BEGIN SELECT RAISE(ABORT, 'a settled day never changes'); END;
CREATE TRIGGER settled_report_frozen_d BEFORE DELETE ON settled_report
	BEGIN SELECT RAISE(ABORT, 'a settled day never changes'); END;
CREATE TRIGGER settled_days_frozen_d BEFORE DELETE ON settled_days
	BEGIN SELECT RAISE(ABORT, 'a settled day never changes'); END;
CREATE TRIGGER recharges_not_into_settled_day BEFORE INSERT ON recharges
	WHEN EXISTS (SELECT 1 FROM settled_days WHERE day = NEW.settle_day)
	BEGIN SELECT RAISE(ABORT, 'settlement day already settled'); END;
CREATE TRIGGER recharges_settled_day_frozen BEFORE UPDATE OF booking ON recharges
	WHEN OLD.booking <> NEW.booking AND EXISTS (SELECT 1 FROM settled_days WHERE day = OLD.settle_day)
	BEGIN SELECT RAISE(ABORT, 'settlement day already settled'); END;
`,
	// 4: the audit log by (action, subject): a refused batch record asks whether its
	// fingerprint was written before, on the single writer, for every upload of it; without
	// the index that walked the whole log (40 ms at 1,000,000 rows).
	`
CREATE INDEX audit_log_action_subject ON audit_log(action, subject);
`,
	// 5: every money table guards itself, whoever writes to the file (issue 9.7).
	//
	// INSERT OR REPLACE (and REPLACE, UPDATE OR REPLACE, an upsert) deletes the row it
	// collides with without firing any DELETE trigger unless recursive_triggers is on, which
	// it is on the store's own connections but is not on anyone else's (the sqlite3 CLI).
	// So the guards are, for each money table T, copied from one to the next:
	//   T_no_replace  BEFORE INSERT: refuse a row that collides on any unique key of T
	//                 (the primary key, every UNIQUE, every partial unique index);
	//   T_no_update   BEFORE UPDATE: refuse, or, where a column legitimately moves,
	//                 T_<transition>: refuse anything but that one move, with every other
	//                 column unchanged (compare with IS, which is NULL-safe);
	//   T_no_delete   BEFORE DELETE: refuse.
	// Messages are literals (the CLIs of Debian's SQLite 3.40 must read the schema).
	// The test that attacks each of them through the CLI is store/guards_cli_test.go: a new
	// money table is one line there.
	`
CREATE TRIGGER recharges_no_replace BEFORE INSERT ON recharges
	WHEN EXISTS (SELECT 1 FROM recharges WHERE id = NEW.id)
		OR EXISTS (SELECT 1 FROM recharges WHERE device_id = NEW.device_id AND serial = NEW.serial)
	BEGIN SELECT RAISE(ABORT, 'recharges: a recharge is never replaced'); END;
-- booking, card_write (migration 2) and the links move; each link is set once, to a record
-- of this very recharge, and a recharge is un-booked only by a pending reversal naming it.
CREATE TRIGGER recharges_links_once BEFORE UPDATE OF id, booking, reversal_id, cancel_id, repair_id ON recharges
	WHEN NEW.id IS NOT OLD.id
		OR (NEW.booking IS NOT OLD.booking OR NEW.reversal_id IS NOT OLD.reversal_id) AND NOT (
			OLD.booking = 'booked' AND NEW.booking = 'reversed' AND OLD.reversal_id IS NULL AND EXISTS (
				SELECT 1 FROM reversals v WHERE v.id = NEW.reversal_id AND v.status = 'pending'
				AND v.orig_device_id = OLD.device_id AND v.orig_serial = OLD.serial))
		OR NEW.cancel_id IS NOT OLD.cancel_id AND NOT (OLD.cancel_id IS NULL AND EXISTS (
			SELECT 1 FROM cancels c WHERE c.id = NEW.cancel_id AND c.recharge_id = OLD.id AND c.status = 'recorded'))
		OR NEW.repair_id IS NOT OLD.repair_id AND NOT (OLD.repair_id IS NULL AND EXISTS (
			SELECT 1 FROM repairs p WHERE p.id = NEW.repair_id AND p.recharge_id = OLD.id))
	BEGIN SELECT RAISE(ABORT, 'recharges: the id never changes; un-booked only by its own reversal; each link set once, to its own record'); END;

CREATE TRIGGER reversals_no_replace BEFORE INSERT ON reversals
	WHEN EXISTS (SELECT 1 FROM reversals WHERE id = NEW.id)
		OR EXISTS (SELECT 1 FROM reversals WHERE device_id = NEW.device_id AND serial = NEW.serial)
		OR NEW.status = 'applied' AND EXISTS (SELECT 1 FROM reversals WHERE recharge_id = NEW.recharge_id AND status = 'applied')
	BEGIN SELECT RAISE(ABORT, 'reversals: a reversal is never replaced'); END;
CREATE TRIGGER reversals_final_once BEFORE UPDATE ON reversals
	WHEN NOT (OLD.status = 'pending' AND NEW.status IN ('applied', 'tombstone', 'conflict', 'exception')
		AND NEW.processed_at IS NOT NULL
		AND NEW.id IS OLD.id AND NEW.device_id IS OLD.device_id AND NEW.serial IS OLD.serial
		AND NEW.orig_device_id IS OLD.orig_device_id AND NEW.orig_serial IS OLD.orig_serial AND NEW.card_no IS OLD.card_no
		AND NEW.amount IS OLD.amount AND NEW.received_at IS OLD.received_at AND NEW.apply_after IS OLD.apply_after)
	BEGIN SELECT RAISE(ABORT, 'reversals: a reversal moves once from pending to its outcome, and nothing else of it changes'); END;
CREATE TRIGGER reversals_applied_by_unbooking BEFORE UPDATE ON reversals
	WHEN NEW.status = 'applied' AND NOT EXISTS (
		SELECT 1 FROM recharges r WHERE r.id = NEW.recharge_id AND r.booking = 'reversed' AND r.reversal_id = NEW.id)
	BEGIN SELECT RAISE(ABORT, 'reversals: applied only to the recharge it un-booked'); END;
CREATE TRIGGER reversals_no_delete BEFORE DELETE ON reversals
	BEGIN SELECT RAISE(ABORT, 'reversals are never deleted'); END;

CREATE TRIGGER cancels_no_replace BEFORE INSERT ON cancels
	WHEN EXISTS (SELECT 1 FROM cancels WHERE id = NEW.id)
		OR EXISTS (SELECT 1 FROM cancels WHERE device_id = NEW.device_id AND serial = NEW.serial)
		OR NEW.status = 'recorded' AND EXISTS (SELECT 1 FROM cancels WHERE recharge_id = NEW.recharge_id AND status = 'recorded')
	BEGIN SELECT RAISE(ABORT, 'cancels: a cancel record is never replaced'); END;
CREATE TRIGGER cancels_no_update BEFORE UPDATE ON cancels
	BEGIN SELECT RAISE(ABORT, 'cancels: a cancel record never changes'); END;
CREATE TRIGGER cancels_no_delete BEFORE DELETE ON cancels
	BEGIN SELECT RAISE(ABORT, 'cancels are never deleted'); END;

CREATE TRIGGER repairs_no_replace BEFORE INSERT ON repairs
	WHEN EXISTS (SELECT 1 FROM repairs WHERE id = NEW.id)
		OR EXISTS (SELECT 1 FROM repairs WHERE recharge_id = NEW.recharge_id)
		OR EXISTS (SELECT 1 FROM repairs WHERE ref = NEW.ref)
	BEGIN SELECT RAISE(ABORT, 'repairs: a repair is never replaced'); END;
CREATE TRIGGER repairs_finish_once_whole BEFORE UPDATE ON repairs
	WHEN NOT (OLD.state = 'intent' AND NEW.state IN ('written', 'found_on_card') AND NEW.finished_at IS NOT NULL
		AND NEW.id IS OLD.id AND NEW.recharge_id IS OLD.recharge_id AND NEW.ref IS OLD.ref AND NEW.staff IS OLD.staff
		AND NEW.card_balance_before IS OLD.card_balance_before AND NEW.card_counter_before IS OLD.card_counter_before
		AND NEW.started_at IS OLD.started_at)
	BEGIN SELECT RAISE(ABORT, 'repairs: a repair moves once from intent to its outcome, and nothing else of it changes'); END;
CREATE TRIGGER repairs_no_delete BEFORE DELETE ON repairs
	BEGIN SELECT RAISE(ABORT, 'repairs are never deleted'); END;

CREATE TRIGGER authorizations_no_replace BEFORE INSERT ON authorizations
	WHEN EXISTS (SELECT 1 FROM authorizations WHERE id = NEW.id)
		OR EXISTS (SELECT 1 FROM authorizations WHERE device_id = NEW.device_id AND batch_no = NEW.batch_no)
		OR NEW.ended_at IS NULL AND EXISTS (SELECT 1 FROM authorizations WHERE device_id = NEW.device_id AND ended_at IS NULL)
	BEGIN SELECT RAISE(ABORT, 'authorizations: an authorization is never replaced'); END;
CREATE TRIGGER authorizations_end_once BEFORE UPDATE ON authorizations
	WHEN NOT (OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL
		AND NEW.id IS OLD.id AND NEW.device_id IS OLD.device_id AND NEW.operator_id IS OLD.operator_id
		AND NEW.card_no IS OLD.card_no AND NEW.batch_no IS OLD.batch_no AND NEW.auth_code IS OLD.auth_code
		AND NEW.started_at IS OLD.started_at)
	BEGIN SELECT RAISE(ABORT, 'authorizations: a session only ends, once, and nothing else of it changes'); END;
CREATE TRIGGER authorizations_no_delete BEFORE DELETE ON authorizations
	BEGIN SELECT RAISE(ABORT, 'authorizations are never deleted'); END;

-- A settled day says how many operator rows it froze, so that none can be added later.
ALTER TABLE settled_days ADD COLUMN operator_rows INTEGER NOT NULL DEFAULT 0;
UPDATE settled_days SET operator_rows = (SELECT COUNT(*) FROM settled_report r WHERE r.day = settled_days.day);
CREATE TRIGGER settled_days_in_order BEFORE INSERT ON settled_days
	WHEN NEW.day <= (SELECT MAX(day) FROM settled_days)
	BEGIN SELECT RAISE(ABORT, 'settled_days: days are settled in order, each once'); END;
CREATE TRIGGER settled_days_no_update BEFORE UPDATE ON settled_days
	BEGIN SELECT RAISE(ABORT, 'a settled day never changes'); END;
CREATE TRIGGER settled_report_no_replace BEFORE INSERT ON settled_report
	WHEN EXISTS (SELECT 1 FROM settled_report WHERE day = NEW.day AND operator_id = NEW.operator_id)
		OR (SELECT COUNT(*) FROM settled_report WHERE day = NEW.day)
			>= COALESCE((SELECT operator_rows FROM settled_days WHERE day = NEW.day), 0)
	BEGIN SELECT RAISE(ABORT, 'a settled day never changes'); END;

CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
	WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
	BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

CREATE TRIGGER terminal_answers_no_replace BEFORE INSERT ON terminal_answers
	WHEN EXISTS (SELECT 1 FROM terminal_answers WHERE device_id = NEW.device_id AND serial = NEW.serial)
	BEGIN SELECT RAISE(ABORT, 'terminal_answers: the first answer under a key is kept for ever'); END;
CREATE TRIGGER terminal_answers_no_update BEFORE UPDATE ON terminal_answers
	BEGIN SELECT RAISE(ABORT, 'terminal_answers: the first answer under a key is kept for ever'); END;
CREATE TRIGGER terminal_answers_no_delete BEFORE DELETE ON terminal_answers
	BEGIN SELECT RAISE(ABORT, 'terminal_answers: the first answer under a key is kept for ever'); END;
`,
	// 6: every number of the ledger bounded by what it stands for, as app/bounds.go bounds
	// it (issue 9.1): a card balance 0 … 16,777,215 fen (the 3-byte purse), a counter
	// 0 … 2^32−1 (a recharge needs room for one more), an amount whole yuan within the purse,
	// an integer, never text or a real (100.5 % 100 is 0 to SQLite, so amount % 100 alone
	// took it), days as YYYY-MM-DD.
	//
	// Triggers that RAISE rather than CHECK constraints, which would need each table
	// rebuilt (the 12-step ALTER): on a 10-million-recharge ledger that rewrites 6 GB in one
	// transaction and needs as much free disk again, every trigger and index of the table
	// must be re-created by hand, and an old row outside the bounds (one booked by the
	// overflow this fixes) would stop the migration and the host with it. A trigger cannot
	// be switched off per connection as CHECKs can (PRAGMA ignore_check_constraints), and
	// leaves the rows already booked as they were: money is never edited.
	`
CREATE TRIGGER recharges_bounds BEFORE INSERT ON recharges
	WHEN NOT (typeof(NEW.amount) = 'integer' AND typeof(NEW.balance_before) = 'integer'
		AND typeof(NEW.counter_before) = 'integer' AND typeof(NEW.booked_at) = 'integer'
		AND NEW.amount BETWEEN 100 AND 16777215 AND NEW.balance_before BETWEEN 0 AND 16777215
		AND NEW.amount <= 16777215 - NEW.balance_before AND NEW.counter_before BETWEEN 0 AND 4294967294
		AND date(NEW.settle_day, '+0 days') IS NEW.settle_day)
	BEGIN SELECT RAISE(ABORT, 'recharges: amount, balance_before, counter_before or settle_day out of bounds'); END;
-- What a reversal or cancel that sets no money aside names is a recharge's amount; the ones
-- set aside (exception, conflict) keep what the POS sent, as sent, and never move money.
CREATE TRIGGER reversals_bounds BEFORE INSERT ON reversals
	WHEN NEW.status <> 'exception' AND NOT (typeof(NEW.amount) = 'integer' AND NEW.amount BETWEEN 100 AND 16777215 AND NEW.amount % 100 = 0)
	BEGIN SELECT RAISE(ABORT, 'reversals: amount out of bounds'); END;
CREATE TRIGGER cancels_bounds BEFORE INSERT ON cancels
	WHEN NEW.status <> 'conflict' AND NOT (typeof(NEW.amount) = 'integer' AND NEW.amount BETWEEN 100 AND 16777215 AND NEW.amount % 100 = 0)
	BEGIN SELECT RAISE(ABORT, 'cancels: amount out of bounds'); END;
CREATE TRIGGER repairs_bounds BEFORE INSERT ON repairs
	WHEN NOT (typeof(NEW.card_balance_before) = 'integer' AND NEW.card_balance_before BETWEEN 0 AND 16777215
		AND typeof(NEW.card_counter_before) = 'integer' AND NEW.card_counter_before BETWEEN 0 AND 4294967295
		AND (NEW.card_balance_after IS NULL OR typeof(NEW.card_balance_after) = 'integer' AND NEW.card_balance_after BETWEEN 0 AND 16777215)
		AND (NEW.card_counter_after IS NULL OR typeof(NEW.card_counter_after) = 'integer' AND NEW.card_counter_after BETWEEN 0 AND 4294967295))
	BEGIN SELECT RAISE(ABORT, 'repairs: card balance or counter out of bounds'); END;
CREATE TRIGGER repairs_bounds_finish BEFORE UPDATE OF card_balance_after, card_counter_after ON repairs
	WHEN NOT (typeof(NEW.card_balance_after) = 'integer' AND NEW.card_balance_after BETWEEN 0 AND 16777215
		AND typeof(NEW.card_counter_after) = 'integer' AND NEW.card_counter_after BETWEEN 0 AND 4294967295)
	BEGIN SELECT RAISE(ABORT, 'repairs: card balance or counter out of bounds'); END;
CREATE TRIGGER operators_daily_max_bounds_i BEFORE INSERT ON operators
	WHEN NOT (typeof(NEW.daily_max) = 'integer' AND NEW.daily_max BETWEEN 0 AND 1000000000 AND NEW.daily_max % 100 = 0)
	BEGIN SELECT RAISE(ABORT, 'operators: daily_max out of bounds'); END;
CREATE TRIGGER operators_daily_max_bounds_u BEFORE UPDATE OF daily_max ON operators
	WHEN NOT (typeof(NEW.daily_max) = 'integer' AND NEW.daily_max BETWEEN 0 AND 1000000000 AND NEW.daily_max % 100 = 0)
	BEGIN SELECT RAISE(ABORT, 'operators: daily_max out of bounds'); END;
CREATE TRIGGER settled_days_bounds BEFORE INSERT ON settled_days
	WHEN NOT (date(NEW.day, '+0 days') IS NEW.day AND typeof(NEW.operator_rows) = 'integer' AND NEW.operator_rows >= 1)
	BEGIN SELECT RAISE(ABORT, 'settled_days: day or operator_rows out of bounds'); END;
CREATE TRIGGER settled_report_bounds BEFORE INSERT ON settled_report
	WHEN NOT (typeof(NEW.recharge_count) = 'integer' AND typeof(NEW.recharge_amount) = 'integer'
		AND typeof(NEW.reversal_count) = 'integer' AND typeof(NEW.reversal_amount) = 'integer' AND typeof(NEW.cancel_count) = 'integer'
		AND NEW.recharge_count >= 0 AND NEW.reversal_count >= 0 AND NEW.cancel_count >= 0
		AND NEW.recharge_amount BETWEEN 0 AND NEW.recharge_count * 16777215
		AND NEW.reversal_amount BETWEEN 0 AND NEW.reversal_count * 16777215)
	BEGIN SELECT RAISE(ABORT, 'settled_report: figures out of bounds'); END;
`,
	// 7: every day up to the last settled one is closed, settled or not (issue 9.9): after
	// the host clock stepped back, a recharge could be booked on an earlier day that had
	// nothing to settle, a day Settle never returns to. Days are settled in order
	// (settled_days_in_order), so MAX(day) is the line.
	`
CREATE TRIGGER recharges_not_into_closed_day BEFORE INSERT ON recharges
	WHEN NEW.settle_day <= (SELECT MAX(day) FROM settled_days)
	BEGIN SELECT RAISE(ABORT, 'settlement day closed: not after the last settled day'); END;
CREATE TRIGGER recharges_closed_day_frozen BEFORE UPDATE OF booking ON recharges
	WHEN OLD.booking <> NEW.booking AND OLD.settle_day <= (SELECT MAX(day) FROM settled_days)
	BEGIN SELECT RAISE(ABORT, 'settlement day closed: not after the last settled day'); END;
`,
	// 8: the exceptions desk. What the card cannot prove goes to a supervisor: late
	// reversals count on the day they are processed, the ledger remembers how far each card
	// got, devices can be recorded as retired or replaced, and every case and every decision
	// is a record of its own.
	`
-- The settlement day a processed reversal counts on: its recharge's day, or for a late
-- reversal (its recharge's day was already settled) the day it was processed.
ALTER TABLE recharges ADD COLUMN reversal_day TEXT;
ALTER TABLE recharges ADD COLUMN confirmed_at INTEGER;
-- When each write was confirmed: the first confirm answer kept for it (one pass).
UPDATE recharges SET confirmed_at = c.at
	FROM (SELECT json_extract(CAST(answer AS TEXT), '$.result.recharge_id') AS rid, MIN(received_at) AS at
	      FROM terminal_answers WHERE kind = 'confirm' GROUP BY 1) AS c
	WHERE recharges.id = c.rid AND recharges.card_write = 'written';
CREATE TRIGGER recharges_confirmed_once BEFORE UPDATE OF confirmed_at ON recharges
	WHEN OLD.confirmed_at IS NOT NULL OR NEW.card_write IS NOT 'written'
	BEGIN SELECT RAISE(ABORT, 'recharges: confirmed once, when its write is confirmed'); END;
UPDATE recharges SET reversal_day = settle_day WHERE booking = 'reversed';
CREATE INDEX recharges_late_by_reversal_day ON recharges(reversal_day, operator_id) WHERE reversal_day <> settle_day;
CREATE INDEX recharges_late_by_settle_day ON recharges(settle_day, operator_id) WHERE reversal_day <> settle_day;
CREATE TRIGGER recharges_reversal_day_once BEFORE UPDATE OF reversal_day ON recharges
	WHEN OLD.reversal_day IS NOT NULL AND NEW.reversal_day IS NOT OLD.reversal_day
	BEGIN SELECT RAISE(ABORT, 'a reversal counts on one day, set once'); END;
CREATE TRIGGER recharges_reversal_day_open BEFORE UPDATE OF booking, reversal_day ON recharges
	WHEN NEW.booking = 'reversed' AND (NEW.reversal_day IS NULL OR NEW.reversal_day < NEW.settle_day
		OR EXISTS (SELECT 1 FROM settled_days WHERE day >= NEW.reversal_day))
	BEGIN SELECT RAISE(ABORT, 'a reversal counts on an open settlement day, not before its recharge'); END;
-- A settled day stays frozen; a late reversal un-books its recharge on a later, open day.
DROP TRIGGER recharges_settled_day_frozen;
CREATE TRIGGER recharges_settled_day_frozen BEFORE UPDATE OF booking ON recharges
	WHEN OLD.booking <> NEW.booking AND EXISTS (SELECT 1 FROM settled_days WHERE day = OLD.settle_day)
		AND NOT (NEW.booking = 'reversed' AND NEW.reversal_day > OLD.settle_day)
	BEGIN SELECT RAISE(ABORT, 'settlement day already settled'); END;

-- The exceptions desk's questions: what has been pending long, what the desk left open,
-- what a POS sent about a recharge.
CREATE INDEX recharges_pending_since ON recharges(booked_at) WHERE card_write = 'pending' AND booking = 'booked';
CREATE INDEX repairs_open ON repairs(started_at) WHERE state = 'intent';
CREATE INDEX cancels_orig ON cancels(device_id, orig_serial);

ALTER TABLE settled_report ADD COLUMN late_reversal_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE settled_report ADD COLUMN late_reversal_amount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE settled_report ADD COLUMN adjustment_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE settled_report ADD COLUMN adjustment_amount INTEGER NOT NULL DEFAULT 0;

-- The ledger's memory of each card: the furthest state (counter, balance) the card reached
-- through this system, after a confirmed write, a desk repair or a credit found on the card.
CREATE TABLE card_memory (
	card_no TEXT PRIMARY KEY REFERENCES cards(card_no),
	counter INTEGER NOT NULL CHECK (counter BETWEEN 0 AND 4294967295),
	balance INTEGER NOT NULL CHECK (balance BETWEEN 0 AND 16777215),
	at      INTEGER NOT NULL,
	source  TEXT NOT NULL
) WITHOUT ROWID;
-- What the ledger already knew: the furthest confirmed write or finished repair of each
-- card (the first to reach it, as the use cases keep it).
INSERT INTO card_memory(card_no, counter, balance, at, source)
	SELECT card_no, counter, balance, at, source FROM (
		SELECT *, ROW_NUMBER() OVER (PARTITION BY card_no ORDER BY counter DESC, at, source) AS n FROM (
			SELECT card_no, counter_before + 1 AS counter, balance_before + amount AS balance, confirmed_at AS at,
			       'confirm:' || id AS source
			FROM recharges WHERE confirmed_at IS NOT NULL
			UNION ALL
			SELECT r.card_no, p.card_counter_after, p.card_balance_after, p.finished_at, 'repair:' || p.id
			FROM repairs p JOIN recharges r ON r.id = p.recharge_id WHERE p.state <> 'intent')
		WHERE counter BETWEEN 0 AND 4294967295 AND balance BETWEEN 0 AND 16777215)
	WHERE n = 1;
CREATE TRIGGER card_memory_forward BEFORE UPDATE ON card_memory
	WHEN NEW.counter <= OLD.counter OR NEW.card_no <> OLD.card_no
	BEGIN SELECT RAISE(ABORT, 'a card''s memory only moves forward'); END;
CREATE TRIGGER card_memory_no_delete BEFORE DELETE ON card_memory
	BEGIN SELECT RAISE(ABORT, 'a card''s memory is never deleted'); END;

-- Cards as the desk read them: evidence for the exceptions desk.
CREATE TABLE card_reads (
	id          INTEGER PRIMARY KEY,
	card_no     TEXT NOT NULL,
	uid         TEXT NOT NULL,
	counter     INTEGER NOT NULL,
	balance     INTEGER NOT NULL,
	from_backup INTEGER NOT NULL CHECK (from_backup IN (0,1)),
	at          INTEGER NOT NULL,
	staff       TEXT NOT NULL
);
CREATE INDEX card_reads_card ON card_reads(card_no, id);
CREATE TRIGGER card_reads_append_only_u BEFORE UPDATE ON card_reads
	BEGIN SELECT RAISE(ABORT, 'card reads are append-only'); END;
CREATE TRIGGER card_reads_append_only_d BEFORE DELETE ON card_reads
	BEGIN SELECT RAISE(ABORT, 'card reads are append-only'); END;

-- A device's journal ended (the POS was retired, or replaced and its queue lost): no record
-- at or below last_serial will come from it any more.
CREATE TABLE device_journal_ends (
	id          INTEGER PRIMARY KEY,
	device_id   TEXT NOT NULL REFERENCES devices(id),
	kind        TEXT NOT NULL CHECK (kind IN ('retired','replaced')),
	last_serial INTEGER NOT NULL CHECK (last_serial >= 0),
	at          INTEGER NOT NULL,
	by          TEXT NOT NULL,
	note        TEXT NOT NULL
);
CREATE INDEX device_journal_ends_device ON device_journal_ends(device_id, last_serial);
CREATE TRIGGER device_journal_ends_append_only_u BEFORE UPDATE ON device_journal_ends
	BEGIN SELECT RAISE(ABORT, 'device journal ends are append-only'); END;
CREATE TRIGGER device_journal_ends_append_only_d BEFORE DELETE ON device_journal_ends
	BEGIN SELECT RAISE(ABORT, 'device journal ends are append-only'); END;

-- What the card cannot prove: one row per case, opened where it arises.
CREATE TABLE exception_cases (
	id          INTEGER PRIMARY KEY,
	kind        TEXT NOT NULL CHECK (kind IN ('reversal_not_applied','late_reversal','cannot_tell','card_behind','duplicate_conflict',
		'journal_released')),
	subject     TEXT NOT NULL,
	opened_at   INTEGER NOT NULL,
	card_no     TEXT NOT NULL DEFAULT '',
	device_id   TEXT NOT NULL DEFAULT '',
	serial      INTEGER NOT NULL DEFAULT 0,
	recharge_id INTEGER REFERENCES recharges(id),
	reversal_id INTEGER REFERENCES reversals(id),
	detail      TEXT NOT NULL,
	UNIQUE (subject, kind)
);
CREATE TRIGGER exception_cases_append_only_u BEFORE UPDATE ON exception_cases
	BEGIN SELECT RAISE(ABORT, 'exception cases are append-only'); END;
CREATE TRIGGER exception_cases_append_only_d BEFORE DELETE ON exception_cases
	BEGIN SELECT RAISE(ABORT, 'exception cases are append-only'); END;

-- A supervisor's decision on a case: a record of its own, never an edit of the original.
-- One decision per case; a decision about a recharge names it (an approved write must); a
-- cash adjustment (长短款) counts on the operator's report on the day it was decided.
CREATE TABLE case_decisions (
	id          INTEGER PRIMARY KEY,
	case_key    TEXT NOT NULL UNIQUE,
	kind        TEXT NOT NULL CHECK (kind IN ('approve_write','close','adjustment')),
	recharge_id INTEGER REFERENCES recharges(id),
	operator_id INTEGER REFERENCES operators(id),
	amount      INTEGER NOT NULL DEFAULT 0 CHECK (amount BETWEEN -16777215 AND 16777215),
	day         TEXT NOT NULL DEFAULT '',
	reason      TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
	decided_by  TEXT NOT NULL,
	decided_at  INTEGER NOT NULL,
	CHECK (kind <> 'approve_write' OR recharge_id IS NOT NULL),
	CHECK ((kind = 'adjustment') = (operator_id IS NOT NULL AND amount <> 0 AND day <> ''))
);
CREATE UNIQUE INDEX case_decisions_one_approval ON case_decisions(recharge_id) WHERE kind = 'approve_write';
CREATE INDEX case_decisions_adjustments ON case_decisions(day, operator_id) WHERE kind = 'adjustment';
CREATE INDEX case_decisions_recharge ON case_decisions(recharge_id);
CREATE TRIGGER case_decisions_append_only_u BEFORE UPDATE ON case_decisions
	BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER case_decisions_append_only_d BEFORE DELETE ON case_decisions
	BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER case_decisions_open_day BEFORE INSERT ON case_decisions
	WHEN NEW.kind = 'adjustment' AND EXISTS (SELECT 1 FROM settled_days WHERE day >= NEW.day)
	BEGIN SELECT RAISE(ABORT, 'an adjustment counts on an open settlement day'); END;
-- Migration 7's closed-day freeze, with the same exception: a late reversal un-books a
-- recharge of a closed day on a later, open one.
DROP TRIGGER recharges_closed_day_frozen;
CREATE TRIGGER recharges_closed_day_frozen BEFORE UPDATE OF booking ON recharges
	WHEN OLD.booking <> NEW.booking AND OLD.settle_day <= (SELECT MAX(day) FROM settled_days)
		AND NOT (NEW.booking = 'reversed' AND NEW.reversal_day > (SELECT MAX(day) FROM settled_days))
	BEGIN SELECT RAISE(ABORT, 'settlement day closed: not after the last settled day'); END;

-- Migration 5's guards for the tables above (see its comment): no row is replaced, whoever
-- writes the file and with whatever pragmas.
CREATE TRIGGER card_memory_no_replace BEFORE INSERT ON card_memory
	WHEN EXISTS (SELECT 1 FROM card_memory WHERE card_no = NEW.card_no)
	BEGIN SELECT RAISE(ABORT, 'card_memory: moved forward by an update, never replaced'); END;
CREATE TRIGGER card_memory_bounds_i BEFORE INSERT ON card_memory
	WHEN NOT (typeof(NEW.counter) = 'integer' AND NEW.counter BETWEEN 0 AND 4294967295
		AND typeof(NEW.balance) = 'integer' AND NEW.balance BETWEEN 0 AND 16777215)
	BEGIN SELECT RAISE(ABORT, 'card_memory: counter and balance out of the card''s range'); END;
CREATE TRIGGER card_memory_bounds_u BEFORE UPDATE ON card_memory
	WHEN NOT (typeof(NEW.counter) = 'integer' AND NEW.counter BETWEEN 0 AND 4294967295
		AND typeof(NEW.balance) = 'integer' AND NEW.balance BETWEEN 0 AND 16777215)
	BEGIN SELECT RAISE(ABORT, 'card_memory: counter and balance out of the card''s range'); END;
CREATE TRIGGER card_reads_no_replace BEFORE INSERT ON card_reads
	WHEN EXISTS (SELECT 1 FROM card_reads WHERE id = NEW.id)
	BEGIN SELECT RAISE(ABORT, 'card_reads: a read is never replaced'); END;
CREATE TRIGGER card_reads_bounds BEFORE INSERT ON card_reads
	WHEN NOT (typeof(NEW.counter) = 'integer' AND NEW.counter BETWEEN 0 AND 4294967295
		AND typeof(NEW.balance) = 'integer' AND NEW.balance BETWEEN 0 AND 16777215)
	BEGIN SELECT RAISE(ABORT, 'card_reads: counter and balance out of the card''s range'); END;
CREATE TRIGGER device_journal_ends_no_replace BEFORE INSERT ON device_journal_ends
	WHEN EXISTS (SELECT 1 FROM device_journal_ends WHERE id = NEW.id)
	BEGIN SELECT RAISE(ABORT, 'device_journal_ends: never replaced'); END;
CREATE TRIGGER exception_cases_no_replace BEFORE INSERT ON exception_cases
	WHEN EXISTS (SELECT 1 FROM exception_cases WHERE id = NEW.id)
		OR EXISTS (SELECT 1 FROM exception_cases WHERE kind = NEW.kind AND subject = NEW.subject)
	BEGIN SELECT RAISE(ABORT, 'exception_cases: a case is never replaced'); END;
CREATE TRIGGER case_decisions_no_replace BEFORE INSERT ON case_decisions
	WHEN EXISTS (SELECT 1 FROM case_decisions WHERE id = NEW.id)
		OR EXISTS (SELECT 1 FROM case_decisions WHERE case_key = NEW.case_key)
		OR NEW.kind = 'approve_write' AND EXISTS (SELECT 1 FROM case_decisions WHERE kind = 'approve_write' AND recharge_id = NEW.recharge_id)
	BEGIN SELECT RAISE(ABORT, 'case_decisions: a decision is never replaced'); END;
CREATE TRIGGER case_decisions_bounds BEFORE INSERT ON case_decisions
	WHEN NOT (typeof(NEW.amount) = 'integer' AND NEW.amount BETWEEN -16777215 AND 16777215)
	BEGIN SELECT RAISE(ABORT, 'case_decisions: amount out of range'); END;
`,
	// 9: secrets at rest (issue 9.4). Device secrets and the answers of authorizations are
	// sealed (store/seal.go), authorization codes kept as "sha256:" hashes. The rows already
	// there are converted by the program, which holds the key the database must not: the
	// pending_conversions row makes the next open run sealLegacySecrets (convert.go),
	// and the triggers refuse a device secret or a code written in the clear from now on.
	`
CREATE TABLE pending_conversions (name TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT INTO pending_conversions(name) VALUES ('seal_secrets_v1');
CREATE TRIGGER devices_secret_sealed_i BEFORE INSERT ON devices
	WHEN substr(NEW.secret, 1, 4) <> X'63637331'
	BEGIN SELECT RAISE(ABORT, 'device secrets are stored sealed'); END;
CREATE TRIGGER devices_secret_sealed_u BEFORE UPDATE OF secret ON devices
	WHEN substr(NEW.secret, 1, 4) <> X'63637331'
	BEGIN SELECT RAISE(ABORT, 'device secrets are stored sealed'); END;
CREATE TRIGGER authorizations_code_hashed_i BEFORE INSERT ON authorizations
	WHEN NEW.auth_code NOT GLOB 'sha256:*'
	BEGIN SELECT RAISE(ABORT, 'authorization codes are stored as hashes'); END;
CREATE TRIGGER authorizations_code_hashed_u BEFORE UPDATE OF auth_code ON authorizations
	WHEN NEW.auth_code NOT GLOB 'sha256:*'
	BEGIN SELECT RAISE(ABORT, 'authorization codes are stored as hashes'); END;
`,
	// 10: desk sessions (issue 11.2). Only the token's hash is kept, so the file gives no one
	// a session; a session's account, stamp and times never change, it only ends, once.
	`
CREATE TABLE staff_sessions (
	token_hash TEXT PRIMARY KEY CHECK (token_hash GLOB 'sha256:*' AND length(token_hash) = 71),
	username   TEXT NOT NULL REFERENCES staff(username),
	stamp      TEXT NOT NULL,
	started_at INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	ended_at   INTEGER
) WITHOUT ROWID;
CREATE INDEX staff_sessions_user ON staff_sessions(username);
CREATE TRIGGER staff_sessions_no_replace BEFORE INSERT ON staff_sessions
	WHEN EXISTS (SELECT 1 FROM staff_sessions WHERE token_hash = NEW.token_hash)
	BEGIN SELECT RAISE(ABORT, 'staff_sessions: a session is never replaced'); END;
CREATE TRIGGER staff_sessions_fixed BEFORE UPDATE ON staff_sessions
	WHEN NEW.token_hash IS NOT OLD.token_hash OR NEW.username IS NOT OLD.username OR NEW.stamp IS NOT OLD.stamp
		OR NEW.started_at IS NOT OLD.started_at OR NEW.expires_at IS NOT OLD.expires_at
		OR OLD.ended_at IS NOT NULL OR NEW.last_seen < OLD.last_seen
	BEGIN SELECT RAISE(ABORT, 'staff_sessions: only last_seen moves on, and a session ends once'); END;
CREATE TRIGGER staff_sessions_no_delete BEFORE DELETE ON staff_sessions
	BEGIN SELECT RAISE(ABORT, 'staff_sessions: sessions are kept'); END;
`,
	// 11: desk accounts lock after wrong passwords (issue 9.12). wrong_tries counts the
	// wrong passwords in a row (a good login or an admin's reset or unlock clears it);
	// locked_at is when the account locked (NULL: not locked). The lock is a column of its
	// own rather than "wrong_tries >= N": lowering N in the configuration must not lock
	// anyone who has not just typed a wrong password, nor raising it unlock anyone.
	//
	// The account's name is its identity in the audit log, repairs, card reads and
	// decisions, and allow() trusts a stored account by name: so an account is disabled,
	// never deleted, renamed or replaced (a new "admin" must not inherit an old one's
	// history, nor a deleted one's name be taken by someone else).
	`
ALTER TABLE staff ADD COLUMN wrong_tries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN locked_at INTEGER;
CREATE TRIGGER staff_lock_bounds_i BEFORE INSERT ON staff
	WHEN NOT (typeof(NEW.wrong_tries) = 'integer' AND NEW.wrong_tries BETWEEN 0 AND 1000000
		AND (NEW.locked_at IS NULL OR typeof(NEW.locked_at) = 'integer'))
	BEGIN SELECT RAISE(ABORT, 'staff: wrong_tries or locked_at out of bounds'); END;
CREATE TRIGGER staff_lock_bounds_u BEFORE UPDATE OF wrong_tries, locked_at ON staff
	WHEN NOT (typeof(NEW.wrong_tries) = 'integer' AND NEW.wrong_tries BETWEEN 0 AND 1000000
		AND (NEW.locked_at IS NULL OR typeof(NEW.locked_at) = 'integer'))
	BEGIN SELECT RAISE(ABORT, 'staff: wrong_tries or locked_at out of bounds'); END;
CREATE TRIGGER staff_no_replace BEFORE INSERT ON staff
	WHEN EXISTS (SELECT 1 FROM staff WHERE username = NEW.username)
	BEGIN SELECT RAISE(ABORT, 'staff: an account is never replaced'); END;
CREATE TRIGGER staff_name_fixed BEFORE UPDATE OF username ON staff
	WHEN NEW.username IS NOT OLD.username
	BEGIN SELECT RAISE(ABORT, 'staff: an account is never renamed'); END;
CREATE TRIGGER staff_no_delete BEFORE DELETE ON staff
	BEGIN SELECT RAISE(ABORT, 'staff: an account is disabled, never deleted'); END;
`,
	// 12: a repair names the desk session that began it (the session's token hash; NULL
	// before this version and for actors without a session), so that the same clerk
	// logged in at a second desk waits for a fresh intent as another clerk does. Like the
	// rest of an intent it never changes.
	`
ALTER TABLE repairs ADD COLUMN desk_session TEXT;
CREATE TRIGGER repairs_desk_session_fixed BEFORE UPDATE OF desk_session ON repairs
	WHEN NEW.desk_session IS NOT OLD.desk_session
	BEGIN SELECT RAISE(ABORT, 'repairs: the desk that began a repair never changes'); END;
`,
	// 13: card statuses become a table that the program fills from app.CardStatuses at
	// every open (store/cardstatuses.go), and cards.status refers to it instead of a CHECK
	// that lists version 1's five: so a new status is a line in app/cardstatus.go and no
	// migration. The database still refuses a status no program knows (the foreign key).
	// SQLite cannot drop a CHECK, so cards is rebuilt; the foreign keys that point at it
	// are deferred to the commit, by when every card is back under the same number.
	`
PRAGMA defer_foreign_keys = ON;
CREATE TABLE card_statuses (
	code TEXT PRIMARY KEY CHECK (code GLOB '[a-z]*' AND code NOT GLOB '*[^a-z_]*' AND length(code) <= 32)
) WITHOUT ROWID;
INSERT INTO card_statuses(code) VALUES ('normal'), ('lost'), ('frozen'), ('bad'), ('cancelled');
CREATE TEMP TABLE cards_v12 AS SELECT card_no, uid, holder_id, status FROM main.cards;
DROP TABLE main.cards;
CREATE TABLE main.cards (
	card_no    TEXT PRIMARY KEY,
	uid        TEXT UNIQUE,          -- NULL until personalised through a reader
	holder_id  INTEGER NOT NULL REFERENCES cardholders(id),
	status     TEXT NOT NULL REFERENCES card_statuses(code)
);
CREATE INDEX main.cards_holder ON cards(holder_id);
INSERT INTO main.cards(card_no, uid, holder_id, status) SELECT card_no, uid, holder_id, status FROM temp.cards_v12;
DROP TABLE temp.cards_v12;
`,
}

// SchemaVersion is the schema version this program writes.
var SchemaVersion = len(migrations)

// CardStatusesSince is the first version with the card_statuses table.
const CardStatusesSince = 13

// Schema is every migration's SQL in order: the schema a ledger of this program has, as
// text, for tests that hold the app's tables against it.
func Schema() string { return strings.Join(migrations, "\n") }
