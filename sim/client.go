package sim

import (
	"fmt"
	"math"

	"github.com/viewstamped/vsr/examples/kv/history"
	"github.com/viewstamped/vsr/examples/kv/store"
	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/spec"
)

// resend is how long a client waits for a reply before it sends its
// request again, to every replica; think is the most a client waits
// between a reply and its next request. The clients keep the logs short,
// so that the invariants, which read whole logs, stay cheap to check
// after every step, and the steps go to faults and view changes.
const (
	resend = 100 * millisecond
	think  = 50 * millisecond
)

// client is a simulated client of the store: one session at a time, one
// outstanding request, as runtime.Client's sessions do. Its client ID is
// its index plus one, so that the network can route replies and a trace
// of the run holds it as TLC reads numbers.
type client struct {
	index   int
	id      spec.ClientID
	next    spec.RequestNumber
	op      store.Op
	msg     []byte
	call    int64
	waiting bool
	primary int
	ops     int
	timer   int // the generation of the client's live timer
	// In the liveness phase: last is set, finished once the client's
	// outstanding request, or one more, is answered, and done after.
	last, finished, done bool
}

// act fires the client's timer: a request's resend, or the next request.
func (c *client) act(s *sim, e event) error {
	if e.from != c.timer || c.done {
		return nil // a timer the client no longer waits for
	}
	if c.waiting {
		for to := range s.replicas {
			s.send(to, c.msg)
		}
		c.arm(s, resend)
		return nil
	}
	if c.last && c.finished {
		c.done = true
		return nil
	}
	c.submit(s)
	return nil
}

// submit starts the client's next operation.
func (c *client) submit(s *sim) {
	if c.id == 0 {
		c.id, c.next = spec.ClientID(c.index+1), 1
	}
	key := fmt.Sprintf("k%d", s.rng.IntN(s.o.Keys))
	value := []byte(fmt.Sprintf("%d.%d", c.index, c.ops))
	switch k := s.rng.IntN(10); {
	case k < 4:
		c.op = store.Op{Kind: store.Put, Key: key, Value: value}
	case k < 7:
		c.op = store.Op{Kind: store.Get, Key: key}
	case k < 9:
		c.op = store.Op{Kind: store.CAS, Key: key, Absent: s.rng.IntN(4) == 0,
			Old: []byte(fmt.Sprintf("%d.%d", s.rng.IntN(len(s.clients)), s.rng.IntN(c.ops+1))), Value: value}
	default:
		c.op = store.Op{Kind: store.Delete, Key: key}
	}
	req := spec.Request{Op: c.op.Encode(), Client: c.id, Request: c.next, Read: c.op.Kind == store.Get}
	msg, err := generated.AppendMessage(nil, req)
	if err != nil {
		panic(fmt.Sprintf("sim: %v", err))
	}
	c.msg, c.call, c.waiting = msg, s.now, true
	s.send(c.primary, c.msg)
	c.arm(s, resend)
}

// arm sets the client's timer to fire after d.
func (c *client) arm(s *sim, d int64) {
	c.timer++
	s.schedule(event{at: s.now + d, kind: evClient, to: c.index, from: c.timer})
}

// reply takes a reply to the client's session from replica from.
func (c *client) reply(s *sim, from int, msg []byte) error {
	m, err := generated.UnmarshalMessage(msg)
	r, ok := m.(spec.Reply)
	if err != nil || !ok {
		return s.fail(fmt.Sprintf("client %d got %T, not a reply (%v)", c.index, m, err))
	}
	if !c.waiting || r.Client != c.id || r.Request != c.next {
		return nil // late, or a duplicate
	}
	res, err := store.DecodeResult(r.Result)
	if err != nil {
		return s.fail(fmt.Sprintf("client %d request %d: %v", c.index, r.Request, err))
	}
	s.history.Add(c.index, c.op, history.Outcome{Result: res}, c.call, s.now)
	if c.op.Kind != store.Get {
		// A read acknowledges no write: a primary under a lease may
		// have answered it from its state, with nothing in its log.
		s.replies = append(s.replies, r)
	}
	c.waiting, c.next, c.ops = false, c.next+1, c.ops+1
	c.primary = from // only a primary replies, whatever the group (7.4)
	s.epoch = max(s.epoch, r.Epoch)
	if c.last {
		c.finished = true
	}
	c.arm(s, s.rng.Int64N(think)+1)
	return nil
}

// abandon records the client's outstanding request, if any, as one whose
// outcome is unknown.
func (c *client) abandon(s *sim) {
	if c.waiting {
		s.history.Add(c.index, c.op, history.Outcome{Unknown: true}, c.call, math.MaxInt64)
		c.waiting = false
	}
}
