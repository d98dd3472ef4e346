package modelcheck

import (
	"bytes"
	"fmt"
	"math/bits"
	"slices"

	"github.com/viewstamped/vsr/modelcheck/model"
	"github.com/viewstamped/vsr/route"

	"github.com/viewstamped/vsr/wire"
)

// world is a global state: every replica, the clients, the messages in
// flight and what is left of the fault budget. Its canonical encoding is
// what the checker stores and fingerprints.
type world[R any] struct {
	replicas []R
	// raw holds each replica's encoding while it is unchanged from the
	// state this world was decoded from; nil once changed.
	raw       [][]byte
	clients   []client
	submitted uint64 // the values submitted so far, a bit each
	net       []entry
	acked     [][]byte // the encoded replies clients received, sorted, unique
	timeouts  []int    // what is left of each bounded timeout kind; -1 is unbounded
	drops     int
	dups      int
	crashes   int
	restarts  uint64 // restarts so far; the next restart's nonce is one more
	down      uint64 // the crashed replicas, a bit each
	clocks    []int  // how often each replica's clock has ticked, with Bounds.Clock
	admin     adminState
}

// adminState is where the administrator's reconfiguration is, with
// Bounds.Reconfigure.
type adminState uint8

const (
	adminIdle adminState = iota
	adminWaiting
	adminDone
)

// client is one client: its latest request and whether it waits for the
// reply.
type client struct {
	request uint64 // the number of its latest request, 0 before the first
	value   int    // the value of its latest request
	waiting bool
}

// entry is a message in flight to one replica, with its number of copies.
type entry struct {
	to    int
	count int
	msg   []byte
}

func compareEntry(a, b entry) int {
	if a.to != b.to {
		return a.to - b.to
	}
	return bytes.Compare(a.msg, b.msg)
}

// encode appends the canonical encoding of w to b.
func (c *checker[R]) encode(b []byte, w *world[R]) []byte {
	b = append(b, wire.Version)
	for i := range w.replicas {
		if w.raw[i] != nil {
			b = append(b, w.raw[i]...)
		} else {
			b = c.p.AppendReplica(b, &w.replicas[i])
		}
	}
	for _, cl := range w.clients {
		b = wire.AppendUint(b, cl.request)
		b = wire.AppendUint(b, uint64(cl.value))
		b = wire.AppendBool(b, cl.waiting)
	}
	b = wire.AppendUint(b, w.submitted)
	b = wire.AppendUint(b, uint64(len(w.net)))
	for _, e := range w.net {
		b = wire.AppendUint(b, uint64(e.to))
		b = wire.AppendUint(b, uint64(e.count))
		b = wire.AppendBytes(b, e.msg)
	}
	b = wire.AppendUint(b, uint64(len(w.acked)))
	for _, m := range w.acked {
		b = wire.AppendBytes(b, m)
	}
	for _, t := range w.timeouts {
		b = wire.AppendInt(b, int64(t))
	}
	b = wire.AppendUint(b, uint64(w.drops))
	b = wire.AppendUint(b, uint64(w.dups))
	b = wire.AppendUint(b, uint64(w.crashes))
	b = wire.AppendUint(b, w.restarts)
	b = wire.AppendUint(b, w.down)
	for _, t := range w.clocks {
		b = wire.AppendUint(b, uint64(t))
	}
	if c.bounds.Reconfigure != 0 {
		b = wire.AppendUint(b, uint64(w.admin))
	}
	return b
}

// decode decodes an encoded world. Its slices point into b.
func (c *checker[R]) decode(b []byte) (*world[R], error) {
	n := len(c.init.replicas)
	w := &world[R]{replicas: make([]R, n), raw: make([][]byte, n), clients: make([]client, len(c.init.clients))}
	if len(b) == 0 || b[0] != wire.Version {
		return nil, fmt.Errorf("decode state: bad version")
	}
	rest := b[1:]
	for i := 0; i < n; i++ {
		r, tail, err := c.p.DecodeReplica(rest)
		if err != nil {
			return nil, fmt.Errorf("decode replica %d: %w", i, err)
		}
		w.replicas[i], w.raw[i], rest = r, rest[:len(rest)-len(tail)], tail
	}
	d := wire.NewDecoder(rest)
	for i := range w.clients {
		w.clients[i] = client{request: d.Uint(64), value: int(d.Uint(32)), waiting: d.Bool()}
	}
	w.submitted = d.Uint(64)
	w.net = make([]entry, d.Len(3))
	for i := range w.net {
		w.net[i] = entry{to: int(d.Uint(32)), count: int(d.Uint(32))}
		w.net[i].msg = d.Bytes()
	}
	w.acked = make([][]byte, d.Len(1))
	for i := range w.acked {
		w.acked[i] = d.Bytes()
	}
	w.timeouts = make([]int, len(c.init.timeouts))
	for i := range w.timeouts {
		w.timeouts[i] = int(d.Int(64))
	}
	w.drops, w.dups, w.crashes = int(d.Uint(32)), int(d.Uint(32)), int(d.Uint(32))
	w.restarts, w.down = d.Uint(64), d.Uint(64)
	if c.init.clocks != nil {
		w.clocks = make([]int, n)
		for i := range w.clocks {
			w.clocks[i] = int(d.Uint(32))
		}
	}
	if c.bounds.Reconfigure != 0 {
		w.admin = adminState(d.Uint(8))
	}
	d.End()
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("decode state: %w", err)
	}
	return w, nil
}

