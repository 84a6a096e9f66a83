package devices_test

import (
	"testing"

	"cardcenter/views/viewtest"
)

// The screen against a host (see views/remote_desk_test.go): these tests run again with the
// desk calling the ledger through the desk API across a loopback TLS socket.
func TestRemoteDesk(t *testing.T) {
	// A device registered and disabled.
	viewtest.RunRemote(t, TestAdmRegisterAndDisableADevice)
}
