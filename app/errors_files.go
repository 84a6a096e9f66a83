package app

// Refusals about the files and keys a program needs before it can serve anyone, and the
// host's "not now". They live apart from the catalogue of ledger refusals in errors.go and
// join it at start-up.
const (
	CodeUnsafeFile      Code = "UNSAFE_FILE"
	CodeSiteKeyNeeded   Code = "SITE_KEY_NEEDED"
	CodeSiteKeyMismatch Code = "SITE_KEY_MISMATCH"
	// CodeHostUnavailable: the host could not take a message now (its store failed);
	// nothing of it was committed, and the same message sent again may well be taken.
	CodeHostUnavailable Code = "HOST_UNAVAILABLE"
)

func init() {
	catalogue[CodeUnsafeFile] = [2]string{"文件不安全:必须是本用户的普通文件,仅本用户可读写(chmod 600),不能是符号链接",
		"unsafe file: it must be a regular file of this user, readable by its owner only (chmod 600), not a symbolic link"}
	catalogue[CodeSiteKeyNeeded] = [2]string{"需要站点密钥才能读写设备密钥,请提供站点密钥(--site-key 或 $CARDCENTER_SITE_KEY)",
		"the site key is needed to seal or unseal device secrets; give it (--site-key or $CARDCENTER_SITE_KEY)"}
	catalogue[CodeSiteKeyMismatch] = [2]string{"站点密钥与本数据库不符", "the site key is not the one this ledger was sealed with"}
	catalogue[CodeHostUnavailable] = [2]string{"系统暂时无法处理,请稍后重试", "host cannot take it now; retry later"}
}
