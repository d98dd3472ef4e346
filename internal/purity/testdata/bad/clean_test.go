package bad

import (
	"os"
	"testing"
)

// Test files may do IO: the checker skips them.
func TestClean(t *testing.T) {
	go func() {}()
	_ = os.Getenv("HOME")
}
