package modelcheck

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/viewstamped/vsr/modelcheck/model"

	"github.com/viewstamped/vsr/wire"
)

// Mode is a search strategy.
type Mode string

const (
	BFS  Mode = "bfs"
	DFS  Mode = "dfs"
	Walk Mode = "walk"
)

// Bounds is what the environment of a bounded configuration may do.
type Bounds struct {
	// Clients is the number of clients; Values the number of distinct
	// values they submit in all, one request each.
	Clients, Values int
	// TimeoutLimits bounds timeout kinds by name, for example the
	// timeout-driven view changes; a kind not named fires freely.
	TimeoutLimits map[string]int
	// Drops, Duplicates and Crashes bound those faults over a whole run.
	Drops, Duplicates, Crashes int
	// MaxDown is the largest number of replicas down at once.
	MaxDown int
	// Clock names the timeout kind, if any, that is a tick of a
	// replica's clock. It fires at a replica that is not down while that
	// replica has ticked fewer than Ticks times in all and no more than
	// Drift times more than the replica not down that has ticked least:
	// the replicas' clocks run at rates that differ within a bound.
	// TimeoutLimits does not bound it.
	Clock        string
	Ticks, Drift int
	// Reconfigure, when not 0, is the group, a bit a replica, that an
	// administrator asks for once, as client Clients+1: its request goes
	// to any replica, again and again until it has the reply.
	Reconfigure uint64
}

// Options says how to search.
type Options struct {
	Mode     Mode
	Workers  int  // BFS workers; 0 is one per CPU
	Symmetry bool // reduce by permutations of the values
	Deadlock bool // report a state without successors
	Seed     uint64
	Walks    int // random walks; 0 runs until a limit
	Depth    int // the deepest state DFS and walks go to; 0 is 100
	// MaxDepth bounds BFS to the states at most that many steps from the
	// initial state; 0 is no bound. TLC's WithinDepth constraint in
	// spec/tla/VSR.tla bounds its search the same way.
	MaxDepth int
	// MaxStates and TimeLimit stop the search early; 0 is no limit.
	MaxStates uint64
	TimeLimit time.Duration
	// Progress receives a line every ProgressEvery, if set.
	Progress      io.Writer
	ProgressEvery time.Duration
	// Full puts every replica's whole state and the messages in flight
	// after each step into a counterexample's steps.
	Full bool
	// TempDir is where breadth-first search keeps its frontier; the
	// system's temporary directory when empty.
	TempDir string
	// MemoryLimit stops the search, with its summary, when the process's
	// resident memory reaches it, in bytes; 0 is no limit.
	MemoryLimit uint64
	// Interrupt stops the search, with its summary, when it is closed.
	Interrupt <-chan struct{}
	// TuneMemory keeps the Go runtime's soft memory limit a little above
	// the fingerprint set, which is nearly all the search's live memory,
	// so that the collector runs rarely while the set is small and the
	// heap stays near it when it is large. It sets a limit for the whole
	// process: for a command, not for a library's caller.
	TuneMemory bool
}

// Result is what a search found.
type Result struct {
	Mode      Mode
	Violation *Violation
	Generated uint64 // states generated, duplicates included
	Distinct  uint64 // distinct states found
	Depth     int    // the depth reached
	Complete  bool   // the whole bounded state space was explored
	// DepthBound is the depth bound (Options.MaxDepth of BFS, Depth of
	// DFS) when the search stopped there, having explored every state
	// within that many steps.
	DepthBound int
	// Stopped names the limit that ended a search before it was complete:
	// -max-states, -time, -memory, an interrupt, or the number of walks.
	Stopped string
	Elapsed time.Duration
	// PeakResident is the most resident memory the process has had, in
	// bytes, when the system tells; 0 when not.
	PeakResident uint64
	// Fired counts the transitions of each rule, by rule ID.
	Fired []uint64
	// Rules names the rules, by rule ID.
	Rules []string
	// FPBytes is the memory of the fingerprint set.
	FPBytes int
	// Collision estimates the probability that two distinct states had
	// one fingerprint, as TLC does: distinct × generated / 2^64.
	Collision float64
	// Seed is the seed of the walk that found the violation, or of the
	// first walk; Walks the number of walks run.
	Seed  uint64
	Walks int
	// LastWalk is the path of the last walk that found no violation, and
	// LastSeed its seed.
	LastWalk Path
	LastSeed uint64
}

// Violation is a broken invariant, action property or deadlock, with the
// steps from the initial state that lead to it.
type Violation struct {
	Kind  string // "invariant", "action" or "deadlock"
	Err   error
	Trace []Step
	// Path is the same steps, for Steps to describe for a trace.
	Path Path
}

