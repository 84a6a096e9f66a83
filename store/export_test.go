package store

// PGSerializable makes a PostgreSQL store's Update run SERIALIZABLE with retries instead of
// under the writer's lock: for the benchmark that compares the two.
func PGSerializable(o Options) Options {
	o.pgMode = pgSerializable
	return o
}

// PGRetries: serialization failures retried so far.
func (s *Store) PGRetries() int64 { return s.pgRetries.Load() }
