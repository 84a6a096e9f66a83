package reports

func (m reportLoadedMsg) Failure() error { return m.err }

func (m reportSettledMsg) Failure() error { return m.err }

func (m reportExportedMsg) Failure() error { return m.err }
