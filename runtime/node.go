package runtime

import (
	"errors"
	"fmt"
	"log/slog"
	"math"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/lang"
	"github.com/viewstamped/vsr/route"
	"github.com/viewstamped/vsr/spec"
)

// Rand is a node's source of randomness: the nonces of recovery and the
// spread of its timeouts. The shell draws from crypto/rand; a simulator
// from its seed.
type Rand interface {
	Uint64() uint64
}

// Network is where a node's messages go. Send and Reply must not block:
// a network that cannot take a message drops it, which VR tolerates. msg
// is encoded, and the network's to keep.
type Network interface {
	// Send sends msg to replica to.
	Send(to int, msg []byte)
	// Reply sends msg, a reply, to client.
	Reply(client uint64, msg []byte)
}

// Start says how a node begins, and there is no default: a replica that
// starts as new after it has run, and so after it may have acknowledged
// operations, breaks the protocol's safety.
type Start uint8

const (
	// NewCluster starts the node as a replica of a cluster that has never
	// run: view 0, normal status, an empty log. Every replica of the
	// cluster's first group (spec.Config.Members) starts so, together
	// (Server checks it with its peers). A replica outside that group
	// starts so too, empty, in the standby status: it waits for a
	// reconfiguration to add it, and then takes the history from its
	// StartEpoch. Either way the node must never have run before.
	NewCluster Start = iota + 1
	// Recover starts the node with no state, as after a crash: it
	// restarts with a random nonce and recovers its state from the other
	// replicas (4.3), with crash vectors unless the configuration says
	// otherwise.
	Recover
)

func (s Start) String() string {
	switch s {
	case NewCluster:
		return "new-cluster"
	case Recover:
		return "recover"
	}
	return fmt.Sprintf("Start(%d)", uint8(s))
}

// Timing holds a node's intervals, in ticks of its clock (Server ticks
// every Config.Tick).
type Timing struct {
	// Heartbeat is how long an idle primary waits before it sends Commit
	// (CommitTimeout, 4.1 step 6), which backups take as a sign of life.
	Heartbeat int
	// Election is how long a backup waits without word from its primary
	// before it starts a view change (ViewChangeTimeout, 4.2); each wait is
	// drawn anew from [Election, 2*Election), so that backups seldom start
	// together.
	Election int
	// ViewChange is how long a view change may stall before the replica
	// moves on to the next view; the wait doubles with each attempt, up to
	// ViewChangeMax, and is drawn from [wait, 2*wait) like an election's.
	ViewChange, ViewChangeMax int
	// Recovery is how long a recovering replica waits for answers before
	// it asks again (RecoveryTimeout, 4.3).
	Recovery int
}

// DefaultTiming suits a cluster on one network with Config.Tick of 10 ms:
// heartbeats every 50 ms, elections after 300 to 600 ms of silence.
var DefaultTiming = Timing{Heartbeat: 5, Election: 30, ViewChange: 30, ViewChangeMax: 240, Recovery: 20}

func (t *Timing) validate() error {
	for _, v := range []struct {
		name string
		n    int
	}{{"heartbeat", t.Heartbeat}, {"election", t.Election}, {"view change", t.ViewChange}, {"recovery", t.Recovery}} {
		if v.n < 1 {
			return fmt.Errorf("timing: %s %d ticks: want 1 or more", v.name, v.n)
		}
	}
	if t.Heartbeat >= t.Election {
		return fmt.Errorf("timing: heartbeat %d ticks: want fewer than the election's %d, or backups elect a new primary while the old one is idle", t.Heartbeat, t.Election)
	}
	if t.ViewChangeMax < t.ViewChange {
		return fmt.Errorf("timing: view change max %d ticks: want at least the view change's %d", t.ViewChangeMax, t.ViewChange)
	}
	return nil
}

