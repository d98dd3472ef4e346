// Package history records what clients of the key-value store did, with
// the time each call began and returned, and checks with porcupine that
// the history is linearizable: that some order of the operations, each
// placed between its call and its return, gives every result the store's
// own semantics give.
package history

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/viewstamped/vsr/examples/kv/store"
)

// Outcome is what an operation returned; Unknown when the client gave up
// on it, so that it may or may not have taken effect.
type Outcome struct {
	Unknown bool
	Result  store.Result
}

// Recorder records a concurrent history. It is safe for concurrent use.
type Recorder struct {
	mu    sync.Mutex
	start time.Time
	ops   []porcupine.Operation
}

// NewRecorder returns an empty recorder; times count from now.
func NewRecorder() *Recorder { return &Recorder{start: time.Now()} }

// Do submits op through c on behalf of client (from 0), and records the
// call, its return and its result. An error leaves the outcome unknown:
// the operation may take effect at any time after its call.
func (r *Recorder) Do(ctx context.Context, c *store.Client, client int, op store.Op) (store.Result, error) {
	call := time.Since(r.start).Nanoseconds()
	res, err := c.Do(ctx, op)
	ret := time.Since(r.start).Nanoseconds()
	out := Outcome{Result: res}
	if err != nil {
		out, ret = Outcome{Unknown: true}, math.MaxInt64
	}
	r.Add(client, op, out, call, ret)
	return res, err
}

// Add records an operation: what client asked, what it got, and when it
// called and returned, in nanoseconds.
func (r *Recorder) Add(client int, op store.Op, out Outcome, call, ret int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, porcupine.Operation{ClientId: client, Input: op, Output: out, Call: call, Return: ret})
}

// Len returns the number of operations recorded, and how many have an
// unknown outcome.
func (r *Recorder) Len() (ops, unknown int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range r.ops {
		if o.Output.(Outcome).Unknown {
			unknown++
		}
	}
	return len(r.ops), unknown
}

// Check checks the history with porcupine, for at most timeout.
func (r *Recorder) Check(timeout time.Duration) porcupine.CheckResult {
	r.mu.Lock()
	ops := append([]porcupine.Operation(nil), r.ops...)
	r.mu.Unlock()
	return porcupine.CheckOperationsTimeout(Model, ops, timeout)
}

// value is the model's state of one key.
type value struct {
	present bool
	data    string
}

// Model is the key-value store for porcupine: each key on its own, which
// lets porcupine check the keys apart.
var Model = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		for _, o := range history {
			k := o.Input.(store.Op).Key
			byKey[k] = append(byKey[k], o)
		}
		keys := make([]string, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return value{} },
	Step: func(state, input, output any) (bool, any) {
		v, op, out := state.(value), input.(store.Op), output.(Outcome)
		want, next := step(v, op)
		if out.Unknown {
			return true, next
		}
		return want.OK == out.Result.OK && bytes.Equal(want.Value, out.Result.Value), next
	},
	DescribeOperation: func(input, output any) string {
		op, out := input.(store.Op), output.(Outcome)
		res := "?"
		if !out.Unknown {
			res = fmt.Sprintf("%v %q", out.Result.OK, out.Result.Value)
		}
		return fmt.Sprintf("%c %s %q -> %s", op.Kind, op.Key, op.Value, res)
	},
}

// step is the store's semantics for one key: the result of op in state v,
// and the state after it.
func step(v value, op store.Op) (store.Result, value) {
	cur := []byte(nil)
	if v.present {
		cur = []byte(v.data)
	}
	switch op.Kind {
	case store.Put:
		return store.Result{OK: true, Value: op.Value}, value{true, string(op.Value)}
	case store.Get:
		return store.Result{OK: v.present, Value: cur}, v
	case store.Delete:
		return store.Result{OK: v.present}, value{}
	case store.CAS:
		if op.Absent && !v.present || !op.Absent && v.present && v.data == string(op.Old) {
			return store.Result{OK: true, Value: op.Value}, value{true, string(op.Value)}
		}
		return store.Result{OK: false, Value: cur}, v
	}
	return store.Result{}, v
}
