package vcard

import (
	"net"
	"syscall"
)

// quickAck turns delayed ACKs off for the next read. Linux clears TCP_QUICKACK by itself
// after a while, so it is set again before every read: vpcd sends the length and the APDU in
// two send() calls, and Nagle on its side meeting delayed ACK on ours costs ~40 ms an APDU.
func quickAck(c *net.TCPConn) {
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	_ = raw.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
