package app

import "sort"

// Codes is every code of the catalogue, sorted: each refusal the ledger, the host and the
// programs can give (docs/pos-protocol.md lists each with its HTTP status).
func Codes() []Code {
	out := make([]Code, 0, len(catalogue))
	for c := range catalogue {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
