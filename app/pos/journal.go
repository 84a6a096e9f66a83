// Package pos is a recharge POS terminal as section 1 of the manual describes it: operator
// authorization, online recharge, 请重刷卡 and re-tap, Cancel, 充值超时 and the automatic
// reversal, the offline queue that must be uploaded before anything else, and the menu
// (1. 查询充值汇总, 2. 充值, 3. 脱机批上送记录). It talks to the host through Host and to
// the card through Cards; its memory is a journal file written (and fsynced) before every
// network call, so a power cycle at any point resumes correctly.
package pos

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"cardcenter/app"
	"cardcenter/app/localfile"
)

// State is everything the terminal must remember across a power cycle.
type State struct {
	DeviceID string `json:"device_id"`
	// NextSerial is the serial of the next message; 0 in a new journal, until the host
	// says which serials this device has used (a replaced POS must not reuse them).
	NextSerial int64 `json:"next_serial"`
	// Session is the current operator's authorization (nil: tap the authorization card).
	Session *Session `json:"session,omitempty"`
	// Queue holds reversal and cancel records not yet acknowledged by the host (rule 6):
	// nothing else happens until it is empty.
	Queue []app.OfflineRecord `json:"queue,omitempty"`
	// InFlight is a recharge sent whose answer has not arrived. After a power cycle its
	// outcome is unknown, so it is reversed first (rule 5).
	InFlight *Recharge `json:"in_flight,omitempty"`
	// Retap is an approved recharge whose card write is not known to have landed: the POS
	// shows 请重刷卡 until the card is tapped again or the operator cancels (rules 3, 4).
	Retap *Recharge `json:"retap,omitempty"`
	// Unconfirmed are confirms of landed writes not yet acknowledged; resent when online.
	Unconfirmed []app.ConfirmRequest `json:"unconfirmed,omitempty"`
	// Watched are acknowledged reversals whose final outcome the host has not told yet
	// (at most MaxWatched, oldest first).
	Watched []Watched `json:"watched,omitempty"`
	// Notices are what the operator must still be shown once: final outcomes of reversals,
	// and queued records the host refused for their content.
	Notices []Notice `json:"notices,omitempty"`
}

// Session is an operator's authorization on this POS.
type Session struct {
	OperatorNo   string `json:"operator_no"`
	OperatorName string `json:"operator_name"`
	BatchNo      int64  `json:"batch_no"`
	AuthCode     string `json:"auth_code"`
}

// Recharge is one recharge as the POS knows it.
type Recharge struct {
	Serial        int64   `json:"serial"`
	CardNo        string  `json:"card_no"`
	Amount        app.Fen `json:"amount"`
	BalanceBefore app.Fen `json:"balance_before"`
	CounterBefore int64   `json:"counter_before"`
}

// Journal keeps State in a file: each save writes a temporary file, fsyncs it, renames it
// over the old one and fsyncs the directory, so the file is always one whole state.
type Journal struct{ path string }

// OpenJournal loads the state at path, or starts a new one for device.
func OpenJournal(path, device string) (*Journal, State, error) {
	j := &Journal{path: path}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		st := State{DeviceID: device}
		return j, st, j.Save(st)
	}
	if err != nil {
		return nil, State{}, fmt.Errorf("read POS journal: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, State{}, fmt.Errorf("POS journal %s is damaged: %w", path, err)
	}
	if st.DeviceID != device {
		return nil, State{}, fmt.Errorf("POS journal %s belongs to device %s, not %s", path, st.DeviceID, device)
	}
	return j, st, nil
}

// Save makes st the durable state.
func (j *Journal) Save(st State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode POS journal: %w", err)
	}
	if err := localfile.WriteAtomic(j.path, b, 0o600); err != nil {
		return fmt.Errorf("save POS journal: %w", err)
	}
	return nil
}
