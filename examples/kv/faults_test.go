package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/examples/kv/history"
	"github.com/viewstamped/vsr/examples/kv/store"
	"github.com/viewstamped/vsr/internal/loopback"
	"github.com/viewstamped/vsr/runtime"
)

// TestLinearizableUnderFaults runs the store on an in-process cluster
// while clients write, read and compare-and-set a few shared keys, and
// the cluster goes through a partition of its primary, the partition's
// healing, and a kill and restart of a backup: porcupine finds the whole
// history linearizable.
func TestLinearizableUnderFaults(t *testing.T) {
	c := loopback.New(t, 3, func(int) runtime.StateMachine { return store.New() })
	cl := store.NewClient(c.Client(8, 30*time.Millisecond))
	rec := history.NewRecorder()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for s := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(s), 2))
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("k%d", rng.IntN(4))
				var op store.Op
				switch rng.IntN(5) {
				case 0, 1:
					op = store.Op{Kind: store.Put, Key: key, Value: []byte(fmt.Sprintf("%d-%d", s, n))}
				case 2:
					op = store.Op{Kind: store.CAS, Key: key, Absent: rng.IntN(3) == 0, Old: []byte(fmt.Sprintf("%d-%d", s, n-1)), Value: []byte(fmt.Sprintf("%d-%d", s, n))}
				case 3:
					op = store.Op{Kind: store.Delete, Key: key}
				default:
					op = store.Op{Kind: store.Get, Key: key}
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				rec.Do(ctx, cl, s, op)
				cancel()
			}
		}()
	}
	settle := func() {
		ops, _ := rec.Len()
		c.Eventually("more operations", func() bool { n, _ := rec.Len(); return n >= ops+200 })
	}
	settle()
	old := c.Primary()
	c.Partition(old)
	settle()
	c.Partition()
	settle()
	backup := (c.Primary() + 1) % 3
	c.Kill(backup)
	settle()
	c.Start(backup, false)
	c.Eventually("the backup to recover", func() bool { r, _ := c.Replica(backup); return r.CommitNumber > 0 })
	settle()
	close(stop)
	wg.Wait()
	ops, unknown := rec.Len()
	verdict := rec.Check(2 * time.Minute)
	t.Logf("%d operations on 4 keys, %d with an unknown outcome; porcupine: %s\n%s", ops, unknown, verdict, c.Describe())
	require.Equal(t, porcupine.Ok, verdict)
}

// forgetful is a broken state machine: every 5th get it answers as if the
// key had no value.
type forgetful struct {
	*store.Store
	gets int
}

func (f *forgetful) Apply(op []byte) []byte {
	if o, err := store.Decode(op); err == nil && o.Kind == store.Get {
		if f.gets++; f.gets%5 == 0 {
			return []byte{0}
		}
	}
	return f.Store.Apply(op)
}

// TestLinearizabilityCatchesBrokenStore runs the same clients against a
// cluster whose state machine forgets now and then: the history is not
// linearizable, and porcupine says so.
func TestLinearizabilityCatchesBrokenStore(t *testing.T) {
	c := loopback.New(t, 3, func(int) runtime.StateMachine { return &forgetful{Store: store.New()} })
	cl := store.NewClient(c.Client(1, 30*time.Millisecond))
	rec := history.NewRecorder()
	ctx := context.Background()
	for n := range 20 {
		_, err := rec.Do(ctx, cl, 0, store.Op{Kind: store.Put, Key: "k", Value: []byte(fmt.Sprint(n))})
		require.NoError(t, err)
		_, err = rec.Do(ctx, cl, 0, store.Op{Kind: store.Get, Key: "k"})
		require.NoError(t, err)
	}
	require.Equal(t, porcupine.Illegal, rec.Check(time.Minute))
}
