package common

// Names are the labels of a kind of value in both languages, {zh, en} by value: the
// screens' names of roles, states and kinds, one table each instead of a switch each.
type Names[K comparable] map[K][2]string

// Of is k's label in the desk's language, or other when the table has none for k.
func (n Names[K]) Of(c *Common, k K, other string) string {
	if l, ok := n[k]; ok {
		return c.T(l[0], l[1])
	}
	return other
}