// NodeConfig configures a node.
type NodeConfig struct {
	// Spec is the configuration of the protocol: the number of replicas
	// and the variants, the safe ones by default. A zero Batch, Pipeline
	// or ViewChangeLog takes DefaultBatch, DefaultPipeline or
	// DefaultViewChangeLog; a zero CheckpointInterval takes
	// DefaultCheckpointInterval when the state machine is a Snapshotter,
	// and stays 0, no checkpoints, when it is not. A Lease, in ticks,
	// turns on reads at the primary under leases, for a state machine
	// that is a Reader; a zero LeaseMargin then takes what ClockDrift
	// needs.
	Spec spec.Config
	// ClockDrift bounds how much faster or slower the replicas' clocks may
	// run than real time, as a fraction; DefaultClockDrift when zero. The
	// safety of lease reads rests on it: a backup's promise outlasts the
	// lease it grants by enough ticks of its clock to cover it.
	ClockDrift float64
	// Index is this replica's index, from 0.
	Index  int
	Timing Timing
	// NewStateMachine returns the application's state machine, empty: at
	// the start, and again when the replica loses its state.
	NewStateMachine func() StateMachine
	// Log receives the node's view changes, recoveries, state transfers
	// and rejected input; nil discards them.
	Log *slog.Logger
	// Trace, when set, is told every step the node takes (package trace
	// records them as a trace of the run).
	Trace Tracer
}

// Tracer is told each step of a node that fired a rule, before the step's
// messages go out: the event (a message, request or timeout of the spec,
// lang.Crash or lang.Restart), the rules that fired, and the replica's
// state after them, which the tracer must not keep. When a quorum rule
// fired after the first rule, mid is the state after the first rule alone
// and the first split effects are its; otherwise mid is nil.
type Tracer interface {
	Step(node int, ev any, fired generated.Fired, mid, after *spec.Replica, effects []route.Effect, split int)
}

// Stats counts what a node did.
type Stats struct {
	Steps    uint64 // events that fired a rule
	Ignored  uint64 // events that fired none
	Rejected uint64 // messages refused: not a replica's message, or from the wrong sender
}

// Node is one replica's deterministic core, as etcd raft's RawNode is:
// events in (a peer's message, a client's request, a tick), messages out
// through its Network, in the order the rules emitted them. It has no
// goroutines, clocks or sockets of its own, and is not safe for concurrent
// use: one goroutine owns it. Every event goes through the generated
// dispatch, the code the model checker explores.
type Node struct {
	cfg  NodeConfig
	r    spec.Replica
	net  Network
	rand Rand
	log  *slog.Logger
	out  spec.Effects
	enc  route.Out

	// Ticks since the primary last broadcast, since this backup last
	// heard from its primary, and since the current view change or
	// recovery attempt began; the election and view change waits drawn
	// for them; the view change attempts since the last normal view.
	idle, silence, stall int
	electionAt, stallAt  int
	attempts             int
	// Ticks since the primary last asked for a lease.
	renew int

	stats Stats
}

// The primary's batching and pipelining unless NodeConfig.Spec says
// otherwise: requests that arrive while DefaultPipeline Prepares are
// outstanding leave together, up to DefaultBatch to a Prepare, as soon as
// one commits.
const (
	DefaultBatch    = 64
	DefaultPipeline = 4
)

// The checkpoints and view changes of a node unless NodeConfig.Spec says
// otherwise: a checkpoint every DefaultCheckpointInterval operations, so
// that a replica's log holds about twice that many entries, and
// DoViewChange and StartView messages that carry at most
// DefaultViewChangeLog entries, as many as a primary has outstanding with
// the default batching.
const (
	DefaultCheckpointInterval = 1024
	DefaultViewChangeLog      = DefaultBatch * DefaultPipeline
)

// DefaultClockDrift is the drift of clocks that lease reads assume unless
// NodeConfig.ClockDrift says otherwise: 5%, far beyond what a crystal
// clock does, but not beyond a virtual machine's pauses under load.
const DefaultClockDrift = 0.05

// leaseMargin returns how many ticks longer than a lease of lease ticks a
// backup's promise must last when clocks run up to drift faster or slower
// than real time: a promise of P ticks of a fast backup lasts at least
// P/(1+drift) of real time, a lease of L ticks of a slow primary at most
// L/(1-drift), and two ticks more cover that each counts whole ticks.
func leaseMargin(lease int, drift float64) int {
	return int(math.Ceil(float64(lease)*((1+drift)/(1-drift)-1))) + 2
}

