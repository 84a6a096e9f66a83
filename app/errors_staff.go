package app

// Refusals about desk accounts (issue 9.12): in a file of their own, so that the catalogue
// in errors.go stays as it is; they join it at start-up.
const (
	// CodeStaffLocked: MaxWrongPasswords wrong passwords in a row locked the desk account;
	// an admin unlocks it (or resets its password). The password is not checked while
	// locked, so guessing on gets nowhere.
	CodeStaffLocked Code = "STAFF_LOCKED"
	// CodeWrongPassword: the current password given to change one's own password is wrong
	// (a wrong try like a wrong login: it counts towards the lock).
	CodeWrongPassword Code = "WRONG_PASSWORD"
	// CodeLastAdmin: the change would leave the site without an enabled, unlocked admin,
	// and then no one could unlock, reset or create an account again.
	CodeLastAdmin Code = "LAST_ADMIN"
)

func init() {
	catalogue[CodeStaffLocked] = [2]string{"密码错误次数过多,账号已锁定,请联系管理员解锁",
		"account locked after too many wrong passwords; ask an admin to unlock it"}
	catalogue[CodeWrongPassword] = [2]string{"当前密码错误", "the current password is wrong"}
	catalogue[CodeLastAdmin] = [2]string{"不能停用或改变最后一个可用管理员的角色",
		"the last enabled admin account cannot be disabled or given another role"}
}
