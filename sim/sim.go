// Package sim is a deterministic simulator of the runtime's nodes, in the
// manner of TigerBeetle's VOPR: N replicas of runtime.Node, the code a
// Server runs, and M clients, all in one goroutine, over a simulated
// network and simulated clocks, every choice drawn from one seed, so that
// a failure replays exactly from its seed.
//
// A run has two phases. In the safety phase the network loses, duplicates,
// delays and replays messages, partitions change, links clog, replicas
// crash and restart and their clocks drift, as the run's Faults say; after every step the
// spec's invariants must hold over all replicas. In the liveness phase the
// faults stop, every replica runs, and the cluster must answer every
// outstanding request within a bounded time. At the end, porcupine must
// find the clients' whole history linearizable against the key-value
// store's model.
//
// The package examples/kv/store is the replicated service and
// examples/kv/history its model, so that what runs here is what the kv
// command runs.
package sim

import (
	"container/heap"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/viewstamped/vsr/examples/kv/history"
	"github.com/viewstamped/vsr/examples/kv/store"
	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/runtime"
	"github.com/viewstamped/vsr/spec"
)

// Timing is the nodes' timing in the simulator: the runtime's intervals
// scaled down, so that a run of a few seconds of simulated time goes
// through many view changes.
var Timing = runtime.Timing{Heartbeat: 2, Election: 10, ViewChange: 10, ViewChangeMax: 80, Recovery: 5}

// Simulated time is in microseconds.
const (
	millisecond = int64(1000)
	tick        = 10 * millisecond // a replica's tick, before drift
)

// Options configure a run.
type Options struct {
	Seed uint64
	// Replicas and Clients: 3 and 4 by default; 5 replicas, the first
	// group three of them, when the faults reconfigure.
	Replicas, Clients int
	// Steps bounds the safety phase: events the simulator processes.
	Steps int
	// LivenessTicks bounds the liveness phase, in ticks: by then every
	// outstanding request must be answered. 3000 by default.
	LivenessTicks int
	// Spec chooses the protocol's variants; its Replicas is Replicas. A
	// zero Batch or Pipeline is drawn from the seed, so that some seeds'
	// primaries batch under every load and others never do; so are a
	// zero CheckpointInterval, when the state machine takes snapshots,
	// and ViewChangeLog, so that some seeds take checkpoints every few
	// operations and fetch logs in view changes and others rarely do,
	// and a zero Lease, when the state machine answers reads, so that
	// half the seeds answer gets at the primary under leases, whose
	// margin covers the clocks' drift.
	Spec spec.Config
	// Faults are the run's faults; nil draws them from the seed (Swarm),
	// and reconfigurations on a third of the seeds.
	Faults *Faults
	// BeyondF lets more than f replicas be down at once. The cluster may
	// then stop serving, so the run checks safety only: no liveness
	// phase.
	BeyondF bool
	// Keys is how many keys the clients use; 3 by default.
	Keys int
	// CheckEvery checks the invariants after every CheckEvery-th step; 1,
	// the default, after every step.
	CheckEvery int
	// Timing is the nodes' timing; Timing (the package's) when zero.
	Timing runtime.Timing
	// ClockDrift, when not zero, is the drift of clocks the nodes' leases
	// assume, instead of what the faults' drift needs: a test sets it too
	// small to show the checks catching what leases then get wrong.
	ClockDrift float64
	// NewStateMachine returns the replicated service, empty; the
	// key-value store of examples/kv/store when nil. The clients speak
	// the store's operations and porcupine checks them against its model,
	// so another service must answer them as the store does (a test gives
	// a broken one to show that the check catches it).
	NewStateMachine func() runtime.StateMachine
	// Progress, when set, is called every 65,536 steps with the steps
	// taken so far and the simulated time, for progress lines on long
	// runs.
	Progress func(steps int, now time.Duration)
	// Trace, when set, is told every step of every node (package trace
	// records them as a run trace, which vsrgen trace validate checks
	// against the spec and VSR.tla).
	Trace runtime.Tracer
}

