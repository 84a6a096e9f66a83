package main

import (
	"context"
	"fmt"
)

// runGen is written by the gen work (store bulk loader); see issue 2 point 5.
func runGen(ctx context.Context, e *env, args []string) error {
	return fmt.Errorf("gen: not yet built")
}
