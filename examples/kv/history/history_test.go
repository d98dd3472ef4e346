package history_test

import (
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/examples/kv/history"
	"github.com/viewstamped/vsr/examples/kv/store"
)

func ok(v string) history.Outcome {
	return history.Outcome{Result: store.Result{OK: true, Value: []byte(v)}}
}

var (
	put1 = store.Op{Kind: store.Put, Key: "x", Value: []byte("1")}
	put2 = store.Op{Kind: store.Put, Key: "x", Value: []byte("2")}
	get  = store.Op{Kind: store.Get, Key: "x"}
)

// TestAcceptsLinearizable: reads that overlap a write may see it or not;
// a write whose outcome is unknown may have happened.
func TestAcceptsLinearizable(t *testing.T) {
	r := history.NewRecorder()
	r.Add(0, put1, ok("1"), 0, 10)
	r.Add(1, put2, ok("2"), 5, 30)
	r.Add(2, get, ok("1"), 12, 14) // put2 not yet
	r.Add(2, get, ok("2"), 20, 25) // put2 now
	r.Add(0, store.Op{Kind: store.Put, Key: "y", Value: []byte("3")}, history.Outcome{Unknown: true}, 40, 1<<62)
	r.Add(1, store.Op{Kind: store.Get, Key: "y"}, ok("3"), 50, 60)
	require.Equal(t, porcupine.Ok, r.Check(time.Minute))
}

// TestRejectsStaleRead: a read that starts after a write returned must see
// it; the checker rejects one that does not.
func TestRejectsStaleRead(t *testing.T) {
	r := history.NewRecorder()
	r.Add(0, put1, ok("1"), 0, 10)
	r.Add(0, put2, ok("2"), 11, 20)
	r.Add(1, get, ok("1"), 21, 30) // after put2 returned
	require.Equal(t, porcupine.Illegal, r.Check(time.Minute))
}

// TestRejectsLostWrite: an acknowledged CAS that a later read does not see.
func TestRejectsLostWrite(t *testing.T) {
	r := history.NewRecorder()
	r.Add(0, store.Op{Kind: store.CAS, Key: "x", Absent: true, Value: []byte("a")}, ok("a"), 0, 10)
	r.Add(1, get, history.Outcome{Result: store.Result{OK: false, Value: []byte{}}}, 20, 30)
	require.Equal(t, porcupine.Illegal, r.Check(time.Minute))
}