// Result is what a run did and found.
type Result struct {
	Seed   uint64
	Faults Faults
	// Batch and Pipeline are the primaries' batching, as given or drawn;
	// Checkpoint and ViewChangeLog the replicas' checkpoint interval and
	// view change logs; Lease the primaries' leases, 0 for none.
	Batch, Pipeline uint16
	Checkpoint      uint32
	ViewChangeLog   uint16
	Lease           uint16
	Steps           int   // events processed, in both phases
	Fired           int   // of them, the events on which a replica's rule fired
	Time            int64 // simulated time at the end, in microseconds
	Ops             int   // operations acknowledged to clients
	Unknown         int   // operations whose outcome the clients never learned
	Crashes         int
	// Reconfigurations counts those the administrator saw committed;
	// Epoch is the newest epoch a replica reached.
	Reconfigurations int
	Epoch            spec.EpochNumber
	// MostDown is the most replicas that were without their state at
	// once: down, or restarted and still recovering.
	MostDown int
	Views    spec.ViewNumber // the highest view any replica reached
	// Failure is what broke, or nil.
	Failure *Failure
	// Elapsed is the wall-clock time of the run.
	Elapsed time.Duration
}

// Failure is a broken check: at which step and simulated time, and what.
type Failure struct {
	Step  int
	Time  int64
	Phase string // "safety", "liveness" or "history"
	What  string
}

func (f *Failure) Error() string {
	return fmt.Sprintf("step %d (%.3fs simulated), %s phase: %s", f.Step, float64(f.Time)/1e6, f.Phase, f.What)
}

// errFailed ends a run; the failure is in the simulator.
var errFailed = errors.New("sim: a check failed")

// errUnchanged says that a step fired no rule, so that no state changed.
var errUnchanged = errors.New("sim: no rule fired")

// Run runs one simulation.
func Run(o Options) *Result {
	start := time.Now()
	s := newSim(o)
	err := s.run()
	res := s.result()
	res.Elapsed = time.Since(start)
	if err != nil && !errors.Is(err, errFailed) {
		res.Failure = &Failure{Step: s.steps, Time: s.now, Phase: s.phase, What: err.Error()}
	}
	return res
}

// SpecOf returns the configuration of the protocol that a run with
// options o has, with what the seed draws: for a trace's header.
func SpecOf(o Options) spec.Config { return newSim(o).cfg }

// sim is one run.
type sim struct {
	o      Options
	rng    *rand.Rand
	faults Faults // the faults now: the run's in the safety phase, none after
	drawn  Faults // the run's
	timing runtime.Timing
	cfg    spec.Config
	now    int64
	steps  int
	fired  int
	phase  string
	queue  events
	seq    uint64

	replicas []*replica
	clients  []*client
	admin    admin
	// epoch is the newest epoch a reply told of, which the administrator
	// asks to end (7.4).
	epoch    spec.EpochNumber
	history  *history.Recorder
	replies  []spec.Reply // one per acknowledged request, with the first view it was acknowledged in
	failure  *Failure
	crashes  int
	mostDown int
	maxView  spec.ViewNumber
	// cut[i][j] is true when messages from i to j are lost; clogged[i][j]
	// is until when they are.
	cut     [][]bool
	clogged [][]int64
}

// replica is one replica: its node while it runs, nil while it is down.
type replica struct {
	index       int
	node        *runtime.Node
	incarnation int
	period      int64 // its tick, drifted
	// lost is what the invariants see of a replica that is down.
	lost spec.Replica
}

