package app

// ReaderState is what the desk knows about its card reader.
type ReaderState int

const (
	ReaderUnknown ReaderState = iota
	ReaderNoPCSC              // the PC/SC service (pcscd) is not running
	ReaderNone                // no reader attached
	ReaderEmpty               // a reader, no card on it
	ReaderCard                // a card on the reader
)
