package repair

func (m repairReadMsg) Failure() error { return m.err }

func (m repairWriteMsg) Failure() error { return m.err }

func (m repairReceiptMsg) Failure() error {
	return m.err
}

func (m repairPrintMsg) Failure() error { return m.err }

func (m repairReadersMsg) Failure() error { return m.err }