func newSim(o Options) *sim {
	replicas := o.Replicas
	if o.Replicas <= 0 {
		o.Replicas = 3
	}
	if o.Clients <= 0 {
		o.Clients = 4
	}
	if o.LivenessTicks <= 0 {
		o.LivenessTicks = 3000
	}
	if o.Keys <= 0 {
		o.Keys = 3
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = 1
	}
	if o.NewStateMachine == nil {
		o.NewStateMachine = func() runtime.StateMachine { return store.New() }
	}
	s := &sim{o: o, rng: rand.New(rand.NewPCG(o.Seed, 0x5eed)), phase: "safety", history: history.NewRecorder()}
	if o.Faults != nil {
		s.drawn = *o.Faults
	} else {
		s.drawn = Swarm(s.rng)
		// Drawn apart, so that a seed's other faults stay what they
		// were before reconfigurations were drawn.
		if recon := rand.New(rand.NewPCG(o.Seed, 0x7ec0)); recon.IntN(3) == 0 {
			s.drawn.Reconfigure, s.drawn.ReconfigureEvery = true, 100+recon.IntN(1500)
		}
	}
	if s.drawn.Reconfigure && replicas <= 0 {
		o.Replicas = 5
		if o.Spec.Members == 0 {
			o.Spec.Members = 0b111
		}
		s.o = o
	}
	s.faults = s.drawn
	s.timing = o.Timing
	if s.timing == (runtime.Timing{}) {
		s.timing = Timing
	}
	s.cfg = o.Spec
	s.cfg.Replicas = uint8(o.Replicas)
	if s.cfg.Pipeline == 0 {
		s.cfg.Pipeline = []uint16{1, 2, runtime.DefaultPipeline}[s.rng.IntN(3)]
	}
	if s.cfg.Batch == 0 {
		s.cfg.Batch = []uint16{2, 8, runtime.DefaultBatch}[s.rng.IntN(3)]
	}
	// Drawn apart from the faults and the batching, so that a seed's
	// faults stay what they were before checkpoints were drawn.
	more := rand.New(rand.NewPCG(o.Seed, 0xc4ec))
	if _, ok := o.NewStateMachine().(runtime.Snapshotter); ok && s.cfg.CheckpointInterval == 0 {
		s.cfg.CheckpointInterval = []uint32{4, 16, 64, runtime.DefaultCheckpointInterval}[more.IntN(4)]
	}
	if s.cfg.ViewChangeLog == 0 {
		s.cfg.ViewChangeLog = []uint16{1, 4, runtime.DefaultViewChangeLog}[more.IntN(3)]
	}
	if _, ok := o.NewStateMachine().(runtime.Reader); ok && s.cfg.Lease == 0 {
		s.cfg.Lease = []uint16{0, 0, 4, 12}[more.IntN(4)]
	}
	s.cut = make([][]bool, o.Replicas)
	s.clogged = make([][]int64, o.Replicas)
	for i := range s.cut {
		s.cut[i] = make([]bool, o.Replicas)
		s.clogged[i] = make([]int64, o.Replicas)
	}
	for i := range o.Replicas {
		r := &replica{index: i, lost: spec.CrashedReplica(s.cfg, spec.ReplicaIndex(i))}
		r.period = tick + int64(float64(tick)*s.faults.Drift*(2*s.rng.Float64()-1))
		s.replicas = append(s.replicas, r)
	}
	for c := range o.Clients {
		s.clients = append(s.clients, &client{index: c})
	}
	if s.drawn.Reconfigure {
		s.admin.id = spec.ClientID(o.Clients + 1)
		s.cfg.Admin = s.admin.id
	}
	return s
}

// clockDrift returns the drift the nodes' leases must assume: a replica
// ticks every tick times 1±Drift of simulated time, so its clock runs
// between 1/(1+Drift) and 1/(1-Drift) as fast as simulated time.
func (s *sim) clockDrift() float64 {
	if s.o.ClockDrift != 0 || s.faults.Drift == 0 {
		return s.o.ClockDrift
	}
	return s.faults.Drift / (1 - s.faults.Drift)
}

// event kinds.
const (
	evTick = iota + 1
	evDeliver
	evReply
	evClient
	evPartition
	evCrash
	evRestart
	evClog
	evAdmin
)

type event struct {
	at   int64
	seq  uint64
	kind int
	to   int // the replica or client
	from int
	// incarnation is the receiving replica's when the message was sent
	// to a process, or the replica's for a tick: a crash ends both.
	incarnation int
	msg         []byte
}

type events []event

func (q events) Len() int { return len(q) }
func (q events) Less(i, j int) bool {
	return q[i].at < q[j].at || q[i].at == q[j].at && q[i].seq < q[j].seq
}
func (q events) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *events) Push(x any)   { *q = append(*q, x.(event)) }
func (q *events) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

func (s *sim) schedule(e event) {
	s.seq++
	e.seq = s.seq
	heap.Push(&s.queue, e)
}