// shallow returns a copy of w whose slices can be replaced, not changed.
func (w *world[R]) shallow() *world[R] {
	n := *w
	n.replicas = slices.Clone(w.replicas)
	n.raw = slices.Clone(w.raw)
	return &n
}

// actionKind is what the environment does in one step.
type actionKind uint8

const (
	actDeliver actionKind = iota + 1
	actTimeout
	actRequest
	actRetry
	actDrop
	actDuplicate
	actCrash
	actRestart
	actReconfigure
)

var actionNames = [...]string{
	actDeliver: "deliver", actTimeout: "timeout", actRequest: "request", actRetry: "retry",
	actDrop: "drop", actDuplicate: "duplicate", actCrash: "crash", actRestart: "restart",
	actReconfigure: "reconfigure",
}

func (k actionKind) String() string { return actionNames[k] }

// action is one step of the environment and what it did.
type action struct {
	kind    actionKind
	replica int    // the replica that acts or receives
	timeout int    // the timeout kind
	client  int    // the client, from 0
	value   int    // the value of a request
	request uint64 // the request number
	msg     []byte // the message delivered, dropped or duplicated
	fired   model.Fired
	// For traces (enumerator.tracing): the action property the step
	// breaks and the effects it emitted.
	broken  error
	effects []route.Effect
}

// fault reports whether act is a fault of the network, which no rule
// answers.
func (act *action) fault() bool { return act.kind == actDrop || act.kind == actDuplicate }

// successors calls emit with each successor of w and the action that
// leads to it, in a fixed order, until emit returns false. It returns the
// first action property a step breaks, with that step. With scratch, the
// successors share its memory: each is valid only until emit returns.
func (c *checker[R]) successors(w *world[R], scr *scratch[R], emit func(*world[R], *action) bool) (*action, error) {
	e := enumerator[R]{c: c, w: w, scr: scr, emit: emit}
	e.run()
	return e.bad, e.err
}

// allSuccessors is successors for traces: a step that breaks an action
// property is emitted too, with act.broken set, and the enumeration goes
// on. Each successor has memory of its own.
func (c *checker[R]) allSuccessors(w *world[R], emit func(*world[R], *action) bool) error {
	e := enumerator[R]{c: c, w: w, emit: emit, tracing: true}
	e.run()
	return e.err
}

// scratch is memory that one worker reuses for the successors it
// generates, which it encodes and forgets one at a time.
type scratch[R any] struct {
	w        world[R]
	replicas []R
	raw      [][]byte
	net      []entry
}

// enumerator walks the actions of one state.
type enumerator[R any] struct {
	c    *checker[R]
	w    *world[R]
	scr  *scratch[R]
	emit func(*world[R], *action) bool
	out  route.Out
	stop bool
	bad  *action
	err  error
	// owned reports whether the current successor's network is its own,
	// to change in place.
	owned bool
	// tracing makes the enumeration serve a trace: it emits the steps
	// that break an action property, with act.broken set, instead of
	// stopping at the first, and keeps each step's effects in act.effects.
	tracing bool
}

// next returns a successor to fill in: a copy of w whose replicas can be
// replaced and whose slices are shared until owned.
func (e *enumerator[R]) next() *world[R] {
	e.owned = false
	if e.scr == nil {
		return e.w.shallow()
	}
	s := e.scr
	s.w = *e.w
	s.replicas = append(s.replicas[:0], e.w.replicas...)
	s.raw = append(s.raw[:0], e.w.raw...)
	s.w.replicas, s.w.raw = s.replicas, s.raw
	return &s.w
}