// checker holds one search.
type checker[R any] struct {
	p       model.Protocol[R]
	bounds  Bounds
	opts    Options
	init    *world[R]
	values  [][]byte
	index   map[string]int // value to its index
	perms   [][]int
	set     *fpSet
	stop    atomic.Bool
	gen     atomic.Uint64
	start   time.Time
	maxRule int
	mu      sync.Mutex
	stopWhy string // the first limit that stopped the search
	// clock is the index of the timeout kind Bounds.Clock names; -1 for
	// none.
	clock int
	// What the progress lines of DFS and walks show.
	pathLen, walksRun atomic.Int64
}

// MaxSymmetryValues is the most values symmetry reduction permutes: it
// canonicalizes a state by trying every permutation of the values, 40,320
// for 8.
const MaxSymmetryValues = 8

// maxIndex is the most distinct states breadth-first search can number:
// it keeps each state's parent as a uint32. Tests lower it.
var maxIndex = math.MaxUint32

// Check explores the configuration whose replicas start in init.
func Check[R any](p model.Protocol[R], init []R, b Bounds, o Options) (*Result, error) {
	c, err := newChecker(p, init, b, o)
	if err != nil {
		return nil, err
	}
	defer c.watch()()
	switch o.Mode {
	case BFS, "":
		return c.bfs()
	case DFS:
		return c.dfs()
	case Walk:
		return c.walks()
	}
	return nil, fmt.Errorf("modelcheck: unknown mode %q", o.Mode)
}

func newChecker[R any](p model.Protocol[R], init []R, b Bounds, o Options) (*checker[R], error) {
	if len(init) == 0 || len(init) > 64 {
		return nil, fmt.Errorf("modelcheck: %d replicas, want 1 to 64", len(init))
	}
	if b.Values > 16 || b.Clients > 16 || b.Clients < 0 || b.Values < 0 {
		return nil, fmt.Errorf("modelcheck: %d clients and %d values, want 0 to 16 each", b.Clients, b.Values)
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Depth <= 0 {
		o.Depth = 100
	}
	if o.Mode == DFS && o.Depth > math.MaxUint16 {
		return nil, fmt.Errorf("modelcheck: depth %d: depth-first search goes to depth %d at most", o.Depth, math.MaxUint16)
	}
	set := newFPSet()
	if o.Mode == DFS {
		set = newDepthSet()
	}
	c := &checker[R]{p: p, bounds: b, opts: o, set: set, index: map[string]int{}, maxRule: len(p.Rules())}
	for v := 0; v < b.Values; v++ {
		val := []byte(fmt.Sprintf("v%d", v+1))
		c.values = append(c.values, val)
		c.index[string(val)] = v
	}
	timeouts := p.Timeouts()
	for name := range b.TimeoutLimits {
		if !slices.Contains(timeouts, name) {
			return nil, fmt.Errorf("modelcheck: no timeout %q in the spec; it has %v", name, timeouts)
		}
	}
	w := &world[R]{replicas: init, raw: make([][]byte, len(init)), clients: make([]client, b.Clients),
		drops: b.Drops, dups: b.Duplicates, crashes: b.Crashes}
	c.clock = slices.Index(timeouts, b.Clock)
	switch {
	case b.Clock != "" && c.clock < 0:
		return nil, fmt.Errorf("modelcheck: no timeout %q in the spec for the clock; it has %v", b.Clock, timeouts)
	case b.Ticks < 0 || b.Drift < 0:
		return nil, fmt.Errorf("modelcheck: ticks %d, drift %d: want 0 or more", b.Ticks, b.Drift)
	case c.clock >= 0:
		w.clocks = make([]int, len(init))
	}
	for i, name := range timeouts {
		limit, ok := b.TimeoutLimits[name]
		if !ok {
			limit = -1
		}
		if i == c.clock {
			limit = 0 // offered by canTick, not by a budget
		}
		w.timeouts = append(w.timeouts, limit)
	}
	c.init = w
	if o.Symmetry {
		if b.Values > MaxSymmetryValues {
			return nil, fmt.Errorf("modelcheck: symmetry over %d values: every state would be tried under %d! permutations; at most %d values",
				b.Values, b.Values, MaxSymmetryValues)
		}
		c.perms = permutations(b.Values)
	}
	return c, nil
}

// permutations lists the permutations of 0..n-1, the identity first.
func permutations(n int) [][]int {
	var out [][]int
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			out = append(out, append([]int(nil), p...))
			return
		}
		for i := k; i < n; i++ {
			p[k], p[i] = p[i], p[k]
			rec(k + 1)
			p[k], p[i] = p[i], p[k]
		}
	}
	rec(0)
	return out
}