func (s *sim) run() error {
	for _, r := range s.replicas {
		if err := s.startNode(r, runtime.NewCluster); err != nil {
			return err
		}
	}
	for _, c := range s.clients {
		c.arm(s, s.rng.Int64N(10*millisecond)+1)
	}
	if s.faults.Partition {
		s.schedule(event{at: s.randAround(s.faults.PartitionEvery), kind: evPartition})
	}
	if s.faults.Crash {
		s.schedule(event{at: s.randAround(s.faults.CrashEvery), kind: evCrash})
	}
	if s.faults.Clog {
		s.schedule(event{at: s.randAround(s.faults.ClogEvery), kind: evClog})
	}
	if s.faults.Reconfigure {
		s.admin.arm(s, s.randAround(s.faults.ReconfigureEvery)-s.now)
	}
	for s.steps < s.o.Steps {
		if err := s.step(); err != nil {
			return err
		}
	}
	if !s.o.BeyondF {
		if err := s.liveness(); err != nil {
			return err
		}
	}
	return s.checkHistory()
}

// randAround returns a time about ms milliseconds from now.
func (s *sim) randAround(ms int) int64 {
	return s.now + millisecond/2 + s.rng.Int64N(2*int64(ms)*millisecond+1)
}

// step processes the next event and checks the invariants.
func (s *sim) step() error {
	if s.queue.Len() == 0 {
		return s.fail("the simulation ran out of events")
	}
	e := heap.Pop(&s.queue).(event)
	s.now = e.at
	s.steps++
	if s.o.Progress != nil && s.steps%65536 == 0 {
		s.o.Progress(s.steps, time.Duration(s.now)*time.Microsecond)
	}
	changed, err := s.handle(e)
	if errors.Is(err, errUnchanged) {
		return nil
	}
	if err != nil {
		return err
	}
	if changed >= 0 && s.steps%s.o.CheckEvery == 0 {
		return s.checkInvariants()
	}
	return nil
}

// handle processes e and returns the replica whose state it may have
// changed, or -1.
func (s *sim) handle(e event) (int, error) {
	switch e.kind {
	case evTick:
		r := s.replicas[e.to]
		if r.node == nil || r.incarnation != e.incarnation {
			return -1, nil // the tick of a process that crashed
		}
		s.schedule(event{at: s.now + r.period, kind: evTick, to: r.index, incarnation: r.incarnation})
		return r.index, s.onNode(r, func(n *runtime.Node) error { n.Tick(); return nil })
	case evDeliver:
		r := s.replicas[e.to]
		if r.node == nil || r.incarnation != e.incarnation {
			return -1, nil // the connection to a process that crashed
		}
		m, err := generated.UnmarshalMessage(e.msg)
		if err != nil {
			return -1, s.fail(fmt.Sprintf("replica %d sent what does not decode: %v", e.from, err))
		}
		if req, ok := m.(spec.Request); ok {
			return r.index, s.onNode(r, func(n *runtime.Node) error { n.Request(&req); return nil })
		}
		return r.index, s.onNode(r, func(n *runtime.Node) error { return n.Step(e.from, m) })
	case evReply:
		if e.to == len(s.clients) {
			return -1, s.admin.reply(s, e.msg)
		}
		return -1, s.clients[e.to].reply(s, e.from, e.msg)
	case evClient:
		return -1, s.clients[e.to].act(s, e)
	case evAdmin:
		return -1, s.admin.act(s, e)
	case evPartition:
		if s.faults.Partition {
			s.repartition()
			s.schedule(event{at: s.randAround(s.faults.PartitionEvery), kind: evPartition})
		}
	case evCrash:
		if s.faults.Crash {
			s.crash()
			s.schedule(event{at: s.randAround(s.faults.CrashEvery), kind: evCrash})
		}
	case evClog:
		if s.faults.Clog {
			if n := len(s.replicas); n > 1 {
				from := s.rng.IntN(n)
				to := (from + 1 + s.rng.IntN(n-1)) % n
				s.clogged[from][to] = s.now + 1 + s.rng.Int64N(int64(s.faults.ClogFor)*millisecond)
			}
			s.schedule(event{at: s.randAround(s.faults.ClogEvery), kind: evClog})
		}
	case evRestart:
		r := s.replicas[e.to]
		if r.node == nil && s.phase == "safety" {
			return r.index, s.startNode(r, runtime.Recover)
		}
	}
	return -1, nil
}

