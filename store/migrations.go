package store

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
	// 4: secrets at rest (issue 9.4). Device secrets and the answers of authorizations are
	// sealed (store/seal.go), authorization codes kept as "sha256:" hashes. The rows already
	// there are converted by the program, which holds the key the database must not: the
	// pending_conversions row makes the next open run sealLegacySecrets (seal_convert.go),
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
}

// SchemaVersion is the schema version this program writes.
var SchemaVersion = len(migrations)