// canonical returns the canonical encoding of w: with symmetry, the least
// encoding over all permutations of the values.
func (c *checker[R]) canonical(w *world[R]) ([]byte, error) {
	return c.canonicalInto(nil, w)
}

// canonicalInto is canonical, encoding into buf when it can.
func (c *checker[R]) canonicalInto(buf []byte, w *world[R]) ([]byte, error) {
	best := c.encode(buf, w)
	for _, perm := range c.perms[min(1, len(c.perms)):] {
		r, err := c.rename(w, perm)
		if err != nil {
			return nil, err
		}
		if b := c.encode(nil, r); string(b) < string(best) {
			best = b
		}
	}
	return best, nil
}

// rename returns w with value i replaced by value perm[i] everywhere.
func (c *checker[R]) rename(w *world[R], perm []int) (*world[R], error) {
	f := func(v []byte) []byte {
		if i, ok := c.index[string(v)]; ok {
			return c.values[perm[i]]
		}
		return v
	}
	n := w.shallow()
	for i := range n.replicas {
		rep := c.p.CloneReplica(&w.replicas[i])
		c.p.RenameValues(&rep, f)
		n.replicas[i], n.raw[i] = rep, nil
	}
	n.clients = make([]client, len(w.clients))
	for i, cl := range w.clients {
		if cl.request > 0 {
			cl.value = perm[cl.value]
		}
		n.clients[i] = cl
	}
	n.submitted = 0
	for v := range c.values {
		if w.submitted&(1<<v) != 0 {
			n.submitted |= 1 << perm[v]
		}
	}
	n.net = nil // built anew: renaming reorders the entries
	for _, e := range w.net {
		msg, err := c.p.RenameMessageValues(e.msg, f)
		if err != nil {
			return nil, err
		}
		n.net = addCopy(n.net, entry{to: e.to, count: e.count, msg: msg})
	}
	n.acked = nil
	for _, m := range w.acked {
		msg, err := c.p.RenameMessageValues(m, f)
		if err != nil {
			return nil, err
		}
		n.acked = addReply(n.acked, msg)
	}
	return n, nil
}

// invariants checks the invariants of w.
func (c *checker[R]) invariants(w *world[R]) error {
	return c.p.CheckInvariants(w.replicas, w.acked)
}

// limited reports whether a state or time limit has been reached.
func (c *checker[R]) limited(distinct uint64) bool {
	if c.opts.MaxStates > 0 && distinct >= c.opts.MaxStates {
		c.stopped(fmt.Sprintf("at the limit of %d distinct states (-max-states)", c.opts.MaxStates))
		return true
	}
	if c.opts.TimeLimit > 0 && time.Since(c.start) >= c.opts.TimeLimit {
		c.stopped(fmt.Sprintf("at the time limit of %s (-time)", c.opts.TimeLimit))
		return true
	}
	return false
}

// stopped records the first limit that stopped the search.
func (c *checker[R]) stopped(why string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopWhy == "" {
		c.stopWhy = why
	}
}

// node is a state of the BFS frontier: its encoding and its index.
type node struct {
	state []byte
	index uint32
}

// found is a violation met by a worker: the step from state parent that
// breaks something.
type found struct {
	parent  uint32
	ordinal uint32 // the step's position among the parent's successors, from 1
	kind    string
	err     error
}

func (f *found) before(g *found) bool {
	return f.parent < g.parent || f.parent == g.parent && f.ordinal < g.ordinal
}

// levelOut is what one worker found in one BFS level.
type levelOut[R any] struct {
	new     batch // new states not yet handed to the spill
	fired   []uint64
	err     error
	scratch []byte // where successors are encoded before they are known new
	worlds  scratch[R]
}

// begin starts a search in mode: it stores the initial state and checks
// it. A nil state means the initial state already breaks an invariant, and
// res says which.
func (c *checker[R]) begin(mode Mode) (res *Result, initState []byte, err error) {
	c.start = time.Now()
	res = &Result{Mode: mode, Fired: make([]uint64, c.maxRule), Rules: ruleNames(c.p), Distinct: 1}
	if initState, err = c.canonical(c.init); err != nil {
		return nil, nil, err
	}
	if c.opts.Mode == DFS {
		c.set.reach(wire.Fingerprint(initState), 0)
	} else {
		c.set.insert(wire.Fingerprint(initState))
	}
	if err := c.invariants(c.init); err != nil {
		res.Violation = &Violation{Kind: "invariant", Err: err}
		return c.finish(res), nil, nil
	}
	return res, initState, nil
}