// onNode runs fn on replica r's node and checks the action properties of
// the step. It returns errUnchanged when no rule fired.
func (s *sim) onNode(r *replica, fn func(n *runtime.Node) error) error {
	before := *r.node.Replica() // the action properties read its numbers only
	steps := r.node.Stats().Steps
	if err := fn(r.node); err != nil {
		return s.fail(fmt.Sprintf("replica %d refused a message: %v", r.index, err))
	}
	if r.node.Stats().Steps == steps {
		return errUnchanged
	}
	s.fired++
	if err := generated.CheckActions(&before, r.node.Replica()); err != nil {
		return s.fail(err.Error())
	}
	s.maxView = max(s.maxView, r.node.Replica().View)
	if rs := r.node.Replica(); rs.Status == spec.Shutdown {
		// The process exits, as kv serve's does. An operator may start
		// it again later: it recovers, and shuts down again unless a
		// reconfiguration has added it back meanwhile.
		r.lost, r.node = *rs, nil
		if s.phase == "safety" {
			s.schedule(event{at: s.now + 100*millisecond + s.rng.Int64N(1000*millisecond), kind: evRestart, to: r.index})
		}
	}
	return nil
}

// startNode starts replica r's node, as a new cluster's or as a process
// that recovers.
func (s *sim) startNode(r *replica, start runtime.Start) error {
	r.incarnation++
	net := &network{s: s, from: r.index}
	rnd := rand.New(rand.NewPCG(s.rng.Uint64(), uint64(r.index)<<32|uint64(r.incarnation)))
	n, err := runtime.NewNode(runtime.NodeConfig{Spec: s.cfg, Index: r.index, Timing: s.timing, ClockDrift: s.clockDrift(),
		NewStateMachine: s.o.NewStateMachine, Trace: s.o.Trace}, start, net, smallNonces{rnd})
	if err != nil {
		return err
	}
	r.node = n
	s.schedule(event{at: s.now + s.rng.Int64N(r.period) + 1, kind: evTick, to: r.index, incarnation: r.incarnation})
	return nil
}

// smallNonces keeps what a node draws below 2^31, so that traces of
// simulated runs hold their recovery nonces as TLC reads them.
type smallNonces struct{ r *rand.Rand }

func (n smallNonces) Uint64() uint64 { return n.r.Uint64() >> 33 }

// checkInvariants checks the spec's invariants over every replica, a down
// one as a crash leaves it, and the replies the clients received.
func (s *sim) checkInvariants() error {
	states := make([]spec.Replica, len(s.replicas))
	for i, r := range s.replicas {
		if r.node != nil {
			states[i] = *r.node.Replica()
		} else {
			states[i] = r.lost
		}
	}
	if err := generated.CheckInvariants(states, s.replies); err != nil {
		return s.fail(err.Error())
	}
	return nil
}

func (s *sim) fail(what string) error {
	s.failure = &Failure{Step: s.steps, Time: s.now, Phase: s.phase, What: what}
	return errFailed
}

// lost returns how many replicas of the newest group have no state of
// its epoch: down, restarted and still recovering, or still in an
// earlier epoch, in standby or waiting for the history.
func (s *sim) lost() int {
	g, e := s.group()
	n := 0
	for _, r := range s.replicas {
		if !g.Has(spec.ReplicaIndex(r.index)) {
			continue
		}
		if r.node == nil || r.node.Replica().Epoch < e {
			n++
			continue
		}
		switch r.node.Replica().Status {
		case spec.Crashed, spec.Recovering, spec.RecoveringVector:
			n++
		}
	}
	return n
}

// group returns the newest epoch a running replica is in, and its group.
func (s *sim) group() (spec.ReplicaSet, spec.EpochNumber) {
	g, e := s.cfg.Group(), spec.EpochNumber(0)
	for _, r := range s.replicas {
		if r.node != nil && r.node.Replica().Epoch > e {
			g, e = r.node.Replica().Members, r.node.Replica().Epoch
		}
	}
	return g, e
}