// NewNode returns a node that starts as start says, on a fresh state
// machine. A node that recovers sends its first recovery messages before
// NewNode returns.
func NewNode(cfg NodeConfig, start Start, net Network, rnd Rand) (*Node, error) {
	if err := cfg.Timing.validate(); err != nil {
		return nil, err
	}
	if cfg.Spec.Replicas == 0 || cfg.Index < 0 || cfg.Index >= int(cfg.Spec.Replicas) {
		return nil, fmt.Errorf("runtime: replica %d of %d: no such replica", cfg.Index, cfg.Spec.Replicas)
	}
	if cfg.NewStateMachine == nil {
		return nil, errors.New("runtime: no state machine")
	}
	if err := checkGroup(cfg.Spec); err != nil {
		return nil, err
	}
	if cfg.Spec.Batch == 0 {
		cfg.Spec.Batch = DefaultBatch
	}
	if cfg.Spec.Pipeline == 0 {
		cfg.Spec.Pipeline = DefaultPipeline
	}
	if cfg.Spec.ViewChangeLog == 0 {
		cfg.Spec.ViewChangeLog = DefaultViewChangeLog
	}
	svc := newService(cfg.NewStateMachine)
	if cfg.Spec.Lease != 0 {
		if _, ok := svc.sm.(Reader); !ok {
			return nil, fmt.Errorf("runtime: leases of %d ticks need a state machine that is a Reader", cfg.Spec.Lease)
		}
		if cfg.ClockDrift == 0 {
			cfg.ClockDrift = DefaultClockDrift
		}
		if cfg.ClockDrift < 0 || cfg.ClockDrift >= 0.5 {
			return nil, fmt.Errorf("runtime: clock drift %g: want 0 to 0.5", cfg.ClockDrift)
		}
		if cfg.Spec.LeaseMargin == 0 {
			margin := leaseMargin(int(cfg.Spec.Lease), cfg.ClockDrift)
			if int(cfg.Spec.Lease)+margin > math.MaxUint16 {
				return nil, fmt.Errorf("runtime: leases of %d ticks: too long", cfg.Spec.Lease)
			}
			cfg.Spec.LeaseMargin = uint16(margin)
		}
	}
	_, snapshots := svc.sm.(Snapshotter)
	switch {
	case cfg.Spec.CheckpointInterval == 0 && snapshots:
		cfg.Spec.CheckpointInterval = DefaultCheckpointInterval
	case cfg.Spec.CheckpointInterval != 0 && !snapshots:
		return nil, fmt.Errorf("runtime: checkpoints every %d operations need a state machine that is a Snapshotter", cfg.Spec.CheckpointInterval)
	}
	n := &Node{cfg: cfg, net: net, rand: rnd, log: cfg.Log}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	n.log = n.log.With("replica", cfg.Index)
	n.out.Service = svc
	switch start {
	case NewCluster:
		n.r = spec.NewReplica(cfg.Spec, spec.ReplicaIndex(cfg.Index))
		if n.r.Status == spec.Standby {
			n.log.Info("starting empty as a standby: a reconfiguration may add this replica", "group", n.r.Members.String())
		} else {
			n.log.Info("starting as a replica of a new cluster", "view", 0)
		}
	case Recover:
		// The state a crash leaves, through the rule that says so, so
		// that a trace shows the loss.
		n.r = spec.NewReplica(cfg.Spec, spec.ReplicaIndex(cfg.Index))
		n.log.Info("starting with no state: recovering")
		n.apply(lang.Crash{})
		n.restart()
	default:
		return nil, fmt.Errorf("runtime: start %v: want NewCluster or Recover", start)
	}
	n.rearm()
	return n, nil
}

// checkGroup checks the first group of configuration c: an odd number of
// its replicas, or every replica when it is zero.
func checkGroup(c spec.Config) error {
	universe := spec.ReplicaSet(1)<<c.Replicas - 1
	switch g := c.Members; {
	case g&^universe != 0:
		return fmt.Errorf("runtime: group %v: not all of its replicas are among the %d addresses", g, c.Replicas)
	case c.Group().Count()%2 == 0:
		return fmt.Errorf("runtime: group %v: want an odd number of replicas", c.Group())
	}
	return nil
}

// Replica returns the replica's state, which the caller must not change.
func (n *Node) Replica() *spec.Replica { return &n.r }

// Stats returns what the node has done so far.
func (n *Node) Stats() Stats { return n.stats }

// Step delivers m, a message from replica from as generated.UnmarshalMessage
// returns it, a value. It returns an error, and changes nothing, for a
// message that is not one replicas send each other or that claims another
// sender.
func (n *Node) Step(from int, m any) error {
	if err := CheckSender(n.cfg.Spec, from, m); err != nil {
		n.stats.Rejected++
		return err
	}
	if err := n.checkPrimary(from, m); err != nil {
		n.stats.Rejected++
		return err
	}
	if err := n.checkSnapshot(m); err != nil {
		n.stats.Rejected++
		return fmt.Errorf("runtime: %s from replica %d: %w", generated.KindOf(m), from, err)
	}
	if n.fromPrimary(from, m) {
		n.silence = 0
	}
	n.apply(m)
	n.service().uncheck()
	return nil
}

