package app

// Refusals of the PostgreSQL ledger and of moving a site onto one (issue 12). They live
// apart from errors.go, as errors_files.go does, and join the catalogue at start-up.
const (
	// CodeNotDurable: the database server would acknowledge a commit it could lose
	// (fsync, full_page_writes or synchronous_commit off), or is too old.
	CodeNotDurable Code = "DATABASE_NOT_DURABLE"
	// CodeDatabaseUnreachable: the database server could not be reached or refused us.
	CodeDatabaseUnreachable Code = "DATABASE_UNREACHABLE"
	// CodeTargetNotEmpty: a site is only ever moved into an empty database.
	CodeTargetNotEmpty Code = "MIGRATE_TARGET_NOT_EMPTY"
	// CodeMigrateMismatch: the copy does not recount to the original.
	CodeMigrateMismatch Code = "MIGRATE_RECOUNT_MISMATCH"
)

func init() {
	catalogue[CodeNotDurable] = [2]string{"数据库服务器不能保证已确认的提交不丢失(须 fsync、full_page_writes、synchronous_commit 均为 on,PostgreSQL 15 及以上)",
		"the database server could lose an acknowledged commit (fsync, full_page_writes and synchronous_commit must be on; PostgreSQL 15 or later)"}
	catalogue[CodeDatabaseUnreachable] = [2]string{"无法连接数据库服务器", "cannot reach the database server"}
	catalogue[CodeTargetNotEmpty] = [2]string{"目标数据库不是空的:只能迁移到空数据库", "the target database is not empty: a site is only moved into an empty database"}
	catalogue[CodeMigrateMismatch] = [2]string{"迁移后的核对与原账不符,目标数据库未启用", "the copy does not recount to the original; the target was left unused"}
}