func (c *checker[R]) bfs() (*Result, error) {
	res, initState, err := c.begin(BFS)
	if err != nil || initState == nil {
		return res, err
	}
	sp, err := newSpill(c.opts.TempDir)
	if err != nil {
		return nil, err
	}
	defer sp.close()
	// The initial state is state 0, its own parent.
	if err := sp.startLevel(); err != nil {
		return nil, err
	}
	init := batch{data: initState, lens: []int{len(initState)}, parents: []uint32{0}, ords: []uint32{0}}
	if _, err := sp.add(&init, maxIndex); err != nil {
		return nil, err
	}
	level, n, err := sp.endLevel()
	if err != nil {
		return nil, err
	}
	var depth, queue atomic.Int64
	queue.Store(1)
	stopProgress := c.progress(func() string {
		return fmt.Sprintf("depth %d: %d generated, %d distinct, %d in the queue", depth.Load(), c.gen.Load(), c.set.len(), queue.Load())
	})
	defer stopProgress()
	for n > 0 {
		if c.opts.MaxDepth > 0 && res.Depth >= c.opts.MaxDepth {
			level.close()
			res.DepthBound = c.opts.MaxDepth
			res.Distinct = uint64(sp.nextIndex)
			return c.finish(res), nil
		}
		if err := sp.startLevel(); err != nil {
			level.close()
			return nil, err
		}
		outs := make([]levelOut[R], c.opts.Workers)
		var mu sync.Mutex
		var first *found
		var wg sync.WaitGroup
		for wi := range outs {
			wg.Add(1)
			go func(out *levelOut[R]) {
				defer wg.Done()
				out.fired = make([]uint64, c.maxRule)
				c.work(level, sp, out, func(f *found) {
					mu.Lock()
					if first == nil || f.before(first) {
						first = f
					}
					mu.Unlock()
				})
			}(&outs[wi])
		}
		wg.Wait()
		level.close()
		for i := range outs {
			if outs[i].err != nil {
				return nil, outs[i].err
			}
			for r, n := range outs[i].fired {
				res.Fired[r] += n
			}
		}
		res.Distinct = uint64(sp.nextIndex)
		if first != nil {
			p, err := sp.path(first.parent)
			if err != nil {
				return nil, err
			}
			res.Violation, err = c.violation(first.kind, first.err, p, first.ordinal)
			if err != nil {
				return nil, err
			}
			return c.finish(res), nil
		}
		if level, n, err = sp.endLevel(); err != nil {
			return nil, err
		}
		if n > 0 {
			res.Depth++
		}
		depth.Store(int64(res.Depth))
		queue.Store(int64(n))
		if c.stop.Load() || c.limited(res.Distinct) {
			level.close()
			return c.finish(res), nil
		}
	}
	level.close()
	res.Complete = true
	return c.finish(res), nil
}

// work is one BFS worker on one level: it takes batches of states from
// level, expands them, and hands the new states to sp in batches of its
// own, until the level ends or the search stops. found gets each violation
// it meets.
func (c *checker[R]) work(level *levelReader, sp *spill, out *levelOut[R], found func(*found)) {
	var in batch
	flush := func() bool {
		if len(out.new.lens) == 0 {
			return true
		}
		ok, err := sp.add(&out.new, maxIndex)
		out.new.reset()
		switch {
		case err != nil:
			out.err = err
		case !ok:
			c.stopped(fmt.Sprintf("at %d distinct states, the most breadth-first search can number (its state index is 32 bits)", maxIndex))
		default:
			return true
		}
		c.stop.Store(true)
		return false
	}
	defer flush()
	for batches := 0; !c.stop.Load(); batches++ {
		in.reset()
		k, err := level.read(&in, 16)
		if err != nil {
			out.err = err
			c.stop.Store(true)
			return
		}
		if k == 0 {
			return
		}
		if batches%256 == 255 && c.limited(uint64(c.set.len())) {
			c.stop.Store(true)
			return
		}
		off := 0
		for j := range k {
			nd := node{state: in.data[off : off+in.lens[j]], index: in.parents[j]}
			off += in.lens[j]
			if f := c.expand(nd, out); f != nil {
				found(f)
			}
			if out.err != nil {
				c.stop.Store(true)
				return
			}
		}
		if len(out.new.data) >= ioBuffer/4 && !flush() {
			return
		}
	}
}

