// Package pcsc is the desk's card reader: PC/SC through pcscd (github.com/ebfe/scard, cgo,
// needs libpcsclite-dev). A Conn is a cardio.Transport; everything about card bytes lives in
// package cardio.
package pcsc

import (
	"github.com/ebfe/scard"

	"cardcenter/cardio"
)

// Context is a connection to pcscd. Use one per goroutine (a PC/SC context is not shared
// between threads); only the cancellation inside Wait* crosses goroutines.
type Context struct{ c *scard.Context }

// Open connects to pcscd: cardio.ErrNoService if it is not running.
func Open() (*Context, error) {
	c, err := scard.EstablishContext()
	if err != nil {
		return nil, mapErr(err)
	}
	return &Context{c: c}, nil
}

// Close releases the context.
func (c *Context) Close() error { return mapErr(c.c.Release()) }

// Readers lists the reader names pcscd knows: cardio.ErrNoReader if there are none.
func (c *Context) Readers() ([]string, error) {
	rs, err := c.c.ListReaders()
	if err != nil {
		return nil, mapErr(err)
	}
	if len(rs) == 0 {
		return nil, cardio.ErrNoReader
	}
	return rs, nil
}

// Reader resolves a reader name: "" is the first reader; otherwise the name must exist.
func (c *Context) Reader(name string) (string, error) {
	rs, err := c.Readers()
	if err != nil {
		return "", err
	}
	if name == "" {
		return rs[0], nil
	}
	for _, r := range rs {
		if r == name {
			return r, nil
		}
	}
	return "", cardio.ErrNoReader.Withf("no reader named %q (have %q)", name, rs)
}
