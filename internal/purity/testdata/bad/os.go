// Package bad breaks every rule of the deterministic core, for the purity
// checker's test.
package bad

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Home reads the environment, which a step of the protocol must never see.
func Home() string { return strings.TrimSpace(fmt.Sprint(os.Getenv("HOME"), exec.ErrNotFound)) }