// ownNet gives next a network of its own, to change in place.
func (e *enumerator[R]) ownNet(next *world[R]) {
	if e.owned {
		return
	}
	e.owned = true
	if e.scr == nil {
		next.net = slices.Clone(next.net)
		return
	}
	e.scr.net = append(e.scr.net[:0], next.net...)
	next.net = e.scr.net
}

// step makes the replica of act take the step act describes; if a rule
// fired, it emits the successor. entry is the network entry a delivery
// consumes.
func (e *enumerator[R]) step(act *action, entry int) {
	if e.stop {
		return
	}
	p, w, r := e.c.p, e.w, act.replica
	e.out.Reset()
	var rep R
	var err error
	switch act.kind {
	case actDeliver:
		rep, act.fired, err = p.Deliver(&w.replicas[r], act.msg, &e.out)
	case actTimeout:
		rep, act.fired = p.Timeout(&w.replicas[r], act.timeout, &e.out)
	case actRequest, actRetry:
		rep, act.fired = p.Request(&w.replicas[r], uint64(act.client+1), act.request, e.c.values[act.value], &e.out)
	case actCrash:
		rep, act.fired = p.Crash(&w.replicas[r], &e.out)
	case actRestart:
		rep, act.fired = p.Restart(&w.replicas[r], w.restarts+1, &e.out)
	case actReconfigure:
		rep, act.fired = p.Reconfigure(&w.replicas[r], e.c.admin(), 1, 0, e.c.bounds.Reconfigure, &e.out)
	}
	if err != nil {
		e.stop, e.bad, e.err = true, act, err
		return
	}
	if act.fired.Rule == 0 {
		return
	}
	if err := p.CheckActions(&w.replicas[r], &rep); err != nil {
		if !e.tracing {
			e.stop, e.bad, e.err = true, act, &actionError{err}
			return
		}
		act.broken = err
	}
	if e.tracing {
		act.effects = slices.Clone(e.out.Effects)
	}
	next := e.next()
	next.replicas[r], next.raw[r] = rep, nil
	switch act.kind {
	case actDeliver:
		e.ownNet(next)
		next.net = removeCopy(next.net, entry)
	case actTimeout:
		if act.timeout == e.c.clock {
			next.clocks = slices.Clone(w.clocks)
			next.clocks[r]++
		} else if w.timeouts[act.timeout] > 0 {
			next.timeouts = slices.Clone(w.timeouts)
			next.timeouts[act.timeout]--
		}
	case actRequest:
		next.clients = slices.Clone(w.clients)
		next.clients[act.client] = client{request: act.request, value: act.value, waiting: true}
		next.submitted |= 1 << act.value
	case actCrash:
		next.down |= 1 << r
		next.crashes--
	case actRestart:
		next.down &^= 1 << r
		next.restarts++
	case actReconfigure:
		if next.admin == adminIdle {
			next.admin = adminWaiting
		}
	}
	e.apply(next, r)
	if e.scr != nil && e.owned {
		e.scr.net = next.net[:0] // keep what the inserts grew
	}
	e.stop = !e.emit(next, act)
}

// fault emits the successor in which entry i of the network is dropped or
// duplicated.
func (e *enumerator[R]) fault(act *action, i int) {
	if e.stop {
		return
	}
	next := e.next()
	e.ownNet(next)
	if act.kind == actDrop {
		next.net = removeCopy(next.net, i)
		next.drops--
	} else {
		next.net[i].count++
		next.dups--
	}
	e.stop = !e.emit(next, act)
}

func (e *enumerator[R]) run() {
	e.c.offers(e.w, func(act *action, entry int) {
		if act.fault() {
			e.fault(act, entry)
		} else {
			e.step(act, entry)
		}
	})
}

