package main

import (
	"bytes"
	"context"
	"fmt"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// opSize is the length of every operation the clients submit.
const opSize = 64

const (
	// startTimeout bounds a system's start, until its first operation is
	// done.
	startTimeout = 15 * time.Second
	// opTimeout is how long an operation may take: a watchdog then ends
	// its context, and it counts as timed out.
	opTimeout = 5 * time.Second
	// watchEvery bounds how often the watchdog looks at the operations
	// in flight.
	watchEvery = 100 * time.Millisecond
	// stopTimeout bounds a system's stop.
	stopTimeout = 10 * time.Second
	// leftoverWait is how long a stopped system's goroutines may take to
	// end before the ones left count as a problem of the run.
	leftoverWait = 5 * time.Second
	// errorPause is how long a client waits after a failed operation
	// before it submits the next, so that a system that fails at once
	// does not spin.
	errorPause = 10 * time.Millisecond
)

// A System is a replicated service under test, running in this process.
type System interface {
	// Do submits op and returns once the system has completed it, or
	// with an error. Many clients call it at once. When ctx ends first it
	// returns an error, and the operation may or may not complete.
	Do(ctx context.Context, op []byte) error
	// Faults counts what went wrong inside the system apart from any one
	// operation: input it refused, a codec or storage error.
	Faults() uint64
	// Stop stops the system, closes its listeners and connections and
	// waits for its goroutines.
	Stop() error
}

// A startFunc starts a fresh system for the given count of clients and
// returns it once it has completed one operation; the system must not
// keep ctx, which only bounds the start.
type startFunc func(ctx context.Context, clients int) (System, error)

// systems are the systems the command knows, in their default order.
var systems = []struct {
	name  string
	start startFunc
}{
	{"vsr", startVSR},
	{"vsr-tcp", startVSRTCP},
	{"hashicorp", startHashicorp},
	{"etcd", startEtcd},
	{"skeleton", startSkeleton},
}

// systemNames returns the names of the systems, in their default order.
func systemNames() []string {
	var names []string
	for _, s := range systems {
		names = append(names, s.name)
	}
	return names
}

// lookupSystem returns the start of the system named name, or nil.
func lookupSystem(name string) startFunc {
	for _, s := range systems {
		if s.name == name {
			return s.start
		}
	}
	return nil
}

// measurement is what one run of one system with one count of clients
// measured.
type measurement struct {
	system  string
	clients int
	// measured says that the system started and the window ran.
	measured bool
	// ops counts the operations completed in the window, of length
	// window; latencies holds their latencies, sorted.
	ops       int
	window    time.Duration
	latencies []time.Duration
	// cpu is the process's user and system CPU time over the window.
	cpu time.Duration
	// failed counts operations that returned an error, timedOut those
	// that took longer than the timeout or were still in flight at the end,
	// faults the system's own count (System.Faults), over the whole run.
	failed, timedOut, faults uint64
	// firstError is the first failed operation's error.
	firstError string
	// problems are failures of the run itself: a start or stop that
	// failed, goroutines left running.
	problems []string
}

func (m *measurement) throughput() float64 {
	if m.window <= 0 {
		return 0
	}
	return float64(m.ops) / m.window.Seconds()
}

// percentile returns the latency below which a fraction p of the window's
// operations completed (nearest rank).
func (m *measurement) percentile(p float64) time.Duration {
	if len(m.latencies) == 0 {
		return 0
	}
	i := int(float64(len(m.latencies))*p+0.999999) - 1
	return m.latencies[min(max(i, 0), len(m.latencies)-1)]
}

func (m *measurement) cpuPerOp() time.Duration {
	if m.ops == 0 {
		return 0
	}
	return m.cpu / time.Duration(m.ops)
}

// summary is the line of progress for m.
func (m *measurement) summary() string {
	var b strings.Builder
	if m.measured {
		fmt.Fprintf(&b, "%.0f ops/s, p50 %.0f µs, p99 %.0f µs, CPU %.1f µs/op", m.throughput(),
			micros(m.percentile(0.50)), micros(m.percentile(0.99)), micros(m.cpuPerOp()))
	} else {
		b.WriteString("not measured")
	}
	if m.failed+m.timedOut+m.faults > 0 {
		fmt.Fprintf(&b, "; %d failed, %d timed out, %d faults", m.failed, m.timedOut, m.faults)
	}
	if m.firstError != "" {
		fmt.Fprintf(&b, "; first error: %s", m.firstError)
	}
	for _, p := range m.problems {
		fmt.Fprintf(&b, "; %s", p)
	}
	return b.String()
}

// benchmark runs every round and returns every measurement, telling
// progress as each run ends.
func benchmark(opts options, progress func(format string, a ...any)) []measurement {
	var results []measurement
	tm := timing{warmup: opts.warmup, window: opts.window, opTimeout: opTimeout}
	for round := range opts.rounds {
		for i := range opts.systems {
			// The order rotates from round to round, so that each system
			// runs as often early as late, and noise from the machine
			// falls on all of them alike.
			name := opts.systems[(i+round)%len(opts.systems)]
			for _, clients := range opts.clients {
				m := measure(name, lookupSystem(name), clients, tm)
				progress("round %d/%d: %s, %d clients: %s", round+1, opts.rounds, name, clients, m.summary())
				results = append(results, m)
			}
		}
	}
	return results
}

// timing is how a run spends its time.
type timing struct {
	warmup, window time.Duration
	// opTimeout is how long an operation may take before the watchdog
	// gives up on it. The clients' last operations, after the window, may
	// take as long and a second more; a system whose operations do not
	// heed their context is stopped then, which ends them.
	opTimeout time.Duration
}

// record is one completed operation: when it completed, counted from the
// start of the run, and how long it took.
type record struct {
	end, latency time.Duration
}

// driver runs a system's closed-loop clients.
type driver struct {
	sys System
	t0  time.Time
	// ctx is the run's; cancel gives up on every operation in flight.
	ctx     context.Context
	cancel  context.CancelFunc
	timeout time.Duration // an operation's
	stop    atomic.Bool
	wg      sync.WaitGroup
	clients []client

	failed, timedOut atomic.Uint64
	mu               sync.Mutex
	firstError       string
}

// client is one closed-loop client's state.
type client struct {
	records []record // appended only by the client
	// mu guards began and cancel, shared with the watchdog.
	mu sync.Mutex
	// began is when the operation in flight began, counted from the
	// start of the run; -1 when none is.
	began time.Duration
	// cancel ends the context of the client's operations.
	cancel context.CancelFunc
}

// run submits operations one at a time until the driver stops. The
// operations share a context until the watchdog ends it for one that took
// too long.
func (d *driver) run(c *client) {
	defer d.wg.Done()
	op := bytes.Repeat([]byte{'x'}, opSize)
	var ctx context.Context
	for !d.stop.Load() {
		c.mu.Lock()
		if ctx == nil || ctx.Err() != nil {
			if c.cancel != nil {
				c.cancel()
			}
			ctx, c.cancel = context.WithCancel(d.ctx)
		}
		begin := time.Since(d.t0)
		c.began = begin
		c.mu.Unlock()
		err := d.sys.Do(ctx, op)
		end := time.Since(d.t0)
		c.mu.Lock()
		c.began = -1
		c.mu.Unlock()
		switch {
		case err == nil:
			c.records = append(c.records, record{end: end, latency: end - begin})
		case ctx.Err() != nil:
			d.timedOut.Add(1)
			if d.ctx.Err() != nil {
				return
			}
		default:
			d.failed.Add(1)
			d.mu.Lock()
			if d.firstError == "" {
				d.firstError = err.Error()
			}
			d.mu.Unlock()
			select {
			case <-time.After(errorPause):
			case <-d.ctx.Done():
				return
			}
		}
	}
	c.mu.Lock()
	c.cancel()
	c.mu.Unlock()
}

// watch ends the context of every operation in flight for longer than
// the timeout, until done is closed.
func (d *driver) watch(done <-chan struct{}) {
	t := time.NewTicker(min(watchEvery, d.timeout/4))
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		now := time.Since(d.t0)
		for i := range d.clients {
			c := &d.clients[i]
			c.mu.Lock()
			if c.began >= 0 && now-c.began > d.timeout {
				c.cancel()
				c.began = -1
			}
			c.mu.Unlock()
		}
	}
}

