package exceptions

func (m excLoadedMsg) Failure() error { return m.err }

func (m excDecidedMsg) Failure() error { return m.err }
