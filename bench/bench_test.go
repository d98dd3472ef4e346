package main

import (
	"bytes"
	"context"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSystems starts each system, completes 200 operations with 4
// closed-loop clients, and stops it, leaving no goroutine behind.
func TestSystems(t *testing.T) {
	const clients, total = 4, 200
	for _, sys := range systems {
		t.Run(sys.name, func(t *testing.T) {
			goruntime.GC()
			base := goruntime.NumGoroutine()
			ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
			defer cancel()
			s, err := sys.start(ctx, clients)
			if err != nil {
				t.Fatal(err)
			}
			var left, done atomic.Int64
			left.Store(total)
			var wg sync.WaitGroup
			for range clients {
				wg.Go(func() {
					op := bytes.Repeat([]byte{'x'}, opSize)
					for left.Add(-1) >= 0 {
						if err := s.Do(ctx, op); err != nil {
							t.Errorf("Do: %v", err)
							return
						}
						done.Add(1)
					}
				})
			}
			wg.Wait()
			if err := s.Stop(); err != nil {
				t.Errorf("Stop: %v", err)
			}
			if n := done.Load(); n != total {
				t.Errorf("%d of %d operations completed", n, total)
			}
			if n := s.Faults(); n != 0 {
				t.Errorf("%d faults", n)
			}
			if n := awaitGoroutines(base, leftoverWait); n > 0 {
				t.Errorf("%d goroutines left running after Stop", n)
			}
		})
	}
}

// TestMeasure runs the harness briefly on the skeleton and checks what it
// measured and how the table shows it.
func TestMeasure(t *testing.T) {
	m := measure("skeleton", startSkeleton, 2, timing{warmup: 50 * time.Millisecond, window: 200 * time.Millisecond, opTimeout: time.Second})
	if !m.measured || m.ops == 0 || m.failed+m.timedOut+m.faults != 0 || len(m.problems) != 0 {
		t.Fatalf("measured %s", m.summary())
	}
	if m.window < 200*time.Millisecond || m.cpu <= 0 {
		t.Errorf("window %v, CPU %v", m.window, m.cpu)
	}
	if p50, p99 := m.percentile(0.5), m.percentile(0.99); p50 <= 0 || p99 < p50 {
		t.Errorf("p50 %v, p99 %v", p50, p99)
	}
	opts := options{clients: []int{2}, warmup: 50 * time.Millisecond, window: 200 * time.Millisecond, rounds: 1, systems: []string{"skeleton"}}
	tab := table(opts, []measurement{m})
	if !strings.Contains(tab, "| 2 | skeleton |") || !strings.HasSuffix(tab, "| — | — | 0 |\n") {
		t.Errorf("table:\n%s", tab)
	}
}

// lossy is a System that loses its first operation: it never completes
// until its context ends.
type lossy struct{ calls atomic.Int64 }

func (l *lossy) Do(ctx context.Context, op []byte) error {
	if l.calls.Add(1) == 1 {
		<-ctx.Done()
		return ctx.Err()
	}
	time.Sleep(time.Millisecond)
	return nil
}

func (l *lossy) Faults() uint64 { return 0 }
func (l *lossy) Stop() error    { return nil }

// TestTimeout checks that the watchdog gives up on an operation that
// takes too long, counts it, and lets its client go on.
func TestTimeout(t *testing.T) {
	start := func(context.Context, int) (System, error) { return &lossy{}, nil }
	m := measure("lossy", start, 1, timing{window: 300 * time.Millisecond, opTimeout: 100 * time.Millisecond})
	if m.timedOut != 1 || m.failed != 0 || m.ops == 0 || len(m.problems) != 0 {
		t.Fatalf("measured %s", m.summary())
	}
	opts := options{clients: []int{1}, window: 300 * time.Millisecond, rounds: 1, systems: []string{"lossy"}}
	if tab := table(opts, []measurement{m}); !strings.HasSuffix(tab, "| 1 timed out |\n") {
		t.Errorf("table:\n%s", tab)
	}
}

func TestParseFlags(t *testing.T) {
	opts, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := flagsLine(opts); got != "-clients 1,16,128 -warmup 1s -window 3s -rounds 3 -systems vsr,vsr-tcp,hashicorp,etcd,skeleton" {
		t.Errorf("defaults: %s", got)
	}
	for _, args := range [][]string{
		{"-clients", "0"}, {"-clients", "1,x"}, {"-systems", "zab"}, {"-systems", "vsr,vsr"},
		{"-window", "0s"}, {"-warmup", "-1s"}, {"-rounds", "0"}, {"-nope"}, {"extra"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	var stderr bytes.Buffer
	if code := run([]string{"-rounds", "x"}, &bytes.Buffer{}, &stderr); code != 2 || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("bad flag: exit %d, %q", code, stderr.String())
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
}
