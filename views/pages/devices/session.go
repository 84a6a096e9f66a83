package devices

func (m devEndAskMsg) Failure() error { return m.err }
