package cards

func (m cardsLookedMsg) Failure() error { return m.err }

func (m cardsDoneMsg) Failure() error { return m.err }