// measure starts a fresh system, drives it with closed-loop clients
// through the warm-up and the window, stops it, and returns what it
// measured. Only operations that complete in the window count, and the
// process's CPU time is read at the window's two ends.
func measure(name string, start startFunc, clients int, tm timing) (m measurement) {
	m = measurement{system: name, clients: clients}
	goruntime.GC() // the last run's garbage is not this one's to collect
	base := goruntime.NumGoroutine()
	defer func() {
		if n := awaitGoroutines(base, leftoverWait); n > 0 {
			m.problems = append(m.problems, fmt.Sprintf("%d goroutines left running after stop", n))
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	sys, err := start(ctx, clients)
	cancel()
	if err != nil {
		m.problems = append(m.problems, "start failed: "+err.Error())
		return m
	}

	d := &driver{sys: sys, t0: time.Now(), timeout: tm.opTimeout, clients: make([]client, clients)}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	defer d.cancel()
	for i := range d.clients {
		d.clients[i].began = -1
		d.wg.Add(1)
		go d.run(&d.clients[i])
	}
	watching := make(chan struct{})
	defer close(watching)
	go d.watch(watching)

	time.Sleep(time.Until(d.t0.Add(tm.warmup)))
	cpuA, ta := cpuTime(), time.Since(d.t0)
	time.Sleep(time.Until(d.t0.Add(ta + tm.window)))
	cpuB, tb := cpuTime(), time.Since(d.t0)
	d.stop.Store(true)

	drained := make(chan struct{})
	go func() {
		d.wg.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-time.After(tm.opTimeout + time.Second):
		d.cancel() // what is still in flight has timed out
	}
	// A system's stop also ends operations that do not heed ctx.
	if err := stopWithin(sys, stopTimeout); err != nil {
		m.problems = append(m.problems, err.Error())
	}
	<-drained

	m.measured = true
	m.window = tb - ta
	m.cpu = cpuB - cpuA
	for i := range d.clients {
		for _, r := range d.clients[i].records {
			if r.end >= ta && r.end < tb {
				m.latencies = append(m.latencies, r.latency)
			}
		}
	}
	slices.Sort(m.latencies)
	m.ops = len(m.latencies)
	m.failed, m.timedOut, m.faults = d.failed.Load(), d.timedOut.Load(), sys.Faults()
	d.mu.Lock()
	m.firstError = d.firstError
	d.mu.Unlock()
	return m
}

// stopWithin stops sys, giving up after timeout.
func stopWithin(sys System, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- sys.Stop() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("stop failed: %w", err)
		}
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("stop did not return within %v", timeout)
	}
}