// offers calls visit with each step the environment offers in w, in the
// order of the successors, with the network entry it concerns: deliveries,
// timeouts, the clients' requests, drops and duplicates, crashes and
// restarts. A step is a successor when a rule answers it, or when it is a
// fault.
func (c *checker[R]) offers(w *world[R], visit func(act *action, entry int)) {
	n := len(w.replicas)
	for i, m := range w.net {
		visit(&action{kind: actDeliver, replica: m.to, msg: m.msg}, i)
	}
	for r := 0; r < n; r++ {
		for t := range w.timeouts {
			if w.timeouts[t] != 0 || t == c.clock && c.canTick(w, r) {
				visit(&action{kind: actTimeout, replica: r, timeout: t}, 0)
			}
		}
	}
	if c.p.HasClients() {
		c.requests(w, visit)
	}
	if c.bounds.Reconfigure != 0 && c.p.HasReconfigure() && w.admin != adminDone {
		for r := 0; r < n; r++ {
			visit(&action{kind: actReconfigure, replica: r}, 0)
		}
	}
	for i, m := range w.net {
		if w.drops > 0 {
			visit(&action{kind: actDrop, replica: m.to, msg: m.msg}, i)
		}
		if w.dups > 0 {
			visit(&action{kind: actDuplicate, replica: m.to, msg: m.msg}, i)
		}
	}
	for r := 0; r < n; r++ {
		bit := uint64(1) << r
		if w.down&bit == 0 && w.crashes > 0 && bits.OnesCount64(w.down) < c.bounds.MaxDown {
			visit(&action{kind: actCrash, replica: r}, 0)
		}
		if w.down&bit != 0 {
			visit(&action{kind: actRestart, replica: r}, 0)
		}
	}
}

// admin returns the administrator's client ID: the one after the
// clients'.
func (c *checker[R]) admin() uint64 { return uint64(c.bounds.Clients) + 1 }

// canTick reports whether replica r's clock may tick in w: it is not
// down, has ticked fewer than Bounds.Ticks times, and no more than
// Bounds.Drift times more than the replica not down that has ticked
// least.
func (c *checker[R]) canTick(w *world[R], r int) bool {
	if w.down&(1<<r) != 0 || w.clocks[r] >= c.bounds.Ticks {
		return false
	}
	least := w.clocks[r]
	for s, t := range w.clocks {
		if w.down&(1<<s) == 0 {
			least = min(least, t)
		}
	}
	return w.clocks[r] <= least+c.bounds.Drift
}

// requests offers the clients' steps: a waiting client sends its request
// again to any replica; one that is not waiting submits a value not yet
// submitted as its next request. A request goes straight to the replica:
// requests are not part of the network, so that they cost no drops.
func (c *checker[R]) requests(w *world[R], visit func(act *action, entry int)) {
	n := len(w.replicas)
	for ci, cl := range w.clients {
		if cl.waiting {
			for r := 0; r < n; r++ {
				visit(&action{kind: actRetry, replica: r, client: ci, value: cl.value, request: cl.request}, 0)
			}
			continue
		}
		for v := range c.values {
			if w.submitted&(1<<v) != 0 {
				continue
			}
			for r := 0; r < n; r++ {
				visit(&action{kind: actRequest, replica: r, client: ci, value: v, request: cl.request + 1}, 0)
			}
		}
	}
}

// apply records in next the effects of a step of replica r: each message
// goes into the network, where a copy identical to one in flight merges
// with it, and each reply to the clients.
func (e *enumerator[R]) apply(next *world[R], r int) {
	route.Deliver(r, len(next.replicas), e.out.Effects, func(to int, msg []byte) {
		e.ownNet(next)
		next.net = addCopy(next.net, entry{to: to, count: 1, msg: msg})
	}, func(_ uint64, msg []byte) {
		next.acked = addReply(next.acked, msg)
		if client, request, err := e.c.p.ReplyOf(msg); err == nil && e.c.bounds.Reconfigure != 0 && client == e.c.admin() && request == 1 {
			next.admin = adminDone
		} else if err == nil && client >= 1 && int(client) <= len(next.clients) {
			cl := next.clients[client-1]
			if cl.waiting && cl.request == request {
				next.clients = slices.Clone(next.clients)
				next.clients[client-1].waiting = false
			}
		}
	})
}

// addCopy puts message e in flight in net, which it changes in place. A
// message sent again while an identical copy is in flight merges with it:
// duplication is an action of its own, with its own budget.
func addCopy(net []entry, e entry) []entry {
	i, found := slices.BinarySearchFunc(net, e, compareEntry)
	if found {
		return net
	}
	return slices.Insert(net, i, e)
}

// removeCopy takes one copy of entry i out of net, in place.
func removeCopy(net []entry, i int) []entry {
	if net[i].count > 1 {
		net[i].count--
		return net
	}
	return slices.Delete(net, i, i+1)
}

func addReply(acked [][]byte, msg []byte) [][]byte {
	i, found := slices.BinarySearchFunc(acked, msg, bytes.Compare)
	if found {
		return acked
	}
	out := make([][]byte, 0, len(acked)+1)
	out = append(out, acked[:i]...)
	out = append(out, msg)
	return append(out, acked[i:]...)
}