// crash crashes a running replica, if the bounds allow, and schedules its
// restart. At most f replicas of the group may be without their state at
// once, unless the run checks safety only: beyond that, recovery cannot
// finish. None crashes while a reconfiguration is outstanding.
func (s *sim) crash() {
	if g, _ := s.group(); !s.o.BeyondF && (s.lost() >= g.F() || s.admin.waiting) {
		return
	}
	var up []*replica
	for _, r := range s.replicas {
		if r.node != nil {
			up = append(up, r)
		}
	}
	if len(up) == 0 {
		return
	}
	r := up[s.rng.IntN(len(up))]
	r.node = nil // its process is gone, with every message queued to it
	r.lost = spec.CrashedReplica(s.cfg, spec.ReplicaIndex(r.index))
	s.crashes++
	s.mostDown = max(s.mostDown, s.lost())
	s.schedule(event{at: s.now + millisecond + s.rng.Int64N(int64(s.faults.RestartAfter)*millisecond+1), kind: evRestart, to: r.index})
}

// repartition changes the network's partition: healed, a symmetric split,
// a one-way cut, one replica isolated, or the primary isolated.
func (s *sim) repartition() {
	n := len(s.replicas)
	set := func(cut func(i, j int) bool) {
		for i := range n {
			for j := range n {
				s.cut[i][j] = i != j && cut(i, j)
			}
		}
	}
	switch s.rng.IntN(5) {
	case 0:
		set(func(int, int) bool { return false })
	case 1:
		side := make([]bool, n)
		for i := range side {
			side[i] = s.rng.IntN(2) == 0
		}
		set(func(i, j int) bool { return side[i] != side[j] })
	case 2:
		from, to := s.rng.IntN(n), s.rng.IntN(n)
		set(func(i, j int) bool { return i == from && j == to })
	case 3:
		alone := s.rng.IntN(n)
		set(func(i, j int) bool { return i == alone || j == alone })
	case 4:
		p := s.primary()
		set(func(i, j int) bool { return i == p || j == p })
	}
}

// primary returns the replica that is primary of the newest normal epoch
// and view among those running, or 0.
func (s *sim) primary() int {
	best, epoch, p := spec.ViewNumber(0), spec.EpochNumber(0), 0
	for _, r := range s.replicas {
		if r.node == nil {
			continue
		}
		rs := r.node.Replica()
		if rs.Status == spec.Normal && int(rs.Members.Primary(rs.View)) == r.index && (rs.Epoch > epoch || rs.Epoch == epoch && rs.View >= best) {
			best, epoch, p = rs.View, rs.Epoch, r.index
		}
	}
	return p
}

// liveness stops the faults, restarts every replica that is down, and
// runs until every client's outstanding request is answered.
func (s *sim) liveness() error {
	s.phase = "liveness"
	s.faults = Faults{}
	for i := range s.cut {
		clear(s.cut[i])
		clear(s.clogged[i])
	}
	for _, r := range s.replicas {
		if r.node == nil {
			if err := s.startNode(r, runtime.Recover); err != nil {
				return err
			}
		}
	}
	for _, c := range s.clients {
		c.last = true // one more request each, then stop
	}
	deadline := s.now + int64(s.o.LivenessTicks)*tick
	for !s.settled() {
		if s.now > deadline {
			return s.fail(fmt.Sprintf("%d requests are still unanswered after %d ticks without faults\n%s", s.outstanding(), s.o.LivenessTicks, s.describe()))
		}
		if err := s.step(); err != nil {
			return err
		}
	}
	return nil
}

// settled reports whether every client has finished.
func (s *sim) settled() bool { return s.outstanding() == 0 }

func (s *sim) outstanding() int {
	n := 0
	for _, c := range s.clients {
		if !c.done {
			n++
		}
	}
	return n
}

// checkHistory checks the clients' history with porcupine.
func (s *sim) checkHistory() error {
	s.phase = "history"
	for _, c := range s.clients {
		c.abandon(s)
	}
	switch s.history.Check(time.Minute) {
	case porcupine.Ok:
		return nil
	case porcupine.Unknown:
		return s.fail("porcupine ran out of time on the history")
	}
	return s.fail("the clients' history is not linearizable")
}