// awaitGoroutines waits, for at most timeout, until no more than base
// goroutines run, and returns how many more than base are left.
func awaitGoroutines(base int, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		n := goruntime.NumGoroutine() - base
		if n <= 0 || time.Now().After(deadline) {
			return max(n, 0)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(fmt.Sprintf("getrusage: %v", err)) // cannot fail for RUSAGE_SELF
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// row is one line of the table: one system with one count of clients,
// the medians over the rounds it was measured in.
type row struct {
	system             string
	clients            int
	measured           int // rounds measured
	runs               int // rounds run
	throughput         float64
	p50, p99, cpuPerOp float64 // µs
	failed, timedOut   uint64
	faults, problems   int
}

// summarize returns the row of system with clients from results.
func summarize(results []measurement, system string, clients int) row {
	r := row{system: system, clients: clients}
	var tp, p50, p99, cpu []float64
	for i := range results {
		m := &results[i]
		if m.system != system || m.clients != clients {
			continue
		}
		r.runs++
		r.failed += m.failed
		r.timedOut += m.timedOut
		r.faults += int(m.faults)
		r.problems += len(m.problems)
		if !m.measured {
			continue
		}
		r.measured++
		tp = append(tp, m.throughput())
		p50 = append(p50, micros(m.percentile(0.50)))
		p99 = append(p99, micros(m.percentile(0.99)))
		cpu = append(cpu, micros(m.cpuPerOp()))
	}
	r.throughput, r.p50, r.p99, r.cpuPerOp = median(tp), median(p50), median(p99), median(cpu)
	return r
}

// median returns the median of xs, the mean of the middle two for an
// even count; 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// errorsCell says what went wrong in a row's runs, "0" when nothing did.
func (r row) errorsCell() string {
	var parts []string
	if r.failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", r.failed))
	}
	if r.timedOut > 0 {
		parts = append(parts, fmt.Sprintf("%d timed out", r.timedOut))
	}
	if r.faults > 0 {
		parts = append(parts, fmt.Sprintf("%d faults", r.faults))
	}
	if r.problems > 0 {
		parts = append(parts, fmt.Sprintf("%d run problems (see progress)", r.problems))
	}
	if r.measured < r.runs {
		parts = append(parts, fmt.Sprintf("measured in %d of %d rounds", r.measured, r.runs))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, ", ")
}

// table returns the medians as a Markdown table, grouped by client count,
// with each system's throughput and p50 latency as ratios to vsr's.
func table(opts options, results []measurement) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Medians of %d rounds; a %v warm-up, then a %v window; %d-byte operations.\n\n", opts.rounds, opts.warmup, opts.window, opSize)
	b.WriteString("| clients | system | ops/s | p50 µs | p99 µs | CPU µs/op | x vsr | p50 x vsr | errors |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, clients := range opts.clients {
		var base *row
		if slices.Contains(opts.systems, "vsr") {
			r := summarize(results, "vsr", clients)
			if r.measured > 0 {
				base = &r
			}
		}
		for _, system := range opts.systems {
			r := summarize(results, system, clients)
			if r.measured == 0 {
				fmt.Fprintf(&b, "| %d | %s | — | — | — | — | — | — | %s |\n", clients, system, r.errorsCell())
				continue
			}
			ratio, p50Ratio := "—", "—"
			if base != nil && base.throughput > 0 && base.p50 > 0 {
				ratio = fmt.Sprintf("%.2f", r.throughput/base.throughput)
				p50Ratio = fmt.Sprintf("%.2f", r.p50/base.p50)
			}
			fmt.Fprintf(&b, "| %d | %s | %.0f | %.0f | %.0f | %.1f | %s | %s | %s |\n",
				clients, system, r.throughput, r.p50, r.p99, r.cpuPerOp, ratio, p50Ratio, r.errorsCell())
		}
	}
	return b.String()
}
