package sqlite

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"

	"cardcenter/app"
)

// probeExisting refuses an existing file that is some other program's SQLite database,
// before the writer touches it: the writer's connection alone switches a file to WAL, and
// the migrations would then add our schema to it. It reads through a read-only connection,
// so a refused file is left byte for byte as it was. An empty file, or a database with no
// schema at all, is a new ledger (version 0) and passes.
func probeExisting(path string) error {
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return nil
	}
	db, err := sql.Open("sqlite3", "file:"+url.PathEscape(path)+"?mode=ro")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	var version, objects int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		return classify(path, err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master`).Scan(&objects); err != nil {
		return classify(path, err)
	}
	if version == 0 && objects > 0 {
		return app.E(app.CodeDatabaseCorrupt, "%s: a SQLite database without a cardcenter schema version (%d objects)", path, objects)
	}
	return nil
}
