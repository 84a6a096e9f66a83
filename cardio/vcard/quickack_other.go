//go:build !linux

package vcard

import "net"

// quickAck: TCP_QUICKACK exists on Linux only; elsewhere TCP_NODELAY is all we can do.
func quickAck(*net.TCPConn) {}