// Request delivers a client's request.
func (n *Node) Request(req *spec.Request) { n.apply(req) }

// Tick advances the node's clock by one tick and fires the timeout that is
// due, if any. With leases, every tick counts down leases and promises,
// and a primary asks for a new lease four times a lease.
func (n *Node) Tick() {
	r := &n.r
	leases := r.Config.Lease != 0
	if leases {
		n.apply(&spec.Tick{})
	}
	switch r.Status {
	case spec.Normal:
		if n.isPrimary() {
			if n.renew++; leases && n.renew >= max(1, int(r.Config.Lease)/4) {
				n.renew = 0
				n.apply(&spec.LeaseTimeout{})
			}
			if n.idle++; n.idle >= n.cfg.Timing.Heartbeat || n.awaitsStart() && n.idle%n.cfg.Timing.Heartbeat == 0 {
				// An idle primary's heartbeat; and, busy or not, the
				// primary of a new epoch that was in the old group sends
				// the history again to the members that have not said
				// they started (SendCommit): with Prepares in flight no
				// heartbeat would.
				n.idle = 0
				n.apply(&spec.CommitTimeout{})
			}
			return
		}
		if n.silence++; n.silence >= n.electionAt {
			n.apply(&spec.ViewChangeTimeout{})
		}
	case spec.ViewChange, spec.StateTransfer:
		if n.stall++; n.stall >= n.stallAt {
			n.attempts++
			n.apply(&spec.ViewChangeTimeout{})
		}
	case spec.Recovering, spec.RecoveringVector:
		if n.stall++; n.stall >= n.stallAt {
			n.stall = 0
			n.apply(&spec.RecoveryTimeout{})
		}
	case spec.Leaving:
		// A replica the new group leaves out sends the new members the
		// history again on each heartbeat until enough have started.
		if n.idle++; n.idle >= n.cfg.Timing.Heartbeat {
			n.idle = 0
			n.apply(&spec.CommitTimeout{})
		}
	}
}

// Crash loses the replica's state and its application's, as a crash of
// the process would, and restarts it at once: it recovers through the
// protocol. A process that really crashed starts a new node with Recover
// instead; Crash is for a simulator that keeps the node.
func (n *Node) Crash() {
	n.apply(lang.Crash{})
	n.out.Service = newService(n.cfg.NewStateMachine)
	n.restart()
}

// restart fires Restart with a fresh random nonce.
func (n *Node) restart() {
	n.apply(lang.Restart{Nonce: n.rand.Uint64()})
}

// checkSnapshot checks that the snapshot of the checkpoint that message m
// carries, if any, restores a new state machine: the rule that installs
// it cannot fail.
func (n *Node) checkSnapshot(m any) error {
	var c *spec.Checkpoint
	switch m := m.(type) {
	case spec.DoViewChange:
		c = &m.Checkpoint
	case spec.StartView:
		c = &m.Checkpoint
	case spec.NewState:
		c = &m.Checkpoint
	case spec.RecoveryResponse:
		c = &m.Checkpoint
	case spec.StartEpoch:
		c = &m.Checkpoint
	default:
		return nil
	}
	if c.Op == 0 && len(c.State) == 0 {
		return nil
	}
	if err := n.service().check(c.State); err != nil {
		return fmt.Errorf("the snapshot of its checkpoint at op %d: %w", c.Op, err)
	}
	return nil
}

func (n *Node) service() *service { return n.out.Service.(*service) }

// StateMachine returns the application's state machine that the replica
// applies operations to now: a new one after a crash or after it
// installed a checkpoint. The caller must not use it concurrently with
// the node.
func (n *Node) StateMachine() StateMachine { return n.service().sm }

func (n *Node) isPrimary() bool { return int(n.r.Members.Primary(n.r.View)) == n.cfg.Index }

// awaitsStart reports whether the replica is the primary of an epoch that
// was a member of the epoch before, and some member of its group has not
// said it started the epoch.
func (n *Node) awaitsStart() bool {
	r := &n.r
	return r.Epoch > 0 && r.OldMembers.Has(r.Index) && r.Members&^r.EpochStarted&^spec.ReplicaSet(0).Add(r.Index) != 0
}

