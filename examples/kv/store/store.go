// Package store is the replicated key-value store's state machine and its
// operations: put, get, delete and compare-and-set, each encoded as the
// bytes of one VR operation. Every operation goes through the log, reads
// included, so that each is linearizable; with leases
// (runtime.Config.Spec.Lease), a primary that holds one answers gets from
// its state, linearizable too as long as clocks drift within the bound
// the replicas assume. The store takes snapshots, for checkpoints.
package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/viewstamped/vsr/runtime"
	"github.com/viewstamped/vsr/spec"
	"github.com/viewstamped/vsr/wire"
)

// Kind is the kind of an operation.
type Kind byte

const (
	Put    Kind = 'P'
	Get    Kind = 'G'
	Delete Kind = 'D'
	CAS    Kind = 'C'
)

// Op is one operation. For CAS, Old is the value expected and Value the
// one to set; with Absent, the key is expected to have no value.
type Op struct {
	Kind   Kind
	Key    string
	Value  []byte
	Old    []byte
	Absent bool
}

// Encode returns the operation's bytes.
func (o *Op) Encode() []byte {
	b := []byte{byte(o.Kind)}
	b = wire.AppendString(b, o.Key)
	switch o.Kind {
	case Put:
		b = wire.AppendBytes(b, o.Value)
	case CAS:
		b = wire.AppendBool(b, o.Absent)
		b = wire.AppendBytes(b, o.Old)
		b = wire.AppendBytes(b, o.Value)
	}
	return b
}

// Decode decodes an operation's bytes.
func Decode(b []byte) (Op, error) {
	if len(b) == 0 {
		return Op{}, errors.New("store: empty operation")
	}
	o := Op{Kind: Kind(b[0])}
	d := wire.NewDecoder(b[1:])
	o.Key = d.String()
	switch o.Kind {
	case Put:
		o.Value = d.Bytes()
	case Get, Delete:
	case CAS:
		o.Absent = d.Bool()
		o.Old = d.Bytes()
		o.Value = d.Bytes()
	default:
		return Op{}, fmt.Errorf("store: operation kind %q", b[0])
	}
	d.End()
	if err := d.Err(); err != nil {
		return Op{}, fmt.Errorf("store: %w", err)
	}
	return o, nil
}

// Result is what an operation returns: whether the key had a value (get,
// delete) or the swap happened (CAS), and the key's value after it.
type Result struct {
	OK    bool
	Value []byte
}

// encode returns r's bytes: the OK byte, then the value.
func (r Result) encode() []byte { return append([]byte{boolByte(r.OK)}, r.Value...) }

// DecodeResult decodes what the state machine returned for an operation.
func DecodeResult(b []byte) (Result, error) {
	switch {
	case len(b) == 0:
		return Result{}, errors.New("store: empty result")
	case b[0] == malformed:
		return Result{}, errors.New("store: the replicas could not decode the operation")
	case b[0] > 1:
		return Result{}, fmt.Errorf("store: result byte %d", b[0])
	}
	return Result{OK: b[0] == 1, Value: bytes.Clone(b[1:])}, nil
}

// malformed is the result of an operation the store cannot decode, which
// every replica computes alike.
const malformed = 0xff

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// Store is the state machine: a map from keys to values. It is
// deterministic: its result depends only on the operations applied before.
type Store struct {
	data map[string][]byte
}

// New returns an empty store.
func New() *Store { return &Store{data: map[string][]byte{}} }

// Apply applies one encoded operation; runtime.StateMachine.
func (s *Store) Apply(b []byte) []byte {
	o, err := Decode(b)
	if err != nil {
		return []byte{malformed}
	}
	return s.apply(&o).encode()
}

// Query answers a get from the store's state without changing it;
// runtime.Reader, for reads at a primary that holds a lease. An operation
// that is not a get, or does not decode, gets the malformed result, as it
// would from every replica.
func (s *Store) Query(b []byte) []byte {
	o, err := Decode(b)
	if err != nil || o.Kind != Get {
		return []byte{malformed}
	}
	return s.apply(&o).encode()
}

func (s *Store) apply(o *Op) Result {
	cur, ok := s.data[o.Key]
	switch o.Kind {
	case Put:
		s.data[o.Key] = bytes.Clone(o.Value)
		return Result{OK: true, Value: o.Value}
	case Get:
		return Result{OK: ok, Value: cur}
	case Delete:
		delete(s.data, o.Key)
		return Result{OK: ok}
	}
	// CAS
	if o.Absent && !ok || !o.Absent && ok && bytes.Equal(cur, o.Old) {
		s.data[o.Key] = bytes.Clone(o.Value)
		return Result{OK: true, Value: o.Value}
	}
	return Result{OK: false, Value: cur}
}

