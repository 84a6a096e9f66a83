package common

import "errors"

// asBilingual finds an error in err's chain that carries messages in both languages.
func asBilingual[T any](err error, target *T) bool {
	for e := err; e != nil; {
		if t, ok := e.(T); ok {
			*target = t
			return true
		}
		switch x := e.(type) {
		case interface{ Unwrap() []error }:
			for _, inner := range x.Unwrap() {
				if asBilingual(inner, target) {
					return true
				}
			}
			return false
		default:
			e = errors.Unwrap(e)
		}
	}
	return false
}
