package modelcheck

import (
	"bufio"
	"fmt"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// watch stops the search at the memory limit or on an interrupt, until
// the returned function is called.
func (c *checker[R]) watch() func() {
	if c.opts.MemoryLimit == 0 && c.opts.Interrupt == nil && !c.opts.TuneMemory {
		return func() {}
	}
	if c.opts.TuneMemory {
		c.tune()
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-c.opts.Interrupt:
				c.stopped("on an interrupt")
				c.stop.Store(true)
				return
			case <-t.C:
				if c.opts.TuneMemory {
					c.tune()
				}
				if now, _ := residentMemory(); c.opts.MemoryLimit > 0 && now >= c.opts.MemoryLimit {
					c.stopped(fmt.Sprintf("at the memory limit of %s (-memory): %s resident", bytesOf(c.opts.MemoryLimit), bytesOf(now)))
					c.stop.Store(true)
					return
				}
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// tune sets the soft memory limit to a quarter more than the fingerprint
// set and 256 MiB, below nine tenths of the hard limit.
func (c *checker[R]) tune() {
	limit := uint64(c.set.bytes())/4*5 + 256<<20
	if c.opts.MemoryLimit > 0 {
		limit = min(limit, c.opts.MemoryLimit/10*9)
	}
	debug.SetMemoryLimit(int64(limit))
}

// residentMemory returns the process's resident memory now and at its
// peak, in bytes, from /proc where there is one; elsewhere the memory the
// Go runtime has from the system, and no peak.
func residentMemory() (now, peak uint64) {
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			name, value, ok := strings.Cut(sc.Text(), ":")
			if !ok || name != "VmRSS" && name != "VmHWM" {
				continue
			}
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
			if err != nil {
				continue
			}
			if name == "VmRSS" {
				now = kb << 10
			} else {
				peak = kb << 10
			}
		}
		if now > 0 {
			return now, peak
		}
	}
	sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64() - sample[1].Value.Uint64(), 0
}

// bytesOf renders a number of bytes for people.
func bytesOf(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}
