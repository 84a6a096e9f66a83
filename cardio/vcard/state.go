package vcard

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// stateFile is the on-disk form of a chip: hex, one string per block, so a person can diff
// two states of a card.
type stateFile struct {
	UID    string   `json:"uid"`
	Blocks []string `json:"blocks"`
}

// LoadChip reads a chip saved by SaveChip.
func LoadChip(path string) (*Chip, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st stateFile
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("card state %s: %w", path, err)
	}
	uid, err := hex.DecodeString(st.UID)
	if err != nil || len(uid) != 4 || len(st.Blocks) != 64 {
		return nil, fmt.Errorf("card state %s: want a 4-byte uid and 64 blocks", path)
	}
	c := &Chip{UID: uid}
	for i, s := range st.Blocks {
		blk, err := hex.DecodeString(s)
		if err != nil || len(blk) != len(c.Blocks[i]) {
			return nil, fmt.Errorf("card state %s: block %d is not 16 hex bytes", path, i)
		}
		copy(c.Blocks[i][:], blk)
	}
	return c, nil
}

// SaveChip writes the chip atomically: a temporary file in the same directory, fsync,
// rename over the old file, fsync the directory. A crash leaves the old or the new state,
// never half of one: the money on a virtual card is as durable as on a real one.
func SaveChip(path string, c *Chip) error {
	st := stateFile{UID: hex.EncodeToString(c.UID)}
	for _, b := range c.Blocks {
		st.Blocks = append(st.Blocks, hex.EncodeToString(b[:]))
	}
	data, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