// expand generates the successors of nd into out and returns the first
// violation it meets.
func (c *checker[R]) expand(nd node, out *levelOut[R]) *found {
	f, err := c.visit(nd.state, &out.worlds, &out.scratch, out.fired, nil, func(b []byte, ord uint32) {
		out.new.data = append(out.new.data, b...)
		out.new.lens = append(out.new.lens, len(b))
		out.new.parents = append(out.new.parents, nd.index)
		out.new.ords = append(out.new.ords, ord)
	})
	if err != nil {
		out.err = err
		return nil
	}
	if f != nil {
		f.parent = nd.index
	}
	return f
}

// visit generates the successors of an encoded state, counts them and the
// rules they fire, and passes each new one with its ordinal to keep. The
// encoding keep gets lives in *buf and is valid only until keep returns.
// visit returns the first violation it meets, with the ordinal of the
// step that breaks it, or an error. admit, when set, decides instead of
// the fingerprint set which successors are new (their invariants are
// checked) and which keep gets (new ones and others to explore again).
func (c *checker[R]) visit(state []byte, scr *scratch[R], buf *[]byte, fired []uint64, admit func(fp uint64) (isNew, explore bool), keep func(b []byte, ord uint32)) (*found, error) {
	w, err := c.decode(state)
	if err != nil {
		return nil, err
	}
	var ord uint32
	var f *found
	var cerr error
	_, err = c.successors(w, scr, func(next *world[R], act *action) bool {
		ord++
		c.gen.Add(1)
		fired[act.fired.Rule]++
		if act.fired.Quorum != 0 {
			fired[act.fired.Quorum]++
		}
		b, err := c.canonicalInto((*buf)[:0], next)
		if err != nil {
			cerr = err
			return false
		}
		*buf = b[:0]
		var isNew, explore bool
		if fp := wire.Fingerprint(b); admit != nil {
			isNew, explore = admit(fp)
		} else {
			isNew = c.set.insert(fp)
			explore = isNew
		}
		if isNew {
			if err := c.invariants(next); err != nil {
				f = &found{ordinal: ord, kind: "invariant", err: err}
				return false
			}
		}
		if explore {
			keep(b, ord)
		}
		return true
	})
	switch {
	case cerr != nil:
		return nil, cerr
	case err != nil:
		var ae *actionError
		if !errors.As(err, &ae) {
			return nil, err
		}
		return &found{ordinal: ord + 1, kind: "action", err: ae.err}, nil
	case f != nil:
		return f, nil
	case ord == 0 && c.opts.Deadlock:
		return &found{kind: "deadlock", err: errors.New("no action is enabled")}, nil
	}
	return nil, nil
}

// actionError is an action property that a step broke.
type actionError struct{ err error }

func (e *actionError) Error() string { return e.err.Error() }
func (e *actionError) Unwrap() error { return e.err }

func ruleNames[R any](p model.Protocol[R]) []string {
	var names []string
	for _, r := range p.Rules() {
		names = append(names, r.Name)
	}
	return names
}

// finish completes a result with what every mode reports.
func (c *checker[R]) finish(res *Result) *Result {
	res.Elapsed = time.Since(c.start)
	res.Generated = c.gen.Load()
	_, res.PeakResident = residentMemory()
	if res.Violation != nil && len(res.Violation.Trace) > 0 {
		res.Depth = len(res.Violation.Trace) // the counterexample's steps, as the report numbers them
	}
	if !res.Complete && res.DepthBound == 0 && res.Violation == nil && res.Stopped == "" {
		c.mu.Lock()
		res.Stopped = c.stopWhy
		c.mu.Unlock()
	}
	res.FPBytes = c.set.bytes()
	res.Collision = float64(res.Distinct) * float64(res.Generated) / (1 << 64)
	return res
}

// progress prints line() every ProgressEvery until the returned function
// is called.
func (c *checker[R]) progress(line func() string) func() {
	if c.opts.Progress == nil || c.opts.ProgressEvery <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(c.opts.ProgressEvery)
		defer t.Stop()
		last, lastAt := uint64(0), time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				n := uint64(c.set.len())
				rate := float64(n-last) / now.Sub(lastAt).Seconds()
				last, lastAt = n, now
				fmt.Fprintf(c.opts.Progress, "progress: %s, %.0f distinct states/s, %s\n", line(), rate, time.Since(c.start).Round(time.Second))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// splitmix derives the seed of walk k from the search's seed.
func splitmix(seed, k uint64) uint64 {
	z := seed + (k+1)*0x9E3779B97F4A7C15
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}