// Epoch returns the replica's epoch and the group of that epoch.
func (n *Node) Epoch() (spec.EpochNumber, spec.ReplicaSet) { return n.r.Epoch, n.r.Members }

// fromPrimary reports whether m is a sign of life of this backup's primary:
// a Prepare, Commit, StartView or RequestLease of its epoch and view from
// its primary.
func (n *Node) fromPrimary(from int, m any) bool {
	epoch, view, ok := primaryMessage(m)
	return ok && epoch == n.r.Epoch && view == n.r.View && int(n.r.Members.Primary(view)) == from
}

// primaryMessage returns the epoch and view of m when it is a message
// only the primary of that view sends, which names no sender of its own.
func primaryMessage(m any) (spec.EpochNumber, spec.ViewNumber, bool) {
	switch m := m.(type) {
	case spec.Prepare:
		return m.Epoch, m.View, true
	case spec.Commit:
		return m.Epoch, m.View, true
	case spec.StartView:
		return m.Epoch, m.View, true
	case spec.RequestLease:
		return m.Epoch, m.View, true
	}
	return 0, 0, false
}

// checkPrimary returns an error when m is a message of the node's epoch
// that only the primary of its view sends, and replica from is not that
// primary in the node's group. The rules take such a message as the
// primary's; one of another epoch fires none. Which replica is primary
// depends on the epoch's group, which only the node knows, so
// CheckSender, which the network's readers call, cannot check it.
func (n *Node) checkPrimary(from int, m any) error {
	epoch, view, ok := primaryMessage(m)
	if !ok || epoch != n.r.Epoch {
		return nil
	}
	if p := n.r.Members.Primary(view); int(p) != from {
		return fmt.Errorf("runtime: replica %d sent a %s of view %d of epoch %d, whose primary is replica %d",
			from, generated.KindOf(m), view, epoch, p)
	}
	return nil
}

// apply dispatches event ev, sends what the rules emitted, and rearms the
// timers when the step changed the replica's status or view.
func (n *Node) apply(ev any) {
	status, view, epoch := n.r.Status, n.r.View, n.r.Epoch
	var before *spec.Replica // only a tracer needs it: no copy otherwise
	if n.cfg.Trace != nil {
		b := (*generated.Replica)(&n.r).Clone()
		before = &b
	}
	n.out.Reset()
	fired, err := generated.Dispatch(&n.r, ev, &n.out)
	if err != nil {
		panic(fmt.Sprintf("runtime: %v", err)) // the node dispatches only the spec's events
	}
	if fired.Rule == generated.RuleNone {
		n.stats.Ignored++
		return
	}
	n.stats.Steps++
	n.encode()
	if n.cfg.Trace != nil {
		n.trace(before, ev, fired)
	}
	route.Deliver(n.cfg.Index, int(n.cfg.Spec.Replicas), n.enc.Effects, n.net.Send, n.net.Reply)
	if n.r.Status != status || n.r.View != view || n.r.Epoch != epoch {
		n.transition(status, view, epoch)
	}
}

// trace tells the tracer of a step from before on event ev that fired
// fired: with the state after the first rule alone when a quorum rule
// fired too, which applying that rule alone to before gives.
func (n *Node) trace(before *spec.Replica, ev any, fired generated.Fired) {
	if fired.Quorum == generated.RuleNone {
		n.cfg.Trace.Step(n.cfg.Index, ev, fired, nil, &n.r, n.enc.Effects, len(n.enc.Effects))
		return
	}
	var out spec.Effects
	out.Service = discard{}
	if ok, err := generated.ApplyRule(before, fired.Rule, ev, &out); err != nil || !ok {
		panic(fmt.Sprintf("runtime: rule %v alone does not apply to its step's event: %v", fired.Rule, err))
	}
	n.cfg.Trace.Step(n.cfg.Index, ev, fired, before, &n.r, n.enc.Effects, len(out.List))
}

// discard is a service for the state after a first rule alone, which a
// trace shows: it executes nothing, since the real step did.
type discard struct{}

func (discard) Execute(client, request uint64, op []byte) []byte  { return nil }
func (discard) Executed(client, request uint64, op []byte) []byte { return nil }
func (discard) Snapshot() []byte                                  { return nil }
func (discard) Query(client, request uint64, op []byte) []byte    { return nil }
func (discard) Restore(state []byte)                              {}

