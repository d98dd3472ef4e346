package bad

import (
	crand "crypto/rand"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Impure uses the clock, randomness, locks and the system.
func Impure(mu *sync.Mutex, n *atomic.Int64) uintptr {
	mu.Lock()
	defer mu.Unlock()
	n.Add(time.Now().UnixNano() + rand.Int64())
	_, _ = crand.Read(make([]byte, 1))
	_ = netip.Addr{}
	return unsafe.Sizeof(syscall.Getpid())
}
