package app

// CodeDuplicateReversal: the recharge already has a reversal recorded that did not reverse
// it (yet or at all: waiting, set aside, a tombstone); this one is set aside. Not
// ALREADY_REVERSED: nothing was reversed. (A file of its own, like errors_files.go, so that
// the catalogue in errors.go stays as it was.)
const CodeDuplicateReversal Code = "DUPLICATE_REVERSAL"

func init() {
	catalogue[CodeDuplicateReversal] = [2]string{"该笔充值已有冲正记录,本次冲正不再处理",
		"a reversal of this recharge is already recorded; this one is not applied"}
}