// Snapshot returns the store's state: its keys in order, each with its
// value; runtime.Snapshotter.
func (s *Store) Snapshot() []byte {
	keys := make([]string, 0, len(s.data))
	size := 0
	for k, v := range s.data {
		keys = append(keys, k)
		size += len(k) + len(v) + 4
	}
	slices.Sort(keys)
	b := wire.AppendUint(make([]byte, 0, size+8), uint64(len(keys)))
	for _, k := range keys {
		b = wire.AppendString(b, k)
		b = wire.AppendBytes(b, s.data[k])
	}
	return b
}

// Restore replaces the store's state by a snapshot; runtime.Snapshotter.
// It returns an error, and leaves the store as it was, for bytes that are
// not a snapshot.
func (s *Store) Restore(b []byte) error {
	d := wire.NewDecoder(b)
	n := d.Len(2)
	data := make(map[string][]byte, n)
	last := ""
	for i := 0; i < n && d.Err() == nil; i++ {
		k, v := d.String(), d.Bytes()
		if i > 0 && k <= last {
			return fmt.Errorf("store: snapshot: key %q out of order", k)
		}
		data[k], last = v, k
	}
	d.End()
	if err := d.Err(); err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	s.data = data
	return nil
}

// Len returns the number of keys.
func (s *Store) Len() int { return len(s.data) }

// Client is a client of the store.
type Client struct {
	c *runtime.Client
}

// NewClient returns a client of the store over a runtime client.
func NewClient(c *runtime.Client) *Client { return &Client{c: c} }

// Do submits an operation and returns its result. A get is a read: a
// primary that holds a lease answers it without a round of Prepares.
func (c *Client) Do(ctx context.Context, o Op) (Result, error) {
	submit := c.c.Do
	if o.Kind == Get {
		submit = c.c.Read
	}
	b, err := submit(ctx, o.Encode())
	if err != nil {
		return Result{}, err
	}
	return DecodeResult(b)
}

// Put sets key to value.
func (c *Client) Put(ctx context.Context, key string, value []byte) error {
	_, err := c.Do(ctx, Op{Kind: Put, Key: key, Value: value})
	return err
}

// Get returns key's value and whether it has one.
func (c *Client) Get(ctx context.Context, key string) ([]byte, bool, error) {
	r, err := c.Do(ctx, Op{Kind: Get, Key: key})
	return r.Value, r.OK, err
}

// Delete removes key and reports whether it had a value.
func (c *Client) Delete(ctx context.Context, key string) (bool, error) {
	r, err := c.Do(ctx, Op{Kind: Delete, Key: key})
	return r.OK, err
}

// CompareAndSet sets key to value if its value is old, or, with absent,
// if it has none; it reports whether it did, and the value after.
func (c *Client) CompareAndSet(ctx context.Context, key string, old []byte, absent bool, value []byte) (bool, []byte, error) {
	r, err := c.Do(ctx, Op{Kind: CAS, Key: key, Old: old, Absent: absent, Value: value})
	return r.OK, r.Value, err
}

// Reconfigure makes group the group of the next epoch, as the
// administrator admin (runtime.Client.Reconfigure), and returns that
// epoch. It learns the current epoch from a get, asks for the
// reconfiguration that ends it, and when an attempt has no answer within
// attempt, learns the epoch again: an epoch past the one it asked to end
// means the reconfiguration committed, and only its reply was lost.
func (c *Client) Reconfigure(ctx context.Context, admin spec.ClientID, group spec.ReplicaSet, attempt time.Duration) (spec.EpochNumber, error) {
	asked := false
	var end spec.EpochNumber
	for {
		if _, _, err := c.Get(ctx, ""); err != nil {
			return 0, fmt.Errorf("store: learning the epoch: %w", err)
		}
		e := c.c.Epoch()
		if asked && e > end {
			return e, nil
		}
		try, cancel := context.WithTimeout(ctx, attempt)
		err := c.c.Reconfigure(try, admin, e, group)
		cancel()
		switch {
		case err == nil:
			return e + 1, nil
		case ctx.Err() != nil:
			return 0, fmt.Errorf("store: the reconfiguration that ends epoch %d did not commit: %w "+
				"(the primary drops one to the current group, or with another administrator's secret)", e, ctx.Err())
		case !errors.Is(err, context.DeadlineExceeded):
			return 0, err
		}
		asked, end = true, e
	}
}