// encode encodes the step's effects before anything else runs, since their
// messages may share memory with the replica's state, which the next step
// changes.
func (n *Node) encode() {
	n.enc.Reset()
	if err := generated.EncodeEffects(&n.enc, &n.out); err != nil {
		panic(fmt.Sprintf("runtime: %v", err)) // a rule emitted what is no message
	}
	for i := range n.enc.Effects {
		e := &n.enc.Effects[i]
		if e.Kind == lang.Broadcast && len(e.Msg) > 1 && (generated.Kind(e.Msg[1]) == generated.KindPrepare || generated.Kind(e.Msg[1]) == generated.KindCommit) {
			n.idle = 0 // a primary's Prepare or Commit: the backups heard from it
		}
	}
}

// transition logs a change of status, view or epoch and rearms the
// timers.
func (n *Node) transition(status spec.Status, view spec.ViewNumber, epoch spec.EpochNumber) {
	r := &n.r
	if r.Epoch != epoch {
		n.log.Info("new epoch", "epoch", r.Epoch, "group", r.Members.String(), "old group", r.OldMembers.String(),
			"start", r.EpochStart)
	}
	switch r.Status {
	case spec.Normal:
		n.attempts = 0
		n.log.Info("normal", "epoch", r.Epoch, "view", r.View, "primary", r.Members.Primary(r.View), "op", r.OpNumber,
			"commit", r.CommitNumber, "was", status.String())
	case spec.ViewChange:
		n.log.Info("view change", "view", r.View, "from", view)
	case spec.StateTransfer:
		n.log.Info("state transfer", "view", r.View)
	case spec.Recovering, spec.RecoveringVector:
		n.log.Info("recovering", "status", r.Status.String())
	case spec.Crashed:
		n.log.Warn("crashed")
	case spec.Leaving:
		n.log.Info("leaving: not a member of the new group", "epoch", r.Epoch, "group", r.Members.String())
	case spec.Shutdown:
		n.log.Info("shut down: enough members of the new group have started", "epoch", r.Epoch)
	}
	n.rearm()
}

// rearm restarts the timers for the replica's status and view.
func (n *Node) rearm() {
	t := &n.cfg.Timing
	n.idle, n.silence, n.stall = 0, 0, 0
	n.electionAt = t.Election + n.spread(t.Election)
	switch n.r.Status {
	case spec.ViewChange, spec.StateTransfer:
		wait := min(t.ViewChange<<min(n.attempts, 16), t.ViewChangeMax)
		n.stallAt = wait + n.spread(wait)
	default:
		n.stallAt = t.Recovery
	}
}

// spread draws a number of ticks from [0, d).
func (n *Node) spread(d int) int {
	if d <= 0 {
		return 0
	}
	return int(n.rand.Uint64() % uint64(d))
}

// CheckSender returns an error when m, a message as
// generated.UnmarshalMessage returns it, is not a message one replica sends
// another, from replica from of configuration c: a request or a reply, or
// a message whose sender field names another replica. Such a message is
// malformed input, never a reason to panic. A Prepare, Commit, StartView
// or RequestLease names no sender: the node checks that its primary sent
// it (Node.Step), since the primary of a view depends on the epoch's
// group.
func CheckSender(c spec.Config, from int, m any) error {
	if from < 0 || from >= int(c.Replicas) {
		return fmt.Errorf("sender %d: no such replica", from)
	}
	if _, _, ok := primaryMessage(m); ok {
		return nil
	}
	var claimed spec.ReplicaIndex
	switch m := m.(type) {
	case spec.PrepareOK:
		claimed = m.Replica
	case spec.StartViewChange:
		claimed = m.Replica
	case spec.DoViewChange:
		claimed = m.Replica
	case spec.GetState:
		claimed = m.Replica
	case spec.NewState:
		claimed = m.Replica
	case spec.GetDoViewChange:
		claimed = m.Replica
	case spec.GetStartView:
		claimed = m.Replica
	case spec.GrantLease:
		claimed = m.Replica
	case spec.CrashVectorRequest:
		claimed = m.Replica
	case spec.CrashVectorResponse:
		claimed = m.Replica
	case spec.Recovery:
		claimed = m.Replica
	case spec.RecoveryResponse:
		claimed = m.Replica
	case spec.StartEpoch:
		claimed = m.Replica
	case spec.EpochStarted:
		claimed = m.Replica
	default:
		return fmt.Errorf("replica %d sent %T, which replicas do not send each other", from, m)
	}
	if int(claimed) != from {
		return fmt.Errorf("replica %d sent a %T from replica %d", from, m, claimed)
	}
	return nil
}