func (s *sim) result() *Result {
	ops, unknown := s.history.Len()
	var epoch spec.EpochNumber
	for _, r := range s.replicas {
		if r.node != nil {
			epoch = max(epoch, r.node.Replica().Epoch)
		} else {
			epoch = max(epoch, r.lost.Epoch)
		}
	}
	return &Result{Seed: s.o.Seed, Faults: s.drawn, Batch: s.cfg.Batch, Pipeline: s.cfg.Pipeline,
		Checkpoint: s.cfg.CheckpointInterval, ViewChangeLog: s.cfg.ViewChangeLog, Lease: s.cfg.Lease, Steps: s.steps, Fired: s.fired, Time: s.now, Ops: ops - unknown, Unknown: unknown,
		Crashes: s.crashes, MostDown: s.mostDown, Views: s.maxView, Reconfigurations: s.admin.done, Epoch: epoch, Failure: s.failure}
}

// network is a replica's runtime.Network: what it sends goes into the
// simulator's queue, or is lost.
type network struct {
	s    *sim
	from int
}

func (n *network) Send(to int, msg []byte) {
	s := n.s
	if n.from != to && (s.cut[n.from][to] || s.clogged[n.from][to] > s.now || s.rng.Float64() < s.faults.Loss) {
		return
	}
	copies := 1
	if s.rng.Float64() < s.faults.Duplicate {
		copies = 2
	}
	for range copies {
		s.schedule(event{at: s.now + s.latency(), kind: evDeliver, to: to, from: n.from,
			incarnation: s.replicas[to].incarnation, msg: msg})
	}
	if n.from != to && s.rng.Float64() < s.faults.Replay {
		s.schedule(event{at: s.now + s.latency() + s.rng.Int64N(int64(s.faults.ReplayMax)*millisecond+1), kind: evDeliver, to: to, from: n.from,
			incarnation: s.replicas[to].incarnation, msg: msg})
	}
}

func (n *network) Reply(client uint64, msg []byte) {
	s := n.s
	if s.rng.Float64() < s.faults.Loss {
		return
	}
	c := int(client) - 1
	if c < 0 || c > len(s.clients) || c == len(s.clients) && s.admin.id == 0 {
		return // a reply to a session the simulator does not have
	}
	s.schedule(event{at: s.now + s.latency(), kind: evReply, to: c, from: n.from, msg: msg})
}

// send sends a client's message to replica to.
func (s *sim) send(to int, msg []byte) {
	if s.rng.Float64() < s.faults.Loss {
		return
	}
	s.schedule(event{at: s.now + s.latency(), kind: evDeliver, to: to, from: -1,
		incarnation: s.replicas[to].incarnation, msg: msg})
}

// latency draws a message's time in the network: 50 µs to Latency, and
// with Delay's probability up to DelayMax ms more.
func (s *sim) latency() int64 {
	most := int64(s.faults.Latency)
	if most <= 50 {
		most = 500
	}
	d := 50 + s.rng.Int64N(most-49)
	if s.rng.Float64() < s.faults.Delay {
		d += s.rng.Int64N(int64(s.faults.DelayMax)*millisecond + 1)
	}
	return d
}

// Describe returns one line per replica and client, for a failure's
// report.
func (s *sim) describe() string {
	var b []byte
	for _, r := range s.replicas {
		if r.node == nil {
			b = fmt.Appendf(b, "r%d down\n", r.index)
			continue
		}
		rs := r.node.Replica()
		b = fmt.Appendf(b, "r%d %s epoch %d group %v view %d op %d commit %d table %d\n", r.index, rs.Status, rs.Epoch, rs.Members, rs.View,
			rs.OpNumber, rs.CommitNumber, len(rs.ClientTable))
	}
	for _, c := range s.clients {
		b = fmt.Appendf(b, "c%d id %x request %d waiting %v primary %d done %v last %v finished %v\n", c.index, c.id, c.next, c.waiting, c.primary, c.done, c.last, c.finished)
	}
	return string(b)
}
